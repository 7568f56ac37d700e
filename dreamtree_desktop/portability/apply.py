"""Writing a document into the database: the user's data is replaced in one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from operator import itemgetter
from typing import Any

from .. import search
from ..clock import now_iso
from ..context import UserContext
from ..errors import InternalError, UserInputError
from ..ids import new_id
from .canonical import canonical_json
from .document import Doc, iter_units
from .merge import Revision
from .tables import INSERT_ORDER, SETTINGS_BOOLEANS, SETTINGS_COLUMNS, SINGLE_ROW_COLUMNS, TABLES

REASONS = ("import", "sync", "restore", "claim")
# Rows outside the export that stay with the user (moved when the identity changes).
_KEEP_TABLES = ("auth", "emails", "sessions", "module_revisions")


def apply_document(
    ctx: UserContext, doc: Doc, revisions: Iterable[Revision] = (), reason: str = "import", *,
    index_now: bool = True,
) -> None:
    """Replace the user's data with `doc` (sealed under ctx's key) and store the revisions.

    One transaction: on any error nothing changes. When doc["user"]["id"] differs from
    ctx.user_id the install adopts that identity (users row and every user_id rewritten) and
    ctx.user_id follows. `index_now=False`: the search index is left to be built at the first
    search (search.ensure_index), for a new computer's sign-in, which the user waits for.
    """
    if reason not in REASONS:
        raise InternalError(f"unknown revision reason {reason!r}")
    if (doc.get("pii") or {}).get("mode") != "sealed":
        raise InternalError("apply_document needs a document whose personal fields are sealed")
    db = ctx.db
    # bulk: inside a caller's transaction no savepoint of its own (see Database.transaction).
    with db.transaction(bulk=True):
        indexed = search.has_index(db)
        if indexed:
            search.suspend_index(db)  # rebuilt in bulk below: row-by-row upkeep is far slower here
        target = doc["user"]["id"]
        if target != ctx.user_id:
            adopt_identity(ctx, target, doc["user"]["created_at"])
        uid = ctx.user_id
        old_single = {
            table: db.scalar(f"SELECT created_at FROM {table} WHERE user_id = ?", (uid,))
            for table in ("user_profile", "user_values", "user_budget")
        }
        _delete_user_data(ctx)
        stamp = now_iso()

        db.executemany(
            "INSERT INTO skills(id, name, category, is_custom, created_by, review_status, created_at) "
            "VALUES (?, ?, ?, 1, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, "
            "category = excluded.category, is_custom = 1, created_by = excluded.created_by, "
            "review_status = excluded.review_status",
            [
                (s["id"], s["name"], s.get("category"), uid, s.get("review_status"), s["created_at"])
                for s in doc.get("custom_skills", ())
            ],
        )
        _write_single_rows(ctx, doc, old_single, stamp)
        modules = doc.get("modules", {})
        db.executemany(
            "INSERT INTO user_modules(user_id, module_id, first_completed_at, last_modified_at) "
            "VALUES (?, ?, ?, ?)",
            [
                (uid, m, u["first_completed_at"], u["last_modified_at"])
                for m, u in modules.items()
                if u.get("first_completed_at")
            ],
        )
        db.executemany(
            "INSERT INTO exercise_progress(user_id, exercise_id, full_exercise_id, first_responded_at, "
            "responded_at) VALUES (?, ?, ?, ?, ?)",
            [
                (uid, ex_id, ex["full_exercise_id"], ex["first_responded_at"], ex["responded_at"])
                for u in modules.values()
                for ex_id, ex in u.get("exercises", {}).items()
            ],
        )
        db.executemany(
            "INSERT INTO tombstones(id, user_id, table_name, row_id, content_hash, origin, deleted_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    new_id(),
                    uid,
                    t["table"],
                    t["row_id"],
                    t.get("content_hash"),
                    t.get("origin"),
                    t["deleted_at"],
                )
                for t in doc.get("tombstones", ())
            ],
        )
        store_revisions(ctx, revisions, reason, stamp)
        db.execute(
            "UPDATE users SET workbook_complete = ?, updated_at = ? WHERE id = ?",
            (int(bool(doc["user"].get("workbook_complete"))), stamp, uid),
        )
        # The records last: with background writes (storage/writer.py) the call returns with
        # them and the index queued, and the caller's next work overlaps their writing.
        _insert_records(ctx, doc)
        if indexed and index_now:
            search.rebuild_index(db)


def store_revisions(
    ctx: UserContext, revisions: Iterable[Revision], reason: str, stamp: str | None = None
) -> None:
    stamp = stamp or now_iso()
    ctx.db.executemany(
        "INSERT INTO module_revisions(id, user_id, module_id, last_modified_at, snapshot_json, reason, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (
                new_id(),
                ctx.user_id,
                r.module_id,
                r.last_modified_at,
                canonical_json(r.snapshot),
                reason,
                stamp,
            )
            for r in revisions
        ],
    )


def adopt_identity(ctx: UserContext, new_user_id: str, created_at: str) -> None:
    """Rewrite the local user as `new_user_id` (inside the caller's transaction)."""
    db = ctx.db
    if not db.in_transaction:
        raise InternalError("adopt_identity must run inside a transaction")
    old = ctx.user_id
    if db.scalar("SELECT 1 FROM users WHERE id = ?", (new_user_id,)):
        raise UserInputError(f"This data folder already has a user {new_user_id}.")
    db.execute(
        "INSERT INTO users(id, is_anonymous, workbook_complete, created_at, updated_at) "
        "SELECT ?, is_anonymous, workbook_complete, ?, ? FROM users WHERE id = ?",
        (new_user_id, created_at, now_iso(), old),
    )
    for table in _user_tables(ctx):
        db.execute(f"UPDATE {table} SET user_id = ? WHERE user_id = ?", (new_user_id, old))
    db.execute("UPDATE skills SET created_by = ? WHERE created_by = ?", (new_user_id, old))
    db.execute("DELETE FROM users WHERE id = ?", (old,))
    ctx.user_id = new_user_id


def _user_tables(ctx: UserContext) -> list[str]:
    tables = [
        r[0] for r in ctx.db.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'users'")
    ]
    out = []
    for table in tables:
        if not table.replace("_", "").isalnum():
            continue
        columns = {r[1] for r in ctx.db.query(f'PRAGMA table_info("{table}")')}
        if "user_id" in columns:
            out.append(table)
    return out


def _delete_user_data(ctx: UserContext) -> None:
    db, uid = ctx.db, ctx.user_id
    # Children go with their parents (ON DELETE CASCADE); parents in reverse insert order.
    for table in reversed(INSERT_ORDER):
        db.execute(f"DELETE FROM {table} WHERE user_id = ?", (uid,))
    for table in (
        "user_modules",
        "exercise_progress",
        "tombstones",
        "user_profile",
        "user_values",
        "user_budget",
    ):
        db.execute(f"DELETE FROM {table} WHERE user_id = ?", (uid,))
    db.execute("DELETE FROM skills WHERE is_custom = 1 AND created_by = ?", (uid,))


def _insert_records(ctx: UserContext, doc: Doc) -> None:
    db, uid = ctx.db, ctx.user_id
    by_table: dict[str, list[dict[str, Any]]] = {t: [] for t in INSERT_ORDER}
    for _module, rows in iter_units(doc):
        for table, records in rows.items():
            by_table[table].extend(records)
    nodes: dict[str, dict[str, Any]] = {n["id"]: n for n in by_table["user_idea_nodes"]}
    for tree in by_table["user_idea_trees"]:
        for node in tree.get("nodes") or ():
            nodes.setdefault(node["id"], node)
    by_table["user_idea_nodes"] = list(nodes.values())
    for table in INSERT_ORDER:
        records = by_table[table]
        if not records:
            continue
        spec = TABLES[table]
        columns = spec.columns
        sql = (
            f"INSERT INTO {table} (user_id, {', '.join(columns)}) "
            f"VALUES ({', '.join('?' * (len(columns) + 1))})"
        )
        # Rows are made as SQLite takes them, never a second copy of the whole table at once.
        if spec.booleans:
            values: Iterable[tuple[Any, ...]] = (
                (uid, *(_flag(r.get(c)) if c in spec.booleans else r.get(c) for c in columns)) for r in records
            )
        else:
            values = _values(uid, records, columns)
        db.executemany(sql, values)
        for child in spec.children:
            if child.key == "nodes":
                continue
            ccols = child.columns
            db.executemany(
                f"INSERT INTO {child.table} ({child.parent_column}, {', '.join(ccols)}) "
                f"VALUES ({', '.join('?' * (len(ccols) + 1))})",
                ((r["id"], *(c.get(k) for k in ccols)) for r in records for c in r.get(child.key) or ()),
            )


def _flag(value: Any) -> int | None:
    return None if value is None else int(value)


def _values(uid: str, records: list[dict[str, Any]], columns: tuple[str, ...]) -> Iterator[tuple[Any, ...]]:
    pick = itemgetter(*columns)
    for record in records:
        try:
            yield (uid, *pick(record))
        except KeyError:  # optional columns may be left out of a record
            yield (uid, *map(record.get, columns))


def _write_single_rows(ctx: UserContext, doc: Doc, old_created: dict[str, Any], stamp: str) -> None:
    db, uid = ctx.db, ctx.user_id
    values: dict[str, dict[str, Any]] = {t: {} for t in SINGLE_ROW_COLUMNS}
    touched: dict[str, str] = {}
    # Oldest module first, so if two modules ever carry one column the newer one's value stays.
    for unit in sorted(doc.get("modules", {}).values(), key=lambda u: u.get("last_modified_at") or ""):
        for table, columns in unit.get("columns", {}).items():
            values[table].update(columns)
            if any(v is not None for v in columns.values()):
                touched[table] = max(touched.get(table, ""), unit.get("last_modified_at") or "")
    for table in ("user_profile", "user_values", "user_budget"):
        row = {c: v for c, v in values[table].items() if c in SINGLE_ROW_COLUMNS[table]}
        if not any(v is not None for v in row.values()):
            continue
        names = list(row)
        db.execute(
            f"INSERT INTO {table} (user_id, {', '.join(names)}, created_at, updated_at) "
            f"VALUES ({', '.join('?' * (len(names) + 3))})",
            (uid, *row.values(), old_created.get(table) or stamp, touched.get(table) or stamp),
        )
    settings = doc.get("settings")
    updates: dict[str, Any] = {}
    if settings is not None:
        for column, value in settings["values"].items():
            if column in SETTINGS_COLUMNS:
                updates[column] = int(value) if column in SETTINGS_BOOLEANS and value is not None else value
    if settings is None or "personality_type" not in settings["values"]:
        # A module owns it: whatever that module says (nothing, when the module is absent).
        updates["personality_type"] = values["user_settings"].get("personality_type")
    if not db.scalar("SELECT 1 FROM user_settings WHERE user_id = ?", (uid,)):
        db.execute(
            "INSERT INTO user_settings(user_id, created_at, updated_at) VALUES (?, ?, ?)", (uid, stamp, stamp)
        )
    if settings is not None:
        updates["created_at"] = settings["created_at"]
        updates["updated_at"] = settings["updated_at"]
    if updates:
        db.execute(
            f"UPDATE user_settings SET {', '.join(f'{c} = ?' for c in updates)} WHERE user_id = ?",
            (*updates.values(), uid),
        )
