"""A forgotten password and the cloud account: the account is reset by a mailed code.

On the device that resets (its folder open with the device key, lock off): the folder gets a
new password and a new data key, every personal field becomes the "lost" marker, and the cloud
account takes the new password and wrapped key (POST /v1/account/reset/confirm). The first sync
after it replaces, in the server's copy, every personal value sealed under the old key with the
marker too (`mark_lost`), so everything else stays as it was.

Every other device finds its session ended; it asks for the new password once
(PasswordChangedElsewhere, exit 3). Signing in with it, the folder sees the account was reset
(`reset_at`) and takes the account's new data key: its own personal fields become the marker as
well (they were sealed under a key that no longer opens anything elsewhere), nothing else changes.

A folder locked with the forgotten password cannot be opened at all: locked_reset.py.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..accounts import derive_secrets
from ..accounts.credentials import new_credentials, password_auth_row
from ..accounts.emails import active_email, normalize_email
from ..accounts.password import reset_password
from ..context import UserContext
from ..errors import AuthenticationError, ServiceError, UserInputError
from ..security.kdf import wipe
from ..security.keywrap import WrappedKey
from ..security.passwords import enforce_password_policy
from . import protocol as p
from .adopt import adopt_account
from .errors import CloudError
from .lost import META_RESET_SEEN
from .service import Connect, Hooks, _sync_rounds, default_connect
from .signup import AskCode, normalize_code
from .state import remember_session, set_meta

if TYPE_CHECKING:
    from ..appdata import AppData


class ResetCodeSent(AuthenticationError):
    """A reset code was mailed and nobody was there to type it (exit 3)."""

    def __init__(self, email: str, server: str | None = None) -> None:
        where = f" --server {server}" if server else ""
        super().__init__(
            f"A reset code was mailed to {email} (if the address has a cloud account).",
            hint=f"Finish within 30 minutes: dreamtree account reset-password --email ADDRESS{where} --code CODE "
                 "(or set DREAMTREE_EMAIL_CODE). Nothing was changed yet.",
        )


@dataclass
class ResetResult:
    email: str
    server: str
    cleared_fields: int
    reset_at: str | None
    sync_error: str | None = None
    new_device: bool = False

    def message(self) -> str:
        if self.new_device:
            return ("Password reset in your cloud account. The personal fields (financial info, contact details, "
                    "private reflections) can no longer be recovered on any device; this computer now holds "
                    "everything else from the account, and your other devices will ask for the new password once.")
        return (f"Password reset here and in your cloud account. {self.cleared_fields} personal field(s) on "
                "this computer can no longer be recovered, and the same fields are cleared on your other "
                "devices when they next sync; everything else was kept. Your other devices will ask for "
                "the new password once.")


def reset_cloud_password(app: AppData, server: str, email: str, new_password: str, *, code: str | None = None,
                         ask_code: AskCode | None = None, connect: Connect | None = None) -> ResetResult:
    """The forgotten-password reset of a folder that holds this cloud account (lock off)."""
    server = p.normalize_server_url(server)
    email = normalize_email(email)
    db = app.db
    if password_auth_row(db, app.user_id) is None and app.keys.mode == "device":
        return _reset_from_new_device(app, server, email, new_password, code=code, ask_code=ask_code,
                                      connect=connect or default_connect)
    if password_auth_row(db, app.user_id) is None or active_email(db, app.user_id) != email:
        raise UserInputError(
            f"email: this data folder does not hold the cloud account {email}.",
            hint="Reset from a computer whose data folder is signed in to that account.",
        )
    if app.keys.mode != "device":
        raise UserInputError(
            "This folder is open with its password, so it needs no reset. Nothing was changed.",
            hint="Choose a new password with 'dreamtree account change-password'. A folder whose password "
                 "is forgotten resets with: dreamtree account reset-password --email E --server URL.",
        )
    with (connect or default_connect)(server, None) as client:
        if code is None:
            client.request_reset(email)
            if ask_code is None:
                raise ResetCodeSent(email)
            code = ask_code(email)
        code = normalize_code(code)
        cleared = reset_password(app, new_password, confirmed=True)
        row = password_auth_row(db, app.user_id)
        assert row is not None
        wrapped_text = str(row["wrapped_data_key"])
        wrapped = WrappedKey.from_json(wrapped_text)
        kek, auth_secret = derive_secrets(new_password, wrapped.kdf)
        wipe(kek)
        try:
            session = client.confirm_reset(email, code, auth_secret, wrapped.kdf.to_dict(), wrapped_text)
        except CloudError as exc:
            raise CloudError(
                f"The password was reset on this computer, but the cloud service refused the reset: {exc.message}",
                code=exc.code, status=exc.status,
                hint="Run the reset again with a new code (the personal fields here are already cleared).",
            ) from None
        finally:
            wipe(auth_secret)
        with db.transaction():
            remember_session(db, app.keys.data_key, app.user_id, server, session.token, wrapped.kdf.to_dict(),
                             device_token=client.device_token)
            if session.reset_at:
                set_meta(db, META_RESET_SEEN, session.reset_at)
        result = ResetResult(email, server, cleared, session.reset_at)
        ctx = UserContext.from_app(app)
        try:
            _sync_rounds(ctx, client, app, Hooks())
        except (ServiceError, AuthenticationError) as exc:
            result.sync_error = str(exc)  # the next sync finishes it; the reset itself is done
    return result


def _reset_from_new_device(app: AppData, server: str, email: str, new_password: str, *, code: str | None,
                           ask_code: AskCode | None, connect: Connect) -> ResetResult:
    """A folder without an account (a new computer, or a fresh one) resets the account: a new
    data key and password go to the account; the folder takes the account's data with every
    personal value lost, and pushes that."""
    enforce_password_policy(new_password, email)
    with connect(server, None) as client:
        if code is None:
            client.request_reset(email)
            if ask_code is None:
                raise ResetCodeSent(email)
            code = ask_code(email)
        code = normalize_code(code)
        account_key = bytearray(secrets.token_bytes(32))
        try:
            with new_credentials(new_password, account_key) as creds:
                kek, auth_secret = derive_secrets(new_password, creds.params)
                wipe(kek)
                try:
                    session = client.confirm_reset(email, code, auth_secret, creds.params.to_dict(),
                                                   creds.wrapped_data_key)
                finally:
                    wipe(auth_secret)
                ctx = UserContext.from_app(app)
                adopt_account(app, ctx, client, session, email, new_password, creds.wrapped_data_key,
                              account_key, reset_at=session.reset_at or "")
        finally:
            wipe(account_key)
        result = ResetResult(email, server, 0, session.reset_at, new_device=True)
        try:
            _sync_rounds(UserContext.from_app(app), client, app, Hooks())
        except (ServiceError, AuthenticationError) as exc:
            result.sync_error = str(exc)
    return result
