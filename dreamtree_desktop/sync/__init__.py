"""Cloud sync: the desktop client of the DreamTree cloud service (docs/sync-protocol.md).

API (the CLI and the UI call these):

    sync(ctx, server=None, *, app=None) -> SyncResult
        Pull, merge, push with compare-and-set; a stale push starts again (at most 5 rounds).
        ServiceError (exit 4) when the service cannot be reached or the copies do not settle,
        AuthenticationError (exit 3) when the session is gone; local data is then unchanged.
    sync_now(ctx, app=None) -> SyncResult          the desktop's "Sync now"
    sync_status(ctx) -> {server, signed_in, revision, last_synced_at, clock_offset_s,
                         clock_measured_at, clock_offset_stale,
                         password_change_pending}   (no network)
    cloud_claim(app, server, password, *, email=None, lock=True, code=None, ask_code=None) -> AccountResult
        the service mails a verification code first: pass `code`, or `ask_code(email) -> code`;
        with neither, VerificationCodeSent (exit 3) once the code was mailed
    login(app, server, email, password, *, lock=True) -> AccountResult
    logout(ctx) -> bool
    push_password_change(app, old_password, new_password) -> "pushed" | "already" | "deferred"
        after accounts.change_password: the cloud account takes the new password (the other
        devices' sessions end; signing in there again adopts it); offline it is kept and sent by
        the next sync

Modules: service (sync rounds, SyncResult), cloud_account (claim, login, logout, password),
recovery (forgotten password through the cloud: reset_cloud_password), locked_reset (the same for
a folder locked with the forgotten password), lost (the "lost" marker
after a reset, used by sync, sign-in and recovery alike), pending (a password change made offline,
sent by the next sync), state (what the folder remembers), bases (the last agreement per record), errors (typed errors: ClockSkew,
ServerDamaged, PasswordChangedElsewhere, Offline...), background (the window's sync in steps).

Imports are lazy: the window imports this package to decide whether to show "Sync now", and
should not pay for httpx and the merge until the user syncs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..appdata import AppData
    from ..context import UserContext
    from .service import SyncResult

__all__ = [
    "AccountResult",
    "CloudClient",
    "SyncResult",
    "cloud_claim",
    "last_synced_at",
    "login",
    "logout",
    "push_password_change",
    "sync",
    "sync_now",
    "sync_status",
]


_ACCOUNT_NAMES = frozenset({"AccountResult", "cloud_claim", "login", "logout", "push_password_change"})


def sync_now(ctx: UserContext, app: AppData | None = None) -> SyncResult:
    from .service import sync_now as run

    return run(ctx, app)


def __getattr__(name: str) -> Any:
    if name == "CloudClient":
        from .client import CloudClient

        return CloudClient
    if name in _ACCOUNT_NAMES:
        from . import cloud_account

        return getattr(cloud_account, name)
    if name in __all__:
        from . import service

        return getattr(service, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
