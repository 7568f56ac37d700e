"""Reading a data folder's keys: finish an interrupted key change, then the key file or the vault.

Above both storage/keystore.py (the key file, the mode) and security/vault.py (the password
vault and key changes), so neither needs the other's help to open a folder.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from ..errors import AuthenticationError, StorageError
from ..paths import DB_FILENAME, DEVICE_KEY_FILENAME, VAULT_FILENAME
from ..storage.export_temps import remove_export_leftovers
from ..storage.keystore import (
    DEVICE_KEY_NEW_FILENAME,
    VAULT_NEW_FILENAME,
    VAULT_ROTATE_FILENAME,
    Keys,
    key_mode,
    new_device_keys,
    read_device_keys,
    write_device_keys,
)
from .unlock import unlock_vault
from .vault import secure_delete, settle_pending

# What the next open does with each staged file a key change leaves until it is settled, and the
# command that opens the folder that way (doctor names it when a file is still there).
_OPENING_SETTLES = "dreamtree doctor"  # any open does; doctor also says what it found
_UNLOCKING_SETTLES = "dreamtree account unlock"  # the staged vault needs the password


@dataclass(frozen=True)
class StagedChange:
    """A key change cut short: its staged file and the command whose open finishes or undoes it."""

    name: str
    command: str

    def __str__(self) -> str:
        return (f"A change of keys was cut short and waits in {self.name}; opening the folder finishes "
                f"or undoes it (nothing typed is lost): run '{self.command}'.")


def staged_key_changes(folder: Path) -> list[StagedChange]:
    """The staged key files in the folder (and a locked database half moved aside)."""
    folder = Path(folder)
    found = []
    for name, command in ((DEVICE_KEY_NEW_FILENAME, _OPENING_SETTLES), (VAULT_NEW_FILENAME, _UNLOCKING_SETTLES),
                          (VAULT_ROTATE_FILENAME, _UNLOCKING_SETTLES)):
        if (folder / name).exists():
            found.append(StagedChange(name, command))
    found += [StagedChange(p.name, _OPENING_SETTLES) for p in sorted(folder.glob("locked-*.partial"))]
    return found


def _change_pending(folder: Path) -> bool:
    # The staged rotation vault is settled by unlocking, which needs the password.
    return any(c.name != VAULT_ROTATE_FILENAME for c in staged_key_changes(folder))


# What a kill leaves of an atomic write in the data folder (paths.atomic_file names its temp file
# ".NAME.<random>.tmp") and of doctor's check of a backup (".NAME.probe"). Every writer holds the
# folder lock, so once we hold it these are leftovers. Key files hold keys in the clear, so all
# are overwritten before removal; the database copies among them are encrypted.
_LEFTOVERS = (f".{DEVICE_KEY_FILENAME}.*.tmp", f".{VAULT_FILENAME}.*.tmp", f".{DB_FILENAME}.*.tmp",
              ".*.db.probe", ".*.db.probe-wal", ".*.db.probe-shm")


def remove_leftovers(folder: Path) -> list[str]:
    """Remove what interrupted writes left in the data folder; returns their names. Call with
    the folder lock held."""
    found = sorted({p for pattern in _LEFTOVERS for p in Path(folder).glob(pattern) if p.is_file()})
    for path in found:
        with contextlib.suppress(OSError):  # a read-only folder: the next open that can write
            secure_delete(path)
    return [p.name for p in found]


def load_or_create_keys(folder: Path, password: str | None = None) -> tuple[Keys, bool]:
    """Return the folder's keys and whether they were just created (a brand-new folder)."""
    remove_leftovers(folder)
    remove_export_leftovers(folder)
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
