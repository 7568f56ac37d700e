"""The last agreed version of each standalone record: the base of the three-way record merge.

After every successful sync, what this device and the server now both hold is the agreement;
a record changed since on one side only is then told apart from one changed on both. Rows live
in `sync_record_bases`, inside the encrypted database (sealed values stay sealed in them).

Bases from the mirror. Right after every successful sync the agreement is also what the server
holds, so the base of a record is the text of its item in `sync_items` (sync/mirror.py) and a
module's base is the digest of its module item. The first sync of a new computer writes every
item already; writing each record a third time as its base would cost a quarter of a second at
50,000 rows. It writes no base row and sets META_FROM_MIRROR instead: while that is set, a
record or module with no row here takes its base from its item. Later syncs keep that true:
save_bases compares with the bases as read (rows, then items) and writes the rows that differ,
in the record_success that writes the server's items, so an item holds the agreed text wherever
no row says otherwise; a record gone from the agreement loses its item (the server removed it)
with its row. Whatever changes `sync_items` or the rows any other way first calls
materialize_bases, which writes the items' bases as rows and clears the flag (a new link
forgetting the mirror; a key rotation, which reseals the rows but not the items), or clears the
flag with the rows (forget_bases: a reset adoption, nothing agreed). Those two, the flag and
the rows' shape live in portability/merge_bases.py, which a key rotation (accounts/rotate.py)
can use without the sync; the rotation's resealing aside, only these two modules read or write
the rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from ..context import UserContext
from ..portability.canonical import canonical_json
from ..portability.merge import MODULE_BASE, unit_digest
from ..portability.merge_bases import (
    META_FROM_MIRROR,
    Key,
    Record,
    base_key,
    base_of,
    forget_bases,
    materialize_bases,
    reads_from_mirror,
)
from ..storage.db import Database

__all__ = ["META_FROM_MIRROR", "bases_from_mirror", "forget_bases", "load_bases", "load_bases_for",
           "materialize_bases", "save_bases"]

def load_bases(ctx: UserContext) -> dict[Key, Record]:
    rows: list[Any] = ctx.db.query(
        "SELECT table_name, row_id, record_json FROM sync_record_bases WHERE user_id = ?", (ctx.user_id,)
    )
    out = {(str(r["table_name"]), str(r["row_id"])): json.loads(r["record_json"]) for r in rows}
    if reads_from_mirror(ctx.db):
        for kind, name, text in ctx.db.query(
                "SELECT kind, item_key, body_json FROM sync_items WHERE kind IN ('record', 'module')"):
            key = base_key(str(kind), str(name))
            if key not in out:
                out[key] = base_of(key, json.loads(text))
    return out


def load_bases_for(ctx: UserContext, keys: Iterable[Key]) -> dict[Key, Record]:
    """The bases of the given (table, id) pairs only (module bases: (MODULE_BASE, module id))."""
    by_table: dict[str, list[str]] = {}
    for table, row_id in keys:
        by_table.setdefault(table, []).append(row_id)
    out: dict[Key, Record] = {}
    missing: list[Key] = []
    for table, ids in by_table.items():
        ids = sorted(set(ids))
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            rows: list[Any] = ctx.db.query(
                "SELECT row_id, record_json FROM sync_record_bases WHERE user_id = ? AND table_name = ? "
                f"AND row_id IN ({', '.join('?' * len(chunk))})", (ctx.user_id, table, *chunk))
            out.update(((table, str(r[0])), json.loads(r[1])) for r in rows)
            missing.extend((table, rid) for rid in chunk if (table, rid) not in out)
    if missing and reads_from_mirror(ctx.db):
        out.update(_mirror_bases(ctx.db, missing))
    return out


def save_bases(ctx: UserContext, agreed: dict[str, Any],
               known: dict[Key, Record] | None = None, *,
               texts: Mapping[tuple[str, str], str] | None = None) -> int:
    """Make the agreed document the base (inside the caller's transaction): each standalone
    record as it is, and each module as the digest of its content (MODULE_BASE rows). Only rows
    that differ from `known` (the bases as load_bases reads them) are written. Returns how many
    rows changed.

    `texts`: the agreed document's items as canonical JSON (sync.items.item_texts), when the
    caller has them: a record's base is its item's text, so it is not serialised again."""
    db, uid = ctx.db, ctx.user_id
    old = known if known is not None else load_bases(ctx)
    new = {(t, r["id"]): r for t, records in agreed.get("standalone", {}).items() for r in records}
    for module_id, unit in agreed.get("modules", {}).items():
        new[(MODULE_BASE, module_id)] = {"digest": unit_digest(unit)}
    # With bases from the mirror, a record gone from the agreement may have no row: its item
    # goes in the same record_success (the server no longer holds it), so no base is left.
    gone = [(uid, t, rid) for (t, rid) in old.keys() - new.keys()]
    given = texts or {}

    def text(table: str, rid: str, record: Record) -> str:
        known_text = given.get(("record", f"{table}/{rid}")) if table != MODULE_BASE else None
        return known_text if known_text is not None else canonical_json(record)

    changed = [(uid, t, rid, text(t, rid, r)) for (t, rid), r in new.items() if old.get((t, rid)) != r]
    db.executemany("DELETE FROM sync_record_bases WHERE user_id = ? AND table_name = ? AND row_id = ?", gone)
    db.executemany(
        "INSERT INTO sync_record_bases(user_id, table_name, row_id, record_json) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(user_id, table_name, row_id) DO UPDATE SET record_json = excluded.record_json",
        changed,
    )
    return len(gone) + len(changed)


def bases_from_mirror(ctx: UserContext) -> None:
    """The first sync of a new computer (inside record_success, whose server items are exactly
    the agreement): no base row is written, every base is read from the item. Rows left from
    before would stand in front of the items: they go. Queued with the transaction's bulk writes
    (Database.execute_later), so nothing here waits for them."""
    ctx.db.execute_later("DELETE FROM sync_record_bases WHERE user_id = ?", (ctx.user_id,))
    ctx.db.execute_later("INSERT INTO app_meta(key, value) VALUES (?, '1') ON CONFLICT(key) DO NOTHING",
                         (META_FROM_MIRROR,))





def _mirror_bases(db: Database, keys: list[Key]) -> dict[Key, Record]:
    """The bases the items of `keys` give (those the server holds)."""
    by_kind: dict[str, list[str]] = {}
    for table, row_id in keys:
        if table == MODULE_BASE:
            by_kind.setdefault("module", []).append(row_id)
        else:
            by_kind.setdefault("record", []).append(f"{table}/{row_id}")
    out: dict[Key, Record] = {}
    for kind, names in by_kind.items():
        for start in range(0, len(names), 500):
            chunk = names[start:start + 500]
            for name, text in db.query(f"SELECT item_key, body_json FROM sync_items WHERE kind = ? "
                                       f"AND item_key IN ({', '.join('?' * len(chunk))})", (kind, *chunk)):
                key = base_key(kind, str(name))
                out[key] = base_of(key, json.loads(text))
    return out
