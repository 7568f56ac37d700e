"""The keys that open a data folder.

Two modes:
- device: `device.key` (0600) holds the SQLCipher key and the field data key. Anyone with the
  file opens the data, as with any app that does not ask for a password.
- password: `vault.json` holds both keys wrapped under a key derived from the password; no
  file on disk opens the database without it (see security/vault.py).
The SQLCipher key and the field data key are independent random keys.
Switching between the modes, and finishing a switch a crash interrupted, is security/vault.py's
job; `security.folder_keys.load_or_create_keys` lets it settle any half-done switch first
(docs/security.md).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import StorageError
from ..paths import DB_FILENAME, DEVICE_KEY_FILENAME, VAULT_FILENAME, atomic_write_text
from .probe import key_opens

# Written first during a key change and renamed over the real file once the database agrees.
DEVICE_KEY_NEW_FILENAME = f"{DEVICE_KEY_FILENAME}.new"
VAULT_NEW_FILENAME = f"{VAULT_FILENAME}.new"
# A key rotation with the lock on: the vault with the new data key, promoted once the database
# transaction that re-encrypts every value has committed (security/rotation.py).
VAULT_ROTATE_FILENAME = f"{VAULT_FILENAME}.rotate"


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
        (folder / VAULT_NEW_FILENAME).exists() and not aborted_lock_on(folder)
    ):
        return "password"
    if (folder / DEVICE_KEY_FILENAME).exists():
        return "device"
    return None


def aborted_lock_on(folder: Path) -> bool:
    """vault.json.new beside a device.key that still opens the database: the re-key never happened."""
    if not (folder / VAULT_NEW_FILENAME).exists() or (folder / VAULT_FILENAME).exists():
        return False
    try:
        device = read_device_keys(folder, DEVICE_KEY_FILENAME)
    except StorageError:
        return False
    try:
        return key_opens(folder / DB_FILENAME, device.db_key)
    finally:
        device.wipe()
