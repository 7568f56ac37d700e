"""The last agreed version of each standalone record: the base of the three-way record merge.

After every successful sync, what this device and the server now both hold is the agreement;
a record changed since on one side only is then told apart from one changed on both. Rows live
in `sync_record_bases`, inside the encrypted database (sealed values stay sealed in them).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from ..context import UserContext
from ..portability.canonical import canonical_json
from ..portability.merge import MODULE_BASE, unit_digest

Record = dict[str, Any]


def load_bases(ctx: UserContext) -> dict[tuple[str, str], Record]:
    rows: list[Any] = ctx.db.query(
        "SELECT table_name, row_id, record_json FROM sync_record_bases WHERE user_id = ?", (ctx.user_id,)
    )
    return {(str(r["table_name"]), str(r["row_id"])): json.loads(r["record_json"]) for r in rows}


def save_bases(ctx: UserContext, agreed: dict[str, Any],
               known: dict[tuple[str, str], Record] | None = None, *,
               texts: Mapping[tuple[str, str], str] | None = None) -> int:
    """Make the agreed document the base (inside the caller's transaction): each standalone
    record as it is, and each module as the digest of its content (MODULE_BASE rows). Only rows
    that differ are written. Returns how many rows changed.

    `texts`: the agreed document's items as canonical JSON (sync.items.item_texts), when the
    caller has them: a record's base is its item's text, so it is not serialised again."""
    db, uid = ctx.db, ctx.user_id
    old = known if known is not None else load_bases(ctx)
    new = {(t, r["id"]): r for t, records in agreed.get("standalone", {}).items() for r in records}
    for module_id, unit in agreed.get("modules", {}).items():
        new[(MODULE_BASE, module_id)] = {"digest": unit_digest(unit)}
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


def forget_bases(ctx: UserContext) -> None:
    """A new link (another account, a reset): nothing is agreed yet."""
    ctx.db.execute("DELETE FROM sync_record_bases WHERE user_id = ?", (ctx.user_id,))


def load_bases_for(ctx: UserContext, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Record]:
    """The bases of the given (table, id) pairs only (module bases: (MODULE_BASE, module id))."""
    by_table: dict[str, list[str]] = {}
    for table, row_id in keys:
        by_table.setdefault(table, []).append(row_id)
    out: dict[tuple[str, str], Record] = {}
    for table, ids in by_table.items():
        ids = sorted(set(ids))
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            rows: list[Any] = ctx.db.query(
                "SELECT row_id, record_json FROM sync_record_bases WHERE user_id = ? AND table_name = ? "
                f"AND row_id IN ({', '.join('?' * len(chunk))})", (ctx.user_id, table, *chunk))
            out.update(((table, str(r[0])), json.loads(r[1])) for r in rows)
    return out
