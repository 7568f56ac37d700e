"""The staged vault file of a data-key change with the password lock on, and its commit marker.

Kept apart from vault.py and rotation.py so both can use it: the vault stages and promotes the
file, the rotation decides after a crash which side of the commit the folder is on.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..paths import VAULT_FILENAME, atomic_write_text, move_into_place
from ..storage.keystore import VAULT_ROTATE_FILENAME


def wrapped_key_digest(wrapped_data_key: str) -> str:
    return hashlib.sha256(wrapped_data_key.encode("utf-8")).hexdigest()


def rotation_marker(wrapped_data_key: str) -> str:
    """What the committing transaction writes: the digest of the new wrapped data key."""
    return wrapped_key_digest(wrapped_data_key)


def stage_rotated_vault(folder: Path, vault_text: str) -> None:
    atomic_write_text(Path(folder) / VAULT_ROTATE_FILENAME, vault_text)


def promote_rotated_vault(folder: Path) -> None:
    folder = Path(folder)
    move_into_place(folder / VAULT_ROTATE_FILENAME, folder / VAULT_FILENAME)
