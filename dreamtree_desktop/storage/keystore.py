"""The keys that open a data folder.

Two modes:
- device: `device.key` (0600) holds the SQLCipher key and the field data key. Anyone with the
  file opens the data, as with any app that does not ask for a password.
- password: `vault.json` holds both keys wrapped under a key derived from the password; no
  file on disk opens the database without it (see security/vault.py).
The SQLCipher key and the field data key are independent random keys.
Switching between the modes, and finishing a switch a crash interrupted, is security/vault.py's
job; `load_or_create_keys` lets it settle any half-done switch first (docs/security.md).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import AuthenticationError, StorageError
from ..paths import DB_FILENAME, DEVICE_KEY_FILENAME, VAULT_FILENAME, atomic_write_text

# Written first during a key change and renamed over the real file once the database agrees.
DEVICE_KEY_NEW_FILENAME = f"{DEVICE_KEY_FILENAME}.new"
VAULT_NEW_FILENAME = f"{VAULT_FILENAME}.new"


@dataclass
class Keys:
    db_key: bytearray = field(repr=False)
    data_key: bytearray = field(repr=False)
    mode: str = "device"  # "device" or "password"

    def wipe(self) -> None:
        for buf in (self.db_key, self.data_key):
            for i in range(len(buf)):
                buf[i] = 0


def new_device_keys() -> Keys:
    return Keys(bytearray(secrets.token_bytes(32)), bytearray(secrets.token_bytes(32)), "device")


def write_device_keys(
    folder: Path, keys: Keys, *, filename: str = DEVICE_KEY_FILENAME, extra: dict[str, Any] | None = None
) -> None:
    body = {"v": 1, "db_key": bytes(keys.db_key).hex(), "data_key": bytes(keys.data_key).hex()}
    if extra:
        body.update(extra)
    atomic_write_text(folder / filename, json.dumps(body))


def read_device_keys(folder: Path, filename: str = DEVICE_KEY_FILENAME) -> Keys:
    path = folder / filename
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(body, dict) or body.get("v") != 1:
            raise ValueError
        db_key = bytearray(bytes.fromhex(body["db_key"]))
        data_key = bytearray(bytes.fromhex(body["data_key"]))
        if len(db_key) != 32 or len(data_key) != 32:
            raise ValueError
    except PermissionError:
        raise StorageError(f"The key file {path} cannot be read (permission denied).") from None
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise StorageError(
            f"The key file {path} is damaged or is not a DreamTree key file.",
            hint="Restore it from where you saved it, or restore a JSON backup into a new data folder.",
        ) from None
    return Keys(db_key, data_key, "device")


def key_mode(folder: Path) -> str | None:
    # A vault.json.new left by an interrupted lock-on counts: if the old key file still opened the
    # database, opening the folder discards it (settle_pending) before anyone asks for a password.
    if (folder / VAULT_FILENAME).exists() or (
        (folder / VAULT_NEW_FILENAME).exists() and not _aborted_lock_on(folder)
    ):
        return "password"
    if (folder / DEVICE_KEY_FILENAME).exists():
        return "device"
    return None


def _change_pending(folder: Path) -> bool:
    return (
        (folder / DEVICE_KEY_NEW_FILENAME).exists()
        or (folder / VAULT_NEW_FILENAME).exists()
        or any(folder.glob("locked-*.partial"))
    )


def _aborted_lock_on(folder: Path) -> bool:
    from ..security.vault import aborted_lock_on

    return aborted_lock_on(folder)


def load_or_create_keys(folder: Path, password: str | None = None) -> tuple[Keys, bool]:
    """Return the folder's keys and whether they were just created (a brand-new folder)."""
    if _change_pending(folder):
        # Only an interrupted key change needs the vault code (and its Argon2 and AES imports).
        from ..security.vault import settle_pending

        settle_pending(folder)
    mode = key_mode(folder)
    if mode == "password":
        if password is None:
            raise AuthenticationError(
                "This data folder is locked with a password.",
                hint="Enter your password to unlock it (DREAMTREE_PASSWORD for scripts).",
            )
        from ..security.vault import unlock_vault

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
