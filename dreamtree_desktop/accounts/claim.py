"""Claiming the folder's anonymous user: email + password, and (by default) lock with password."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..clock import now_iso
from ..errors import UserInputError
from ..ids import new_id
from ..security.passwords import enforce_password_policy, hash_password
from ..topics import ACCOUNT_WRITE, causes
from .credentials import new_credentials, password_auth_row
from .emails import add_active_email, normalize_email
from .lockmode import enable_with_credentials

if TYPE_CHECKING:
    from ..appdata import AppData


@causes(*ACCOUNT_WRITE)
def claim(app: AppData, email: str, password: str, *, lock: bool = True) -> str:
    """Give the anonymous user an email and password; returns the stored email.

    The data key stays the one the device key file held, so PII sealed while anonymous stays
    readable; it is wrapped under the password's KEK into auth.wrapped_data_key. Then, unless
    lock=False, the folder is locked with the password (the same KEK, no second Argon2id run).
    Bad input raises UserInputError / WeakPasswordError (exit 2) with nothing written.
    """
    db, user_id = app.db, app.user_id
    anonymous = db.scalar("SELECT is_anonymous FROM users WHERE id = ?", (user_id,))
    if password_auth_row(db, user_id) is not None or not anonymous:
        raise UserInputError("This data folder already has an account.", hint="Use change-password instead.")
    normalized = normalize_email(email)
    if db.scalar("SELECT 1 FROM emails WHERE email = ?", (normalized,)):
        raise UserInputError("email: this address is already used by another account.")
    enforce_password_policy(password, normalized)
    with new_credentials(password, app.keys.data_key) as creds:
        password_hash = hash_password(password)
        stamp = now_iso()
        with db.transaction():
            add_active_email(db, user_id, normalized)
            db.execute(
                "INSERT INTO auth(id, user_id, type, password_hash, wrapped_data_key, created_at, "
                "updated_at) VALUES (?, ?, 'password', ?, ?, ?, ?)",
                (new_id(), user_id, password_hash, creds.wrapped_data_key, stamp, stamp),
            )
            db.execute("UPDATE users SET is_anonymous = 0, updated_at = ? WHERE id = ?", (stamp, user_id))
        if lock:
            enable_with_credentials(app, creds.kek, creds.params, creds.wrapped_data_key)
    return normalized
