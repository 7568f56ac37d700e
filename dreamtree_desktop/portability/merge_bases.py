"""Where the record merge's bases are kept, at the level of the tables: the rows of
`sync_record_bases`, and the flag that says the bases missing from them are read from the
server's items in `sync_items` ("Bases from the mirror", sync/bases.py, which holds the rule and
everything that reads or writes bases while syncing).

Here is only what must also run outside a sync, below it: a key rotation (accounts/rotate.py)
turns the bases read from the items into rows before it reseals the rows.
"""

from __future__ import annotations

import json
from typing import Any

from ..storage.db import Database
from .canonical import canonical_json
from .merge import MODULE_BASE, unit_digest

Record = dict[str, Any]
Key = tuple[str, str]  # (table, record id), or (MODULE_BASE, module id)

# app_meta: set while the bases missing from the rows are read from sync_items. Like those items
# it is the folder's, whose one user the rows belong to (ids rewritten with the user's by
# portability.apply.adopt_identity).
META_FROM_MIRROR = "sync.bases_from_mirror"


def materialize_bases(db: Database) -> int:
    """Inside the caller's transaction: the bases read from `sync_items` become rows and the flag
    is cleared, so the bases no longer depend on the items (before the items are forgotten or the
    rows resealed). The bases read stay the same. Returns how many rows were written."""
    if not reads_from_mirror(db):
        return 0
    uid = db.scalar("SELECT id FROM users ORDER BY created_at LIMIT 1")  # the folder's one user
    if uid is None:
        db.execute("DELETE FROM app_meta WHERE key = ?", (META_FROM_MIRROR,))
        return 0
    records: int = db.execute(
        "INSERT INTO sync_record_bases(user_id, table_name, row_id, record_json) "
        "SELECT ?, substr(item_key, 1, instr(item_key, '/') - 1), substr(item_key, instr(item_key, '/') + 1), "
        "body_json FROM sync_items WHERE kind = 'record' "
        "ON CONFLICT(user_id, table_name, row_id) DO NOTHING", (uid,)).rowcount
    modules = [(uid, MODULE_BASE, str(name), canonical_json(base_of((MODULE_BASE, str(name)), json.loads(text))))
               for name, text in db.query("SELECT item_key, body_json FROM sync_items WHERE kind = 'module'")]
    db.executemany("INSERT INTO sync_record_bases(user_id, table_name, row_id, record_json) VALUES (?, ?, ?, ?) "
                   "ON CONFLICT(user_id, table_name, row_id) DO NOTHING", modules)
    db.execute("DELETE FROM app_meta WHERE key = ?", (META_FROM_MIRROR,))
    return max(records, 0) + len(modules)


def forget_bases(db: Database, user_id: str) -> None:
    """Nothing is agreed (adopting a reset account): no base row, and none read from the items."""
    db.execute("DELETE FROM sync_record_bases WHERE user_id = ?", (user_id,))
    db.execute("DELETE FROM app_meta WHERE key = ?", (META_FROM_MIRROR,))


def reads_from_mirror(db: Database) -> bool:
    return db.scalar("SELECT 1 FROM app_meta WHERE key = ?", (META_FROM_MIRROR,)) is not None


def base_key(kind: str, name: str) -> Key:
    """The base of an item: ("record", "table/id") -> (table, id); ("module", id) -> (MODULE_BASE, id)."""
    if kind == "module":
        return MODULE_BASE, name
    table, _sep, row_id = name.partition("/")
    return table, row_id


def base_of(key: Key, body: Any) -> Record:
    """A base as save_bases makes it from the item's body: the record, or the module's digest."""
    if key[0] == MODULE_BASE:
        return {"digest": unit_digest(body)}
    assert isinstance(body, dict)
    return body
