"""'Lock with password' (user_settings.lock_with_password) and locking an open session.

On: the database gets a new key kept only in vault.json, wrapped under the password's KEK; the
device key file is overwritten and removed. Off: the reverse. The files on disk decide the mode;
the setting mirrors them and is brought back in line every time the folder opens.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

from ..clock import now_iso
from ..context import UserContext
from ..errors import StorageError, UserInputError
from ..paths import VAULT_FILENAME
from ..security import vault as _vault
from ..security.errors import KeyFileError
from ..security.kdf import KdfParams
from ..security.keywrap import WrappedKey
from ..security.passwords import hash_password
from ..storage.db import Database
from ..storage.keystore import Keys
from .credentials import password_auth_row, require_claimed, verify_password

if TYPE_CHECKING:
    from ..appdata import AppData

MAX_IDLE_LOCK_MINUTES = 1440


def lock_with_password(db: Database, user_id: str) -> bool:
    return bool(db.scalar("SELECT lock_with_password FROM user_settings WHERE user_id = ?", (user_id,)))


def _store_setting(db: Database, user_id: str, on: bool) -> None:
    if lock_with_password(db, user_id) == on:
        return
    # Not stamping updated_at: the lock is this device's, and a newer settings stamp would make
    # the merge prefer this device's other settings over changes made elsewhere.
    with db.transaction():
        db.execute(
            "UPDATE user_settings SET lock_with_password = ? WHERE user_id = ? AND lock_with_password != ?",
            (int(on), user_id, int(on)),
        )


def enable_with_credentials(
    app: AppData, kek: bytes | bytearray, params: KdfParams, wrapped_data_key: str
) -> None:
    """Turn the lock on with a KEK the caller already derived (claim derives it once)."""
    _vault.enable_password_lock(app.folder, app.db, app.keys, kek, params, wrapped_data_key)
    _store_setting(app.db, app.user_id, True)


def set_lock_with_password(app: AppData, on: bool, password: str) -> bool:
    """Switch the lock on or off; False when it already was. The password is checked first
    (wrong: WrongPasswordError, exit 3, counted by the throttle)."""
    require_claimed(app.db, app.user_id)
    if (app.keys.mode == "password") == on:
        _store_setting(app.db, app.user_id, on)
        return False
    with verify_password(app, password) as creds:
        if on:
            enable_with_credentials(app, creds.kek, creds.params, creds.wrapped_data_key)
        else:
            _vault.disable_password_lock(app.folder, app.db, app.keys)
            _store_setting(app.db, app.user_id, False)
    return True


def lock(app: AppData) -> None:
    """Auto-lock / "Lock now": close the database and wipe the keys held in memory. With the lock
    on, reopening needs the password; with it off, the device key file reopens the folder."""
    app.close()


def idle_lock_minutes(ctx: UserContext) -> int:
    value = ctx.db.scalar("SELECT idle_lock_minutes FROM user_settings WHERE user_id = ?", (ctx.user_id,))
    return 15 if value is None else int(value)


def set_idle_lock_minutes(ctx: UserContext, minutes: object) -> int:
    """Minutes without input before the UI locks the session; 0 turns auto-lock off."""
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 <= minutes <= MAX_IDLE_LOCK_MINUTES:
        raise UserInputError(f"idle_lock_minutes: a whole number from 0 (never) to {MAX_IDLE_LOCK_MINUTES}.")
    with ctx.db.transaction():
        ctx.db.execute(
            "UPDATE user_settings SET idle_lock_minutes = ?, updated_at = ? WHERE user_id = ?",
            (minutes, now_iso(), ctx.user_id),
        )
    return minutes


def reconcile_after_open(folder: Path, db: Database, keys: Keys, user_id: str, password: str | None) -> None:
    """Bring the database in line with the key files after an open.

    - lock_with_password mirrors the mode the folder opened in.
    - With the vault, its wrapped data key is the truth: a password change replaces vault.json
      first, so if it stopped before updating the database, the auth row is completed here with
      the password that just opened the vault.
    """
    # Best effort, like the session stamp: a full disk must not stop the user from opening their
    # data. Both corrections are retried on the next open.
    with contextlib.suppress(StorageError):
        _store_setting(db, user_id, keys.mode == "password")
        if keys.mode == "password" and password is not None:
            _complete_auth_from_vault(folder, db, user_id, password)


def _complete_auth_from_vault(folder: Path, db: Database, user_id: str, password: str) -> None:
    vault = _vault.read_vault(Path(folder) / VAULT_FILENAME)
    row = password_auth_row(db, user_id)
    if row is None:
        return
    try:
        current = WrappedKey.from_json(row["wrapped_data_key"])
    except KeyFileError:
        current = None
    if current == vault.wrapped_data_key:
        return
    with db.transaction():
        db.execute(
            "UPDATE auth SET wrapped_data_key = ?, password_hash = ?, updated_at = ? WHERE id = ?",
            (vault.wrapped_data_key.to_json(), hash_password(password), now_iso(), row["id"]),
        )
