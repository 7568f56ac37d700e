"""What `account status` reports: anonymous or claimed, email, lock mode, whether PII is locked."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..context import UserContext
from ..security.lockstate import lock_with_password
from ..security.vault import UnlockThrottle
from ..storage.keystore import key_mode
from .credentials import password_auth_row
from .emails import active_email
from .lockmode import idle_lock_minutes
from .pii_audit import unsealed_pii

if TYPE_CHECKING:
    from ..appdata import AppData


def account_status(app: AppData) -> dict[str, Any]:
    ctx = UserContext.from_app(app)
    claimed = password_auth_row(app.db, app.user_id) is not None
    return {
        "data_dir": str(app.folder),
        "state": "claimed" if claimed else "anonymous",
        "email": active_email(app.db, app.user_id),
        "lock_with_password": lock_with_password(app.db, app.user_id),
        "key_mode": app.keys.mode,
        "database_locked": False,
        "pii_locked": not ctx.has_data_key,
        "unsealed_pii_fields": len(unsealed_pii(ctx)),
        "idle_lock_minutes": idle_lock_minutes(ctx),
        "unlock_wait_seconds": UnlockThrottle(app.folder).wait_seconds(),
    }


def locked_folder_status(folder: Path) -> dict[str, Any]:
    """What can be said of a folder locked with a password without the password."""
    folder = Path(folder)
    mode = key_mode(folder)
    return {
        "data_dir": str(folder),
        "state": "claimed" if mode == "password" else None,
        "email": None,
        "lock_with_password": mode == "password",
        "key_mode": mode,
        "database_locked": True,
        "pii_locked": True,
        "unsealed_pii_fields": None,
        "idle_lock_minutes": None,
        "unlock_wait_seconds": UnlockThrottle(folder).wait_seconds(),
    }
