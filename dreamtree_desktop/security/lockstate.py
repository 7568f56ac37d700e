"""The database's record of the lock mode, brought in line with the key files after an open.

The files on disk (device.key or vault.json) decide the mode; `user_settings.lock_with_password`
and the password's auth row follow them. Below accounts/ and appdata, so opening a folder needs
nothing from the account operations.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from ..clock import now_iso
from ..errors import StorageError
from ..paths import VAULT_FILENAME
from ..storage.db import Database, Row
from ..storage.keystore import Keys
from .errors import KeyFileError
from .keywrap import WrappedKey
from .passwords import hash_password
from .vault import read_vault


def password_auth_row(db: Database, user_id: str) -> Row | None:
    return db.one(
        "SELECT id, password_hash, wrapped_data_key FROM auth WHERE user_id = ? AND type = 'password' "
        "ORDER BY created_at LIMIT 1",
        (user_id,),
    )


def lock_with_password(db: Database, user_id: str) -> bool:
    return bool(db.scalar("SELECT lock_with_password FROM user_settings WHERE user_id = ?", (user_id,)))


def store_lock_setting(db: Database, user_id: str, on: bool) -> None:
    if lock_with_password(db, user_id) == on:
        return
    # Not stamping updated_at: the lock is this device's, and a newer settings stamp would make
    # the merge prefer this device's other settings over changes made elsewhere.
    with db.transaction():
        db.execute(
            "UPDATE user_settings SET lock_with_password = ? WHERE user_id = ? AND lock_with_password != ?",
            (int(on), user_id, int(on)),
        )


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
        store_lock_setting(db, user_id, keys.mode == "password")
        if keys.mode == "password" and password is not None:
            _complete_auth_from_vault(folder, db, user_id, password)


def _complete_auth_from_vault(folder: Path, db: Database, user_id: str, password: str) -> None:
    vault = read_vault(Path(folder) / VAULT_FILENAME)
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
