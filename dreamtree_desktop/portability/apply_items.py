"""Writing only some pieces of a merge result: the given modules and standalone records, plus the
pieces every partial document carries whole (settings, custom skills, deletions, the user row).

apply_document replaces everything; this changes rows in place. Rows are updated where they
are (INSERT ... ON CONFLICT DO UPDATE, never delete-and-insert: a deleted row would clear the
references other rows hold to it through ON DELETE SET NULL / CASCADE), and only rows really
gone are deleted. One transaction; `check` runs inside it before the commit and may raise to
undo everything (sync uses it to refuse a write that reached rows outside its pieces).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection, Iterable
from typing import Any

from ..clock import now_iso
from ..context import UserContext
from ..errors import InternalError
from ..ids import new_id
from .document import Doc
from .revision_rules import Entry
from .revisions import store_entries
from .tables import INSERT_ORDER, SETTINGS_BOOLEANS, SETTINGS_COLUMNS, SINGLE_ROW_COLUMNS, TABLES

Record = dict[str, Any]
Rows = dict[str, dict[str, Record]]  # table -> id -> record
Gone = dict[str, set[int]]  # table -> rowids deleted on purpose (children included)
Check = Callable[[Gone], None]
_CHUNK = 500


class PartRefused(Exception):
    """The pieces cannot be written on their own (nothing was written)."""


def apply_items(ctx: UserContext, before: Doc, after: Doc, modules: Collection[str],
                records: Collection[tuple[str, str]], *, revisions: list[Entry] | None = None,
                check: Check | None = None) -> None:
    """Make the database hold `after` for the given modules and records, and `after`'s settings,
    custom skills, deletions and user row; `before` is what the database holds for the same
    pieces (an export of them). `revisions`: the kept versions to store, when they changed."""
    if (after.get("pii") or {}).get("mode") != "sealed":
        raise InternalError("apply_items needs a document whose personal fields are sealed")
    db = ctx.db
    try:
        with db.transaction():
            gone: Gone = {}
            old, new = _rows(before, modules, records), _rows(after, modules, records)
            _delete_rows(ctx, old, new, gone)
            _write_skills(ctx, before.get("custom_skills") or [], after.get("custom_skills") or [])
            _upsert_rows(ctx, old, new, gone)
            stamp = now_iso()
            for module_id in modules:
                _write_module(ctx, (before.get("modules") or {}).get(module_id),
                              (after.get("modules") or {}).get(module_id), after, stamp)
            if before.get("settings") != after.get("settings"):
                _write_settings(ctx, after.get("settings"), stamp)
            _write_tombstones(ctx, before.get("tombstones") or [], after.get("tombstones") or [], gone)
            complete = bool((after.get("user") or {}).get("workbook_complete"))
            if complete != bool((before.get("user") or {}).get("workbook_complete")):
                db.execute("UPDATE users SET workbook_complete = ?, updated_at = ? WHERE id = ?",
                           (int(complete), stamp, ctx.user_id))
            if revisions is not None:
                store_entries(ctx, revisions)
            if check is not None:
                check(gone)
    except sqlite3.IntegrityError as exc:
        # A unique key held by a row outside these pieces: only the whole document can settle it.
        raise PartRefused(f"a unique key or reference outside the pieces ({exc})") from None


def _rows(doc: Doc, modules: Collection[str], records: Collection[tuple[str, str]]) -> Rows:
    out: Rows = {t: {} for t in INSERT_ORDER}
    for module_id, unit in (doc.get("modules") or {}).items():
        if module_id in modules:
            for table, recs in unit.get("rows", {}).items():
                out[table].update((r["id"], r) for r in recs)
    for table, recs in (doc.get("standalone") or {}).items():
        out[table].update((r["id"], r) for r in recs if (table, r["id"]) in records)
    return out


def _chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    items = sorted(values)
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]


def _note_gone(ctx: UserContext, table: str, column: str, ids: Collection[str], gone: Gone) -> None:
    for chunk in _chunks(ids):
        marks = ", ".join("?" * len(chunk))
        gone.setdefault(table, set()).update(
            int(r[0]) for r in ctx.db.query(f"SELECT rowid FROM {table} WHERE {column} IN ({marks})", tuple(chunk)))


def _delete_rows(ctx: UserContext, old: Rows, new: Rows, gone: Gone) -> None:
    """Rows of these pieces the result no longer holds, children first (their cascade)."""
    for table in reversed(INSERT_ORDER):
        doomed = old[table].keys() - new[table].keys()
        if not doomed:
            continue
        _note_gone(ctx, table, "id", doomed, gone)
        for child in TABLES[table].children:
            if child.parent_column:
                _note_gone(ctx, child.table, child.parent_column, doomed, gone)
        for chunk in _chunks(doomed):
            ctx.db.execute(f"DELETE FROM {table} WHERE user_id = ? AND id IN ({', '.join('?' * len(chunk))})",
                           (ctx.user_id, *chunk))


def _value(table: str, column: str, record: Record) -> Any:
    value = record.get(column)
    if column in TABLES[table].booleans and value is not None:
        return int(value)
    return value


def _upsert_rows(ctx: UserContext, old: Rows, new: Rows, gone: Gone) -> None:
    db, uid = ctx.db, ctx.user_id
    for table in INSERT_ORDER:
        spec = TABLES[table]
        cols = spec.columns
        sql = (f"INSERT INTO {table} (user_id, {', '.join(cols)}) VALUES ({', '.join('?' * (len(cols) + 1))}) "
               f"ON CONFLICT(id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in cols if c != 'id')}")
        changed = []
        for rid, record in new[table].items():
            before = old[table].get(rid)
            if before is not None and all(before.get(c) == record.get(c) for c in cols):
                continue
            changed.append((uid, *(_value(table, c, record) for c in cols)))
        db.executemany(sql, changed)
        for child in spec.children:
            if child.key != "nodes":
                _write_children(ctx, child.table, child.parent_column, child.key, child.columns,
                                old[table], new[table], gone)


def _write_children(ctx: UserContext, table: str, parent_column: str, key: str, cols: tuple[str, ...],
                    old: dict[str, Record], new: dict[str, Record], gone: Gone) -> None:
    doomed: set[str] = set()
    rows: list[tuple[Any, ...]] = []
    for rid, record in new.items():
        before = {c["id"]: c for c in (old.get(rid) or {}).get(key) or ()}
        after = {c["id"]: c for c in record.get(key) or ()}
        doomed |= before.keys() - after.keys()
        rows += [(rid, *(c.get(k) for k in cols)) for cid, c in after.items() if before.get(cid) != c]
    if doomed:
        _note_gone(ctx, table, "id", doomed, gone)
        for chunk in _chunks(doomed):
            ctx.db.execute(f"DELETE FROM {table} WHERE id IN ({', '.join('?' * len(chunk))})", tuple(chunk))
    ctx.db.executemany(
        f"INSERT INTO {table} ({parent_column}, {', '.join(cols)}) VALUES ({', '.join('?' * (len(cols) + 1))}) "
        f"ON CONFLICT(id) DO UPDATE SET {parent_column} = excluded.{parent_column}, "
        f"{', '.join(f'{c} = excluded.{c}' for c in cols if c != 'id')}", rows)


def _write_module(ctx: UserContext, before: dict[str, Any] | None, after: dict[str, Any] | None,
                  doc: Doc, stamp: str) -> None:
    db, uid = ctx.db, ctx.user_id
    if after is None:
        if before is not None:
            raise PartRefused("a module the result no longer holds")
        return
    module_id = next(m for m, u in doc["modules"].items() if u is after)
    if after.get("first_completed_at"):
        db.execute("INSERT INTO user_modules(user_id, module_id, first_completed_at, last_modified_at) "
                   "VALUES (?, ?, ?, ?) ON CONFLICT(user_id, module_id) DO UPDATE SET "
                   "first_completed_at = excluded.first_completed_at, last_modified_at = excluded.last_modified_at",
                   (uid, module_id, after["first_completed_at"], after["last_modified_at"]))
    else:
        db.execute("DELETE FROM user_modules WHERE user_id = ? AND module_id = ?", (uid, module_id))
    old_ex = (before or {}).get("exercises") or {}
    new_ex = after.get("exercises") or {}
    for ex_id in old_ex.keys() - new_ex.keys():
        db.execute("DELETE FROM exercise_progress WHERE user_id = ? AND exercise_id = ?", (uid, ex_id))
    db.executemany(
        "INSERT INTO exercise_progress(user_id, exercise_id, full_exercise_id, first_responded_at, responded_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT(user_id, exercise_id) DO UPDATE SET "
        "full_exercise_id = excluded.full_exercise_id, first_responded_at = excluded.first_responded_at, "
        "responded_at = excluded.responded_at",
        [(uid, ex_id, ex["full_exercise_id"], ex["first_responded_at"], ex["responded_at"])
         for ex_id, ex in new_ex.items() if old_ex.get(ex_id) != ex])
    settings_values = (doc.get("settings") or {}).get("values") or {}
    for table, columns in (after.get("columns") or {}).items():
        wanted = {c: v for c, v in columns.items() if c in SINGLE_ROW_COLUMNS.get(table, ())
                  and not (table == "user_settings" and c in settings_values)}
        if wanted and wanted != {c: ((before or {}).get("columns") or {}).get(table, {}).get(c) for c in wanted}:
            _write_single(ctx, table, wanted, after.get("last_modified_at") or stamp, stamp)


def _write_single(ctx: UserContext, table: str, values: dict[str, Any], touched: str, stamp: str) -> None:
    db, uid = ctx.db, ctx.user_id
    names = list(values)
    if db.scalar(f"SELECT 1 FROM {table} WHERE user_id = ?", (uid,)):
        assign = ", ".join(f"{c} = ?" for c in names)
        bump = ", updated_at = MAX(COALESCE(updated_at, ''), ?)" if table != "user_settings" else ""
        db.execute(f"UPDATE {table} SET {assign}{bump} WHERE user_id = ?",
                   (*values.values(), *((touched,) if bump else ()), uid))
    else:
        db.execute(f"INSERT INTO {table} (user_id, {', '.join(names)}, created_at, updated_at) "
                   f"VALUES ({', '.join('?' * (len(names) + 3))})", (uid, *values.values(), stamp, touched))


def _write_settings(ctx: UserContext, settings: dict[str, Any] | None, stamp: str) -> None:
    db, uid = ctx.db, ctx.user_id
    if settings is None:
        return
    updates: dict[str, Any] = {
        c: (int(v) if c in SETTINGS_BOOLEANS and v is not None else v)
        for c, v in settings["values"].items() if c in SETTINGS_COLUMNS
    }
    updates["created_at"], updates["updated_at"] = settings["created_at"], settings["updated_at"]
    if not db.scalar("SELECT 1 FROM user_settings WHERE user_id = ?", (uid,)):
        db.execute("INSERT INTO user_settings(user_id, created_at, updated_at) VALUES (?, ?, ?)", (uid, stamp, stamp))
    db.execute(f"UPDATE user_settings SET {', '.join(f'{c} = ?' for c in updates)} WHERE user_id = ?",
               (*updates.values(), uid))


def _write_skills(ctx: UserContext, before: list[Record], after: list[Record]) -> None:
    old = {s["id"]: s for s in before}
    new = {s["id"]: s for s in after}
    if old.keys() - new.keys():
        raise PartRefused("a custom skill the result no longer holds")
    ctx.db.executemany(
        "INSERT INTO skills(id, name, category, is_custom, created_by, review_status, created_at) "
        "VALUES (?, ?, ?, 1, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, "
        "category = excluded.category, is_custom = 1, created_by = excluded.created_by, "
        "review_status = excluded.review_status",
        [(s["id"], s["name"], s.get("category"), ctx.user_id, s.get("review_status"), s["created_at"])
         for sid, s in new.items() if old.get(sid) != s],
    )


def _write_tombstones(ctx: UserContext, before: list[Record], after: list[Record], gone: Gone) -> None:
    db, uid = ctx.db, ctx.user_id
    old = {(t["table"], t["row_id"]): t for t in before}
    new = {(t["table"], t["row_id"]): t for t in after}
    for table, row_id in old.keys() - new.keys():
        gone.setdefault("tombstones", set()).update(int(r[0]) for r in db.query(
            "SELECT rowid FROM tombstones WHERE user_id = ? AND table_name = ? AND row_id = ?", (uid, table, row_id)))
        db.execute("DELETE FROM tombstones WHERE user_id = ? AND table_name = ? AND row_id = ?", (uid, table, row_id))
    db.executemany(
        "INSERT INTO tombstones(id, user_id, table_name, row_id, content_hash, origin, deleted_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(user_id, table_name, row_id) DO UPDATE SET "
        "content_hash = excluded.content_hash, origin = excluded.origin, deleted_at = excluded.deleted_at",
        [(new_id(), uid, t["table"], t["row_id"], t.get("content_hash"), t.get("origin"), t["deleted_at"])
         for key, t in new.items() if old.get(key) != t],
    )
