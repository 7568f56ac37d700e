"""Reading a data folder's keys: finish an interrupted key change, then the key file or the vault.

Above both storage/keystore.py (the key file, the mode) and security/vault.py (the password
vault and key changes), so neither needs the other's help to open a folder.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import AuthenticationError, StorageError
from ..paths import DB_FILENAME
from ..storage.keystore import (
    DEVICE_KEY_NEW_FILENAME,
    VAULT_NEW_FILENAME,
    Keys,
    key_mode,
    new_device_keys,
    read_device_keys,
    write_device_keys,
)
from .unlock import unlock_vault
from .vault import settle_pending


def _change_pending(folder: Path) -> bool:
    return (
        (folder / DEVICE_KEY_NEW_FILENAME).exists()
        or (folder / VAULT_NEW_FILENAME).exists()
        or any(folder.glob("locked-*.partial"))
    )


def load_or_create_keys(folder: Path, password: str | None = None) -> tuple[Keys, bool]:
    """Return the folder's keys and whether they were just created (a brand-new folder)."""
    if _change_pending(folder):
        settle_pending(folder)
    mode = key_mode(folder)
    if mode == "password":
        if password is None:
            raise AuthenticationError(
                "This data folder is locked with a password.",
                hint="Enter your password to unlock it (DREAMTREE_PASSWORD for scripts).",
            )
        return unlock_vault(folder, password), False
    if mode == "device":
        return read_device_keys(folder), False
    db_path = folder / DB_FILENAME
    if db_path.exists() and db_path.stat().st_size > 0:
        raise StorageError(
            f"The key file for {db_path} is missing, so the database cannot be opened.",
            hint="Put the key file back, or restore a JSON backup into a new data folder.",
        )
    keys = new_device_keys()
    write_device_keys(folder, keys)
    return keys, True
