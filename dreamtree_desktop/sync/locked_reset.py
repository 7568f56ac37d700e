"""A forgotten password on a folder locked with it (the password lock on).

With the lock on, the database key itself is wrapped by the forgotten password (vault.json):
nothing on this computer can open the folder's data any more, personal or not. What can still
be saved is what the cloud account holds. So, by the mailed code:

1. the account takes a new data key and password (POST /v1/account/reset/confirm); a wrong or
   expired code changes nothing anywhere;
2. the locked database, its vault and backups are moved, unchanged, into `locked-<time>/` (they
   open again if the old password comes back: docs/security.md, "Password reset");
3. the folder starts again, takes the account's identity and new key, and the account's copy:
   every personal value in it becomes the "lost" marker (sealed under the old key), everything
   else is kept (adopt.adopt_account, as a new computer resetting the account does);
4. the folder is locked with the new password and syncs (the lost markers go to the account).

What is lost beyond the personal fields: changes made in this folder after its last sync, which
exist only in the set-aside database. The message says so.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from ..accounts import derive_secrets
from ..accounts.credentials import new_credentials
from ..accounts.emails import normalize_email
from ..accounts.lockmode import enable_with_credentials
from ..accounts.pii_audit import pii_cells
from ..appdata import open_app_data
from ..context import UserContext
from ..errors import AuthenticationError, DreamTreeError, ServiceError, UserInputError
from ..pii import LOST_MARKER
from ..security import vault as _vault
from ..security.kdf import KdfParams, wipe
from ..security.passwords import enforce_password_policy
from ..storage.keystore import key_mode
from ..storage.lock import FolderLock
from . import protocol as p
from .adopt import adopt_account
from .client import CloudClient
from .errors import CloudError
from .recovery import ResetCodeSent
from .service import Connect, Hooks, _sync_rounds, default_connect
from .signup import AskCode, normalize_code

# Said before the user confirms (the CLI prints it), so they know what will be kept.
LOCKED_CLOUD_RESET_NOTE = (
    "This folder is locked with the forgotten password, so its database cannot be opened without it. "
    "The reset goes through your cloud account: the locked database is kept aside unchanged (it opens "
    "again with the old password), and this folder takes your account's copy with everything but the "
    "personal fields, locked with the new password. Changes made here after this folder's last sync "
    "exist only in the locked copy."
)


@dataclass
class LockedResetResult:
    email: str
    server: str
    aside: Path  # where the locked database was moved
    lost_fields: int  # personal fields of the account's copy now marked lost
    reset_at: str | None
    sync_error: str | None = None

    def message(self) -> str:
        return (
            "Password reset in your cloud account. This folder was locked with the forgotten password, so "
            f"its database could not be opened: it was moved unchanged to {self.aside} (it opens again only "
            "with the old password). This folder now holds your cloud account's copy, locked with the new "
            f"password: everything in it was kept except {self.lost_fields} personal field(s) (financial "
            "info, contact details, private reflections), which can no longer be recovered on any device. "
            "Changes made on this computer after its last sync are only in the moved database. Your other "
            "devices will ask for the new password once."
        )


def reset_locked_folder_through_cloud(folder: Path, server: str, email: str, new_password: str, *,
                                      code: str | None = None, ask_code: AskCode | None = None,
                                      connect: Connect = default_connect) -> LockedResetResult:
    """The forgotten-password reset of a folder locked with that password (see the module text)."""
    folder = Path(folder)
    server = p.normalize_server_url(server)
    email = normalize_email(email)
    enforce_password_policy(new_password, email)
    with connect(server, None) as client:
        lock = FolderLock(folder).acquire()  # held until the database is set aside
        try:
            _vault.settle_pending(folder)
            if key_mode(folder) != "password":
                raise UserInputError("This data folder is not locked with a password; nothing was changed.",
                                     hint="Run 'dreamtree account reset-password' without the lock to reset it "
                                          "in place.")
            if code is None:
                client.request_reset(email)
                if ask_code is None:
                    raise ResetCodeSent(email, server)
                code = ask_code(email)
            code = normalize_code(code)
            account_key = bytearray(secrets.token_bytes(32))
            try:
                with new_credentials(new_password, account_key) as creds:
                    session = _confirm(client, email, code, new_password, creds.params, creds.wrapped_data_key)
                    aside = _vault.set_aside_locked_database(folder)
                    lock.release()
                    _vault.fault_point("reset-locked-cloud:set-aside")
                    return _take_account(folder, client, session, email, new_password, account_key,
                                         creds.kek, creds.params, creds.wrapped_data_key, aside)
            finally:
                wipe(account_key)
        finally:
            lock.release()


def _confirm(client: CloudClient, email: str, code: str, new_password: str, params: KdfParams,
             wrapped_text: str) -> p.Session:
    kek, auth_secret = derive_secrets(new_password, params)
    wipe(kek)
    try:
        return client.confirm_reset(email, code, auth_secret, params.to_dict(), wrapped_text)
    except CloudError as exc:
        if exc.code == p.INVALID_CODE:
            raise UserInputError(
                "code: the reset code is wrong or has expired.",
                hint="Nothing was changed: this folder is still locked with the old password, and the cloud "
                     "account is as it was. Run the command again without --code for a new code.",
            ) from None
        raise
    finally:
        wipe(auth_secret)


def _take_account(folder: Path, client: CloudClient, session: p.Session, email: str, new_password: str,
                  account_key: bytearray, kek: bytearray, params: KdfParams, wrapped_text: str,
                  aside: Path) -> LockedResetResult:
    """Steps 3 and 4 on the fresh folder. The account is reset already; a failure here leaves a
    folder that opens without a password, where the reset can run again as on a new computer."""
    try:
        with open_app_data(folder) as app:
            adopt_account(app, UserContext.from_app(app), client, session, email, new_password, wrapped_text,
                          account_key, reset_at=session.reset_at or "")
            enable_with_credentials(app, kek, params, wrapped_text)
            lost = sum(1 for cell in pii_cells(app.db, app.user_id) if cell.value == LOST_MARKER)
            result = LockedResetResult(email, client.server, aside, lost, session.reset_at)
            try:
                _sync_rounds(UserContext.from_app(app), client, app, Hooks())
            except (ServiceError, AuthenticationError) as exc:
                result.sync_error = str(exc)  # the next sync finishes it; the reset itself is done
            return result
    except (ServiceError, AuthenticationError, UserInputError) as exc:
        kind: type[DreamTreeError] = (ServiceError if isinstance(exc, ServiceError)
                                      else AuthenticationError if isinstance(exc, AuthenticationError)
                                      else UserInputError)
        raise kind(
            f"The cloud account was reset and the locked database moved to {aside}, but this folder could "
            f"not take the account's copy: {exc.message}",
            hint=f"This folder now opens without a password. Finish with: dreamtree account reset-password "
                 f"--email {email} --server {client.server} (a new code is mailed), then lock it again with "
                 "'dreamtree account lock on'.",
        ) from None
