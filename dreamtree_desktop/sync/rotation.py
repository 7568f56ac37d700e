"""What a data-key rotation made on this folder means for its cloud copy.

The copy this folder last agreed with (the revision it last saw) is sealed under the key it
gives up, so this folder can no longer read it. The rotation's transaction records that with the
sync's own "unreadable at this revision" mark: the next sync then replaces that copy with this
folder's data, re-sealed under the new key, instead of refusing it. Nothing is lost: this folder
held everything that copy held, and each other device merges its own data back once it has
signed in and taken the new key (accounts.rotate.adopt_account_key).
"""

from __future__ import annotations

from ..storage.db import Database
from .state import META_DAMAGED, META_REVISION, meta, set_meta


def mark_cloud_copy_unreadable(db: Database) -> None:
    """Inside the rotation's transaction (accounts.rotate.rotate_data_key(also=...))."""
    seen = meta(db, META_REVISION)
    if seen is not None:
        set_meta(db, META_DAMAGED, seen)
