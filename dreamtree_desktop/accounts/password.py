"""Password change (re-wrap only) and reset of a forgotten password (personal fields are lost)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..clock import now_iso
from ..errors import UserInputError
from ..pii import LOST_MARKER
from ..security import vault as _vault
from ..security.kdf import wipe
from ..security.passwords import enforce_password_policy, hash_password
from ..storage.keystore import DEVICE_KEY_NEW_FILENAME, key_mode
from ..storage.lock import FolderLock
from ..topics import ACCOUNT_WRITE, causes
from .credentials import new_credentials, require_claimed, verify_password
from .emails import active_email, normalize_email
from .pii_audit import pii_cells

if TYPE_CHECKING:
    from ..appdata import AppData

# Shown (and confirmed) before a reset (docs/security.md, "Password reset").
RESET_MESSAGE = (
    "Your encrypted personal data (financial info, contact details, and private reflections) cannot "
    "be recovered without your original password. All other progress has been preserved."
)
# Shown with RESET_MESSAGE when the folder is locked: the whole database is then out of reach.
LOCKED_RESET_NOTE = (
    "This folder is locked with your password, so the whole database is locked too: it will be kept "
    "aside unchanged, and DreamTree will start fresh with the new password. You can then restore "
    "everything but the personal fields from a JSON backup. If the folder syncs with a cloud account, "
    "give the cloud service's address: the reset then goes through the account, and the folder takes "
    "the account's data back."
)
# After a reset of a locked folder, where the rest of the user's data can come from.
RESTORE_HINT = (
    "The locked database was kept aside in {aside}; if you remember the old password, it can still "
    "be opened from there. This data folder now starts fresh: restore your progress (everything but "
    "the personal fields) from a JSON backup. A cloud account's data comes back by resetting the "
    "account from a new data folder: dreamtree --data-dir NEW_FOLDER account reset-password "
    "--email E --server URL."
)


def _need_confirmation(confirmed: bool) -> None:
    if not confirmed:
        raise UserInputError(
            "confirm: a password reset needs your confirmation that personal data will be lost.",
            hint=RESET_MESSAGE,
        )


@causes(*ACCOUNT_WRITE)
def change_password(app: AppData, old_password: str, new_password: str) -> None:
    """Re-wrap the data key (and, with the lock on, the database key) under the new password.
    PII is untouched: its ciphertexts stay byte-identical.

    With the lock on, replacing vault.json is the commit point; the auth row follows, and if a
    crash comes between, opening with the new password completes it (security.lockstate.reconcile_after_open).
    """
    row = require_claimed(app.db, app.user_id)
    enforce_password_policy(new_password, active_email(app.db, app.user_id))
    verify_password(app, old_password).wipe()
    with new_credentials(new_password, app.keys.data_key) as creds:
        password_hash = hash_password(new_password)
        if app.keys.mode == "password":
            text = _vault.build_vault(creds.params, creds.kek, app.keys.db_key, creds.wrapped_data_key)
            _vault.write_vault(app.folder, text)
            _vault.fault_point("password-change:vault-written")
        with app.db.transaction():
            app.db.execute(
                "UPDATE auth SET password_hash = ?, wrapped_data_key = ?, updated_at = ? WHERE id = ?",
                (password_hash, creds.wrapped_data_key, now_iso(), row["id"]),
            )


def clear_pii(app: AppData) -> int:
    """Every non-NULL PII cell becomes LOST_MARKER (inside the caller's transaction); returns how many."""
    stamp = now_iso()
    cleared = 0
    for cell in list(pii_cells(app.db, app.user_id)):
        if cell.value is None:
            continue
        table, column, key = cell.table, cell.column, cell.key_column
        has_updated_at = table != "user_list_items"
        stamp_sql = ", updated_at = ?" if has_updated_at else ""
        params = (LOST_MARKER, stamp, cell.row_id) if has_updated_at else (LOST_MARKER, cell.row_id)
        app.db.execute(f'UPDATE "{table}" SET "{column}" = ?{stamp_sql} WHERE "{key}" = ?', params)
        cleared += 1
    return cleared


@causes(*ACCOUNT_WRITE)
def reset_password(app: AppData, new_password: str, *, confirmed: bool) -> int:
    """Forgotten password, lock off (the device key file opened the folder): a new data key and
    password; every PII field becomes LOST_MARKER; everything else is kept. Returns the number of
    fields cleared.

    device.key.new (same database key, new data key, and the digest of the auth row that commits
    it) is written first; the database transaction is the commit point; then it replaces device.key.
    """
    _need_confirmation(confirmed)
    row = require_claimed(app.db, app.user_id)
    if app.keys.mode != "device":
        raise UserInputError(
            "The folder is open with your password, so nothing needs resetting.",
            hint="Use change-password to choose a new one.",
        )
    enforce_password_policy(new_password, active_email(app.db, app.user_id))
    new_data_key = bytearray(secrets.token_bytes(32))
    try:
        with new_credentials(new_password, new_data_key) as creds:
            password_hash = hash_password(new_password)
            _vault.stage_device_data_key(app.folder, app.keys.db_key, new_data_key, creds.wrapped_data_key)
            _vault.fault_point("reset:staged")
            try:
                with app.db.transaction():
                    cleared = clear_pii(app)
                    app.db.execute(
                        "UPDATE auth SET password_hash = ?, wrapped_data_key = ?, updated_at = ? "
                        "WHERE id = ?",
                        (password_hash, creds.wrapped_data_key, now_iso(), row["id"]),
                    )
            except BaseException:
                _vault.secure_delete(app.folder / DEVICE_KEY_NEW_FILENAME)
                raise
            app.keys.data_key[:] = new_data_key  # memory follows the database, even if the rename fails
            _vault.fault_point("reset:committed")
            _vault.promote_staged_device_key(app.folder)
    finally:
        wipe(new_data_key)
    _vault.UnlockThrottle(app.folder).reset()
    return cleared


def reset_locked_folder(folder: Path, email: str, new_password: str, *, confirmed: bool) -> Path:
    """Forgotten password, lock on: the database cannot be opened at all. It is moved aside with
    its vault and backups (kept in case the password is remembered), and the folder starts fresh,
    claimed with email and the new password and locked. Returns the folder it was moved to."""
    from ..appdata import open_app_data
    from .claim import claim

    _need_confirmation(confirmed)
    normalized = normalize_email(email)
    enforce_password_policy(new_password, normalized)
    folder = Path(folder)
    lock = FolderLock(folder).acquire()
    try:
        _vault.settle_pending(folder)
        if key_mode(folder) != "password":
            raise UserInputError("This data folder is not locked with a password; nothing was changed.")
        aside = _vault.set_aside_locked_database(folder)
    finally:
        lock.release()
    _vault.fault_point("reset-locked:set-aside")
    with open_app_data(folder) as app:
        claim(app, normalized, new_password, lock=True)
    return aside


@dataclass(frozen=True)
class ResetOutcome:
    in_place: bool  # True: lock off, PII cleared in place; False: locked database set aside
    cleared_fields: int
    aside: Path | None

    def message(self) -> str:
        if self.in_place:
            return RESET_MESSAGE
        return RESTORE_HINT.format(aside=self.aside)


def reset_forgotten_password(
    folder: Path, new_password: str, *, confirmed: bool, email: str | None = None
) -> ResetOutcome:
    """Pick the reset the folder needs: in place with the lock off, set aside with it on (the
    email is needed then, as the old one is inside the locked database)."""
    from ..appdata import open_app_data

    _need_confirmation(confirmed)
    folder = Path(folder)
    if key_mode(folder) == "password":
        if not email:
            raise UserInputError(
                "email: the folder is locked, so the reset starts a fresh account; give its email.",
                hint="dreamtree account reset-password --email YOU@EXAMPLE.COM",
            )
        return ResetOutcome(False, 0, reset_locked_folder(folder, email, new_password, confirmed=True))
    with open_app_data(folder) as app:
        cleared = reset_password(app, new_password, confirmed=True)
    return ResetOutcome(True, cleared, None)
