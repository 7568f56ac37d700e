"""Personal values lost in a password reset: the "lost" marker where the old data key sealed
them, in a pulled copy (`mark_lost`) or in this folder when it takes the account's new key
(`adopt_reset`). The sync rounds, sign-in and the reset itself all use these, so they sit below
all three.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..accounts.credentials import password_auth_row
from ..accounts.password import clear_pii
from ..clock import now_iso
from ..pii import LOST_MARKER
from ..portability.catalog import Catalog
from ..portability.personal import Field, document_fields, opener, rows_fields, unit_fields
from ..security import vault as _vault
from ..security.errors import EnvelopeError
from ..security.keywrap import WrappedKey
from ..security.passwords import hash_password
from .bases import forget_bases
from .state import META_CLOUD_KDF, delete_meta, set_meta

if TYPE_CHECKING:
    from ..appdata import AppData

# The account's reset time (as the server states it) once this folder has taken part in it.
META_RESET_SEEN = "sync.reset_at"


def mark_lost(doc: dict[str, Any], catalog: Catalog, key: bytes | bytearray, user_id: str) -> int:
    """After a reset: every personal value of the pulled copy that does not open under this
    folder's (new) key becomes the lost marker, in the document and in the versions it carries.
    Returns how many were marked."""
    check = opener(key, user_id)
    marked = _mark(document_fields(doc, catalog), check, user_id)
    for entry in doc.get("revisions", ()):
        snapshot = entry.get("snapshot")
        if not isinstance(snapshot, dict):
            continue
        if entry.get("kind") == "module":
            fields = unit_fields(snapshot, catalog, "/revisions")
        else:
            table = str(entry.get("key", "")).split("/", 1)[0]
            fields = rows_fields({table: [snapshot]}, catalog, "/revisions")
        marked += _mark(fields, check, user_id)
    doc["pii"] = {**doc.get("pii", {}), "mode": "sealed"}
    return marked


def _mark(fields: Any, check: Any, user_id: str) -> int:
    marked = 0
    for f in list(fields):
        assert isinstance(f, Field)
        value = f.value
        if value is None or value == LOST_MARKER:
            continue
        try:
            check(value, f.table, f.column, f.row_id or user_id)
        except (EnvelopeError, ValueError, TypeError):
            f.container[f.key] = LOST_MARKER
            marked += 1
    return marked


def adopt_reset(app: AppData, password: str, kek: bytearray, wrapped: WrappedKey, wrapped_text: str,
                account_key: bytes | bytearray, reset_at: str) -> int:
    """Another device reset the account: this folder takes its new data key and password; its
    personal fields become the lost marker. Returns how many were cleared.

    One data key change (vault.device_data_key_change): the new key file (with the lock on, the
    vault wrapped under the new password) is staged, the one transaction clears the fields,
    takes the auth row and records the reset (the commit), the keys in memory follow, and the
    staged file replaces the current one. A kill before the commit leaves the folder as it was
    and the reset not recorded, so the next sign-in runs it again; after it, the next open (or
    the unlock with the new password) finishes it."""
    db = app.db
    row = password_auth_row(db, app.user_id)
    assert row is not None
    password_hash = hash_password(password)
    vault_text = None
    if app.keys.mode == "password":
        vault_text = _vault.build_vault(wrapped.kdf, kek, app.keys.db_key, wrapped_text)
    with _vault.device_data_key_change(app.folder, db, app.keys, account_key, "reset-adopt",
                                       vault_text=vault_text):
        cleared = clear_pii(app)
        db.execute("UPDATE auth SET password_hash = ?, wrapped_data_key = ?, updated_at = ? WHERE id = ?",
                   (password_hash, wrapped_text, now_iso(), row["id"]))
        forget_bases(db, app.user_id)  # nothing agreed: every conflicting record keeps both versions
        delete_meta(db, META_CLOUD_KDF)
        set_meta(db, META_RESET_SEEN, reset_at)
    return cleared
