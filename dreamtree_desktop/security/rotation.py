"""The staged vault of a data-key rotation with the password lock on.

The lock-off rotation stages `device.key.new` and settles it without a password (vault.py). With
the lock on, the new data key can only be stored wrapped, so the rotation stages
`vault.json.rotate`: the same database key and the new data key, wrapped under the password.
The database transaction that re-encrypts every sealed value writes the digest of the staged
wrapped data key to app_meta (vault.ROTATION_META_KEY): that is the commit point. Deciding which
side of it a crash left the folder on needs the database open, hence the password: unlocking
settles it (`settle_rotated_vault`, called by unlock.unlock_vault).
"""

from __future__ import annotations

import hmac
from pathlib import Path

from ..storage.keystore import VAULT_ROTATE_FILENAME, Keys
from .errors import KeyFileError, WrongPasswordError
from .vault_stage import promote_rotated_vault as promote_rotated_vault
from .vault_stage import rotation_marker as rotation_marker
from .vault_stage import stage_rotated_vault as stage_rotated_vault


def _committed(folder: Path, db_key: bytes | bytearray, marker: str) -> bool:
    from .vault import meta_marker_committed

    return meta_marker_committed(folder, db_key, marker)


def settle_rotated_vault(folder: Path, keys: Keys, password: str) -> Keys:
    """After vault.json opened with the password: finish or undo an interrupted rotation.
    Returns the keys the folder now uses (the staged vault's once it is promoted)."""
    from .vault import open_vault, read_vault, secure_delete

    folder = Path(folder)
    staged_path = folder / VAULT_ROTATE_FILENAME
    if not staged_path.exists() or keys.mode != "password":
        return keys
    try:
        staged = read_vault(staged_path)
    except KeyFileError:
        # A half-written stage never reached the commit (the file is written before it).
        secure_delete(staged_path)
        return keys
    if not _committed(folder, keys.db_key, rotation_marker(staged.wrapped_data_key.to_json())):
        secure_delete(staged_path)
        return keys
    try:
        db_key, data_key = open_vault(staged, password)
    except WrongPasswordError:
        # Committed under another password (a key taken from the account together with its new
        # password): the one typed is the old one, which no longer opens this folder.
        raise WrongPasswordError("Wrong password.") from None
    if not hmac.compare_digest(db_key, keys.db_key):
        db_key[:] = bytes(len(db_key))
        data_key[:] = bytes(len(data_key))
        secure_delete(staged_path)
        return keys
    promote_rotated_vault(folder)
    keys.wipe()
    return Keys(db_key, data_key, "password")


def open_committed_rotation(folder: Path, password: str) -> Keys | None:
    """Before vault.json is tried: a staged vault that opens with this password, whose database
    key opens the database, and whose rotation committed, is the folder's vault now (promoted and
    its keys returned). This is how a rotation staged under a new password is finished after a
    crash, since the old vault no longer matches what the database holds. None otherwise."""
    from .vault import open_vault, read_vault

    folder = Path(folder)
    staged_path = folder / VAULT_ROTATE_FILENAME
    if not staged_path.exists():
        return None
    try:
        staged = read_vault(staged_path)
        db_key, data_key = open_vault(staged, password)
    except (KeyFileError, WrongPasswordError):
        return None
    if not _committed(folder, db_key, rotation_marker(staged.wrapped_data_key.to_json())):
        db_key[:] = bytes(len(db_key))
        data_key[:] = bytes(len(data_key))
        return None
    promote_rotated_vault(folder)
    return Keys(db_key, data_key, "password")
