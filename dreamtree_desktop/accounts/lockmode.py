"""'Lock with password' (user_settings.lock_with_password) and locking an open session.

On: the database gets a new key kept only in vault.json, wrapped under the password's KEK; the
device key file is overwritten and removed. Off: the reverse. The files on disk decide the mode;
the setting mirrors them and is brought back in line every time the folder opens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..clock import now_iso
from ..context import UserContext
from ..errors import UserInputError
from ..security import vault as _vault
from ..security.kdf import KdfParams
from ..security.lockstate import store_lock_setting as _store_setting
from ..topics import ACCOUNT_WRITE, causes
from .credentials import require_claimed, verify_password

if TYPE_CHECKING:
    from ..appdata import AppData

MAX_IDLE_LOCK_MINUTES = 1440


def enable_with_credentials(
    app: AppData, kek: bytes | bytearray, params: KdfParams, wrapped_data_key: str
) -> None:
    """Turn the lock on with a KEK the caller already derived (claim derives it once)."""
    _vault.enable_password_lock(app.folder, app.db, app.keys, kek, params, wrapped_data_key)
    _store_setting(app.db, app.user_id, True)


@causes(*ACCOUNT_WRITE)
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
