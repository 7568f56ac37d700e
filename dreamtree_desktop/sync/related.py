"""Which sync item a row of this folder belongs to, and which items the merge relates to others.

The incremental round (sync/incremental.py) merges only the items that changed on either side,
plus every item the whole merge would look at while deciding them: records holding the same
content (duplicates are counted per content), rows sharing an id or a natural key (settle keeps
one), the targets of references (settle clears a reference whose target is gone), and the items
a deletion reaches (by id, by module, by keyed hash). What cannot be placed precisely (a row
already deleted, the '*' marker, idea trees whose nodes are shared across trees, child rows of
deleted parents, deleted custom skills) raises `Unmapped`: the whole round decides then.

Items outside that set hold the same text here and on the server (this folder's rows did not
change since the last agreement and the server sent nothing new for them), so the server's
copy (`sync_items`, with its content index) answers for both sides.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..context import UserContext
from ..portability import Catalog
from ..portability.document import Doc, iter_records
from ..portability.exporter import item_owner
from ..portability.merge import Hasher, content_key
from ..portability.tables import SINGLE_ROW_COLUMNS, TABLES
from .items import SETTINGS, ItemKey
from .mirror import load_items, same_content

# Kinds every partial document carries whole: they are few and small, and the merge reads them
# across items (tombstones, kept versions and their pruning, custom skills).
WHOLE_KINDS = ("head", "auth", "settings", "skill", "tombstone", "revision")
# Idea nodes are shared between trees by their text (settle keeps one node per text).
IDEAS = frozenset({"user_idea_trees", "user_idea_nodes", "user_idea_edges"})
CHILD_OF: dict[str, tuple[str, str]] = {
    c.table: (parent, c.parent_column) for parent, spec in TABLES.items() for c in spec.children if c.parent_column
}
# Tables whose rows carry nothing of the items beyond what every partial document holds whole.
_TARGETS = frozenset(target for spec in TABLES.values() for _c, target in spec.refs)
# One row per user, shared by several modules (and the settings): a change there cannot be told
# apart by column, so every module owning one of its columns counts as touched.
SINGLE_ROWS = frozenset({"user_settings", *SINGLE_ROW_COLUMNS})
_CARRIED = frozenset({"users", "skills", "module_revisions", "record_revisions"})
_CHUNK = 500


class Unmapped(Exception):
    """A change this round cannot place in its items: the whole round runs instead."""


@dataclass
class Touched:
    keys: set[ItemKey] = field(default_factory=set)  # modules and records
    tombstones: list[dict[str, Any]] = field(default_factory=list)  # deletions written or changed


def _owner_columns(table: str) -> list[str]:
    owner = TABLES[table].owner
    return ["id", *({"origin": ["origin"], "prompt": ["prompt_id"]}.get(owner, []))]


def owner_key(catalog: Catalog, table: str, record: Mapping[str, Any]) -> ItemKey:
    module = item_owner(catalog, TABLES[table].owner, dict(record))
    return ("module", module) if module is not None else ("record", f"{table}/{record['id']}")


def _select(ctx: UserContext, sql: str, column: str, values: Iterable[Any],
            args: tuple[Any, ...] = ()) -> list[Any]:
    """`sql` ends with WHERE ...; rows whose `column` is among `values`, read in chunks."""
    values = sorted(set(values))
    out: list[Any] = []
    for start in range(0, len(values), _CHUNK):
        chunk = values[start:start + _CHUNK]
        out += ctx.db.query(f"{sql} AND {column} IN ({', '.join('?' * len(chunk))})", (*args, *chunk))
    return out


def rows_to_items(ctx: UserContext, catalog: Catalog, changes: Iterable[tuple[str, int]],
                  gone: Mapping[str, set[int]] | None = None, *, written: frozenset[str] = frozenset(),
                  deletions: bool = False) -> Touched:
    """The items the changed rows (table, rowid) belong to. `gone`: rowids known deleted (and
    accounted for). A row that no longer exists raises Unmapped, unless `deletions` and it is
    one of the standalone records deleted here since the last agreement (see _deleted_records).
    `written`: tables left out (the caller wrote their rows itself, for its own items)."""
    by_table: dict[str, set[int]] = defaultdict(set)
    for table, rowid in changes:
        by_table[table].add(int(rowid))
    out = Touched()
    missing: dict[str, int] = {}
    for table, rowids in by_table.items():
        if table == "*" or table in IDEAS:
            raise Unmapped(table)
        if table in _CARRIED or table in written:
            continue
        found = _map_table(ctx, catalog, table, rowids, out)
        lost = rowids - found - (gone or {}).get(table, set())
        if lost and not deletions:
            raise Unmapped(f"{table}: {len(lost)} row(s) deleted")
        if lost:
            missing[table] = len(lost)
    if missing:
        out.keys |= _deleted_records(ctx, missing)
    return out


def _deleted_records(ctx: UserContext, missing: Mapping[str, int]) -> set[ItemKey]:
    """The standalone records deleted here since the last agreement, when they account for every
    row that is gone: `missing` counts the deleted rows per table. The server's items are that
    agreement, so a record item it holds whose row this folder no longer has was deleted here,
    and each such record, and each of its child rows, left one row gone. Anything else gone (a
    module's row, a row made and deleted since, a child row alone) is not placed: Unmapped."""
    keys: set[ItemKey] = set()
    children: dict[str, int] = defaultdict(int)
    for table in missing:
        if table not in TABLES:
            if table not in CHILD_OF:
                raise Unmapped(f"{table}: rows deleted")
            continue
        prefix = f"{table}/"
        held = {str(r[0])[len(prefix):] for r in ctx.db.query(
            "SELECT item_key FROM sync_items WHERE kind = 'record' AND item_key >= ? AND item_key < ?",
            (prefix, f"{table}0"))}
        here = {str(r[0]) for r in ctx.db.query(f"SELECT id FROM {table} WHERE user_id = ?", (ctx.user_id,))}
        gone_ids = held - here
        if len(gone_ids) != missing[table]:
            raise Unmapped(f"{table}: rows deleted that were no standalone records agreed on")
        gone_keys = {("record", f"{table}/{rid}") for rid in gone_ids}
        keys |= gone_keys
        specs = [c for c in TABLES[table].children if c.parent_column]
        if specs:
            bodies = [json.loads(t) for t in load_items(ctx.db, gone_keys).values()]
            for child in specs:
                children[child.table] += sum(len(b.get(child.key) or ()) for b in bodies)
    for table, count in missing.items():
        if table in CHILD_OF and children.get(table, 0) != count:
            raise Unmapped(f"{table}: child rows deleted apart from their records")
    return keys


def _map_table(ctx: UserContext, catalog: Catalog, table: str, rowids: set[int], out: Touched) -> set[int]:
    """Add the items of these rows to `out`; the rowids found."""
    uid = ctx.user_id
    if table == "user_settings" or table in SINGLE_ROW_COLUMNS:
        out.keys.update(("module", m) for (t, _c), m in catalog.column_owner.items() if t == table)
        if table == "user_settings":
            out.keys.add(SETTINGS)
        return rowids
    if table == "user_modules":
        rows = _select(ctx, "SELECT rowid, module_id FROM user_modules WHERE user_id = ?", "rowid", rowids, (uid,))
        out.keys.update(("module", str(r[1])) for r in rows)
        return {int(r[0]) for r in rows}
    if table == "exercise_progress":
        rows = _select(ctx, "SELECT rowid, exercise_id FROM exercise_progress WHERE user_id = ?", "rowid",
                       rowids, (uid,))
        for r in rows:
            module = catalog.module_of(r[1])
            if module is not None:
                out.keys.add(("module", module))
        return {int(r[0]) for r in rows}
    if table == "tombstones":
        rows = _select(ctx, "SELECT rowid, table_name, row_id, origin, content_hash, deleted_at FROM tombstones "
                       "WHERE user_id = ?", "rowid", rowids, (uid,))
        out.tombstones += [{"table": r[1], "row_id": r[2], "origin": r[3], "content_hash": r[4],
                            "deleted_at": r[5]} for r in rows]
        return {int(r[0]) for r in rows}
    if table in TABLES:
        cols = _owner_columns(table)
        rows = _select(ctx, f"SELECT rowid, {', '.join(cols)} FROM {table} WHERE user_id = ?", "rowid", rowids, (uid,))
        out.keys.update(owner_key(catalog, table, dict(zip(cols, r[1:], strict=True))) for r in rows)
        return {int(r[0]) for r in rows}
    if table in CHILD_OF:
        parent, column = CHILD_OF[table]
        rows = _select(ctx, f"SELECT rowid, {column} FROM {table} WHERE 1", "rowid", rowids)
        out.keys.update(items_of_ids(ctx, catalog, parent, {str(r[1]) for r in rows}))
        return {int(r[0]) for r in rows}
    raise Unmapped(table)


def items_of_ids(ctx: UserContext, catalog: Catalog, table: str, ids: Iterable[str],
                 column: str = "id") -> set[ItemKey]:
    """The items holding this folder's rows of `table` whose `column` is among `ids`."""
    if table in IDEAS:
        raise Unmapped(table)
    cols = _owner_columns(table)
    rows = _select(ctx, f"SELECT {', '.join(cols)} FROM {table} WHERE user_id = ?", column, ids, (ctx.user_id,))
    return {owner_key(catalog, table, dict(zip(cols, r, strict=True))) for r in rows}


def related(ctx: UserContext, catalog: Catalog, docs: Iterable[Doc], hasher: Hasher) -> set[ItemKey]:
    """The items the merge relates to the modules and records of `docs` (each side's version of
    the items already chosen): the same id or natural key, the parents of child rows with the
    same id, the targets of their references and the rows referring to them, and records with
    the same content."""
    ids: dict[str, set[str]] = defaultdict(set)
    targets: dict[str, set[str]] = defaultdict(set)
    natural: dict[tuple[str, str], set[Any]] = defaultdict(set)
    contents: dict[str, set[str]] = defaultdict(set)
    children: dict[str, set[str]] = defaultdict(set)
    for doc in docs:
        for module_id, table, record in iter_records(doc):
            if table in IDEAS:
                raise Unmapped(table)
            spec = TABLES[table]
            ids[table].add(record["id"])
            if table in _TARGETS:
                targets[table].add(record["id"])
            for column in spec.natural_key:
                if record.get(column) is not None:
                    natural[(table, column)].add(record[column])
            for column, target in spec.refs:
                if record.get(column):
                    ids[target].add(record[column])
            for child in spec.children:
                if child.parent_column:
                    children[child.table].update(c["id"] for c in record.get(child.key) or ())
            if module_id is None:
                contents[table].add(content_key(hasher, table, record))
    out: set[ItemKey] = set()
    for table, wanted in ids.items():
        out |= items_of_ids(ctx, catalog, table, wanted)
    for (table, column), values in natural.items():
        out |= items_of_ids(ctx, catalog, table, values, column)
    # Rows pointing at these: a removal clears their reference (and the checks refuse a copy
    # whose references do not resolve), so they are decided with them.
    for table, spec in TABLES.items():
        for column, target in spec.refs:
            if targets.get(target):
                out |= items_of_ids(ctx, catalog, table, targets[target], column)
    # Child rows keep their ids unique across every parent (settle keeps the first).
    for table, wanted in children.items():
        parent, column = CHILD_OF[table]
        rows = _select(ctx, f"SELECT {column} FROM {table} WHERE 1", "id", wanted)
        out |= items_of_ids(ctx, catalog, parent, {str(r[0]) for r in rows})
    out |= same_content_records(ctx, contents)
    return out


def same_content_records(ctx: UserContext, contents: Mapping[str, set[str]]) -> set[ItemKey]:
    """Record items the server holds (and so, unchanged, this folder too) with these contents."""
    everything = {c for values in contents.values() for c in values}
    if not everything:
        return set()
    return {k for k in same_content(ctx.db, everything)
            if k[1].split("/", 1)[0] in contents}


def deletion_reach(ctx: UserContext, catalog: Catalog, tombstones: Iterable[Mapping[str, Any]]) -> tuple[
        set[ItemKey], dict[str, set[str]]]:
    """What a deletion that changed may remove or bring back: the record of that id, wherever it
    is held, and the module of its origin; and (returned apart) the keyed hashes it carries,
    by table, whose equal records it may remove."""
    keys: set[ItemKey] = set()
    hashes: dict[str, set[str]] = defaultdict(set)
    for tomb in tombstones:
        table = str(tomb.get("table"))
        if table in CHILD_OF and table not in IDEAS:
            # A child row goes from whatever parent holds that id. A parent still holding it here
            # is found by the id; one that held it and changed is among the items already (the
            # change of its children made it so, here or where the deletion was made).
            parent, column = CHILD_OF[table]
            rows = _select(ctx, f"SELECT {column} FROM {table} WHERE 1", "id", [str(tomb.get("row_id"))])
            keys |= items_of_ids(ctx, catalog, parent, {str(r[0]) for r in rows})
            continue
        if table not in TABLES or table in IDEAS:
            # Custom skills, idea trees, unknown tables: their reach is not one item.
            raise Unmapped(f"deletion in {table}")
        keys.add(("record", f"{table}/{tomb.get('row_id')}"))
        keys |= items_of_ids(ctx, catalog, table, [str(tomb.get("row_id"))])
        module = catalog.module_of(tomb.get("origin"))
        if module is not None:
            keys.add(("module", module))
        if tomb.get("content_hash"):
            hashes[table].add(str(tomb["content_hash"]))
    return keys, hashes
