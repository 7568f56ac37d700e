"""Opening a password-locked folder: the vault's keys, and whatever an interrupted key change
left for the password to finish (a switch between key file and vault, a key rotation).

Above vault.py (the file format and the switches) and rotation.py (the staged vault of a key
rotation), which both stay below it.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import StorageError
from ..paths import DB_FILENAME, DEVICE_KEY_FILENAME, VAULT_FILENAME
from ..storage.keystore import VAULT_NEW_FILENAME, Keys
from ..storage.probe import key_opens
from .errors import WrongPasswordError
from .rotation import open_committed_rotation, settle_rotated_vault
from .throttle import UnlockThrottle
from .vault import _device_keys_or_none, _promote, _rekey_or_raise, open_vault, read_vault, secure_delete


def unlock_vault(folder: Path, password: str) -> Keys:
    """The folder's keys from its vault; WrongPasswordError (counted, with a growing wait),
    UnlockDelayError while a wait runs, KeyFileError for a damaged vault. Finishes an interrupted
    switch between key file and vault, so the Keys returned may be the device key file's."""
    folder = Path(folder)
    throttle = UnlockThrottle(folder)
    throttle.check()
    rotated = open_committed_rotation(folder, password)
    if rotated is not None:
        throttle.reset()
        return rotated
    path = folder / VAULT_FILENAME
    if not path.exists():
        path = folder / VAULT_NEW_FILENAME
        if not path.exists():
            raise StorageError(f"{folder} is not locked with a password (there is no {VAULT_FILENAME}).")
    vault = read_vault(path)
    try:
        db_key, data_key = open_vault(vault, password)
    except WrongPasswordError:
        raise throttle.wrong_password() from None
    throttle.reset()
    keys = Keys(db_key, data_key, "password")
    try:
        keys = _finish_switch(folder, keys, promote=path.name == VAULT_NEW_FILENAME)
        return settle_rotated_vault(folder, keys, password)
    except WrongPasswordError:
        keys.wipe()
        raise throttle.wrong_password() from None
    except BaseException:
        keys.wipe()
        raise


def _finish_switch(folder: Path, keys: Keys, *, promote: bool) -> Keys:
    db_path = folder / DB_FILENAME
    if promote:
        # vault.json.new survived settle_pending, so the old key file no longer opens the database.
        if not key_opens(db_path, keys.db_key):
            raise StorageError(
                f"Neither the key file nor the new vault opens {db_path}.",
                hint="Run 'dreamtree doctor' to see the backups you can restore.",
            )
        _promote(folder / VAULT_NEW_FILENAME, folder / VAULT_FILENAME)
    device = _device_keys_or_none(folder, DEVICE_KEY_FILENAME)
    if device is None:
        return keys
    try:
        if key_opens(db_path, device.db_key):
            # Lock-off got past its re-key: the key file is the new key, the vault the old one.
            _rekey_or_raise(folder, keys.db_key, device.db_key)
            secure_delete(folder / VAULT_FILENAME)
            result = Keys(bytearray(device.db_key), bytearray(device.data_key), "device")
            keys.wipe()
            return result
        if key_opens(db_path, keys.db_key):
            # Lock-on got past its rename: finish re-keying the backups, then drop the old key file.
            _rekey_or_raise(folder, device.db_key, keys.db_key)
            secure_delete(folder / DEVICE_KEY_FILENAME)
        return keys
    finally:
        device.wipe()
