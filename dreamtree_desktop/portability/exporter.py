"""Reading the user's data out of the database into an export document (format 2.0)."""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..clock import now_iso
from ..context import UserContext
from ..errors import AuthenticationError
from ..security.errors import KeyFileError
from ..security.keywrap import WrappedKey, wrap_with_password
from ..security.passwords import enforce_password_policy
from .canonical import digest, hash_content, key_id
from .catalog import Catalog
from .document import Doc, empty_document, iter_records, module_sort_key
from .errors import PendingKeyError
from .files import short_value_sharer
from .personal import document_fields, opener, transform
from .tables import (
    INSERT_ORDER,
    SETTINGS_BOOLEANS,
    SETTINGS_COLUMNS,
    SINGLE_ROW_COLUMNS,
    TABLES,
)

PENDING_KEY = "pending_wrapped_data_key"


@dataclass(frozen=True)
class Subset:
    """Only these modules and standalone records (by table, their ids); the head, auth,
    settings, custom skills and tombstones always come whole. Each piece is exactly what the
    whole export makes of it: the same code reads it."""

    modules: frozenset[str] = frozenset()
    records: dict[str, frozenset[str]] = field(default_factory=dict)

    def keeps(self, table: str, module_id: str | None, record_id: str) -> bool:
        if module_id is not None:
            return module_id in self.modules
        return record_id in self.records.get(table, ())

log = logging.getLogger("dreamtree.portability")


def export_document(
    ctx: UserContext,
    catalog: Catalog | None = None,
    *,
    allow_pending: bool = False,
    share_with: Doc | None = None,
    only: Subset | None = None,
) -> Doc:
    """The user's data as an export document; PII stays sealed as stored.

    `auth` carries the account's wrapped data key when the user has one, else None (the CLI
    then wraps the key under a backup password, or writes PII decrypted on request).

    share_with: a document about to be merged with this one (an import). A stored record equal
    to one of its records is that very object rather than a copy, so a re-import of a large
    file does not hold every record twice. Neither document may then be edited in place.

    only: export just these modules and records (sync's incremental round).
    """
    db = ctx.db
    if not allow_pending and db.scalar("SELECT 1 FROM app_meta WHERE key = ?", (PENDING_KEY,)):
        raise PendingKeyError(
            "Personal data restored from a backup is still sealed under that backup's key.",
            hint="Run 'dreamtree import --adopt-key' with the backup's password first.",
        )
    catalog = catalog or Catalog.load(db)
    uid = ctx.user_id
    user = db.one("SELECT id, created_at, workbook_complete FROM users WHERE id = ?", (uid,))
    if user is None:
        raise PendingKeyError(f"There is no user {uid} in this data folder.")
    doc = empty_document(uid, user["created_at"], exported_at=now_iso(), schema_version=db.user_version)
    doc["user"]["workbook_complete"] = bool(user["workbook_complete"])
    doc["pii"]["key_id"] = key_id(ctx.data_key) if ctx.has_data_key and ctx.data_key is not None else None
    doc["auth"] = _account_key(ctx)

    owned = set(catalog.column_owner)
    settings = db.one(
        f"SELECT {', '.join(SETTINGS_COLUMNS)}, created_at, updated_at FROM user_settings WHERE user_id = ?",
        (uid,),
    )
    if settings is not None:
        values = {
            c: (bool(settings[c]) if c in SETTINGS_BOOLEANS else settings[c])
            for c in SETTINGS_COLUMNS
            if ("user_settings", c) not in owned
        }
        doc["settings"] = {
            "created_at": settings["created_at"],
            "updated_at": settings["updated_at"],
            "values": values,
        }

    modules: dict[str, dict[str, Any]] = defaultdict(_new_unit)
    standalone: dict[str, list[dict[str, Any]]] = defaultdict(list)
    stamps: dict[str, list[str]] = defaultdict(list)

    for module_id, first, last in db.query(
        "SELECT module_id, first_completed_at, last_modified_at FROM user_modules WHERE user_id = ?", (uid,)
    ):
        if only is not None and module_id not in only.modules:
            continue
        modules[module_id]["first_completed_at"] = first
        stamps[module_id].append(last)
    for ex_id, full_id, first, responded in db.query(
        "SELECT exercise_id, full_exercise_id, first_responded_at, responded_at FROM exercise_progress "
        "WHERE user_id = ?",
        (uid,),
    ):
        module_id = catalog.module_of(ex_id)
        if module_id is None or (only is not None and module_id not in only.modules):
            continue
        modules[module_id]["exercises"][ex_id] = {
            "full_exercise_id": full_id,
            "first_responded_at": first,
            "responded_at": responded,
        }
        stamps[module_id].append(responded)

    records = _read_records(ctx, _by_id(share_with) if share_with is not None else {},
                            None if only is None else _filters(catalog, only))
    for table in INSERT_ORDER:
        spec = TABLES[table]
        for record in records.get(table, ()):
            module_id = item_owner(catalog, spec.owner, record)
            if only is not None and not only.keeps(table, module_id, record["id"]):
                continue
            if module_id is None:
                if "content_hash" not in record:  # a shared record carries its checked hash
                    record["content_hash"] = hash_content(table, record)
                standalone[table].append(record)
            else:
                modules[module_id]["rows"].setdefault(table, []).append(record)
                stamps[module_id].append(record[spec.stamp])

    single_updated: dict[str, str] = {}
    single_values: dict[tuple[str, str], Any] = {}
    for table, columns in SINGLE_ROW_COLUMNS.items():
        wanted = [c for c in columns if (table, c) in owned
                  and (only is None or catalog.column_owner[(table, c)] in only.modules)]
        if not wanted:
            continue
        row = db.one(f"SELECT {', '.join(wanted)}, updated_at FROM {table} WHERE user_id = ?", (uid,))
        for column in wanted:
            value = None if row is None else row[column]
            single_values[(table, column)] = value
            if value is not None and row is not None:
                module_id = catalog.column_owner[(table, column)]
                modules.setdefault(module_id, _new_unit())
                single_updated[module_id] = max(single_updated.get(module_id, ""), row["updated_at"])
    # Every column a present module owns is written, set or not, so the module travels whole.
    for (table, column), value in sorted(single_values.items()):
        module_id = catalog.column_owner[(table, column)]
        if module_id in modules:
            modules[module_id]["columns"].setdefault(table, {})[column] = value

    for row in db.query(
        "SELECT table_name, row_id, content_hash, origin, deleted_at FROM tombstones WHERE user_id = ? "
        "ORDER BY table_name, row_id",
        (uid,),
    ):
        doc["tombstones"].append(
            {
                "table": row[0],
                "row_id": row[1],
                "content_hash": row[2],
                "origin": row[3],
                "deleted_at": row[4],
            }
        )
        module_id = catalog.module_of(row[3]) if row[3] else None
        if module_id is not None and module_id in modules:
            stamps[module_id].append(row[4])

    for module_id, unit in modules.items():
        # A module's own timestamp moves on every edit; the latest of its parts covers the edits
        # that did not move it (answers of a module not yet complete, deletions). A one-row
        # table's updated_at is shared by several modules, so it counts only when nothing else does.
        found = [s for s in stamps.get(module_id, ()) if s]
        unit["last_modified_at"] = max(found) if found else single_updated.get(module_id, doc["exported_at"])
        for table_records in unit["rows"].values():
            table_records.sort(key=lambda r: r["id"])
        for table in list(unit["columns"]):
            unit["columns"][table] = dict(sorted(unit["columns"][table].items()))
        unit["exercises"] = dict(sorted(unit["exercises"].items()))
    doc["modules"] = {m: _ordered_unit(modules[m]) for m in sorted(modules, key=module_sort_key)}
    doc["standalone"] = {
        t: sorted(standalone[t], key=lambda r: r["id"]) for t in INSERT_ORDER if standalone.get(t)
    }
    doc["custom_skills"] = [
        {"id": r[0], "name": r[1], "category": r[2], "review_status": r[3], "created_at": r[4]}
        for r in db.query(
            "SELECT id, name, category, review_status, created_at FROM skills "
            "WHERE is_custom = 1 AND created_by = ? ORDER BY id",
            (uid,),
        )
    ]
    return doc


def _new_unit() -> dict[str, Any]:
    return {"first_completed_at": None, "last_modified_at": None, "exercises": {}, "columns": {}, "rows": {}}


def _ordered_unit(unit: dict[str, Any]) -> dict[str, Any]:
    rows = unit["rows"]
    return {
        "first_completed_at": unit["first_completed_at"],
        "last_modified_at": unit["last_modified_at"],
        "exercises": unit["exercises"],
        "columns": unit["columns"],
        "rows": {t: rows[t] for t in INSERT_ORDER if t in rows},
    }


def item_owner(catalog: Catalog, how: str, record: dict[str, Any]) -> str | None:
    """The module a record belongs to (None: a standalone record)."""
    if how == "origin":
        return catalog.module_of(record.get("origin"))
    if how == "prompt":
        return catalog.module_of_prompt(record["prompt_id"])
    if how == "competency":
        return catalog.competency_module
    return None


Known = dict[str, dict[str, dict[str, Any]]]  # table -> id -> record of the other document


def _by_id(doc: Doc) -> Known:
    known: Known = defaultdict(dict)
    for module_id, table, record in iter_records(doc):
        rid = record.get("id")
        # Shaped as this export shapes it: standalone items carry their hash, module records not.
        if isinstance(rid, str) and ("content_hash" in record) == (module_id is None):
            known[table][rid] = record
    return known


def _same(table: str, record: dict[str, Any], other: dict[str, Any] | None) -> dict[str, Any]:
    """`other` when it is what this export would make of `record`, else `record`."""
    if other is None:
        return record
    extra = len(other) - len(record)
    if extra not in (0, 1):
        return record
    for key, value in record.items():
        theirs = other.get(key, record)  # `record` itself: never a value, so a missing key differs
        if theirs != value or type(theirs) is not type(value):
            return record
    if extra and other.get("content_hash") != hash_content(table, record):
        return record
    return other


Filters = dict[str, tuple[str, tuple[Any, ...]]]  # table -> (SQL condition, its values)


def _filters(catalog: Catalog, only: Subset) -> Filters:
    """Per table, a condition that holds for every row of the subset (and maybe a few more,
    which the owner check drops): the rows its modules own, and its records by id."""
    origin_sql: list[str] = []
    origin_args: list[Any] = []
    for module_id in sorted(only.modules):
        exercises = [e for e, (m, _full) in catalog.exercises.items() if m == module_id]
        # "1.1." <= origin < "1.1/": every exercise id of module 1.1 ('/' follows '.').
        origin_sql.append("origin >= ? AND origin < ?")
        origin_args += [f"{module_id}.", f"{module_id}/"]
        if exercises:
            origin_sql.append(f"origin IN ({', '.join('?' * len(exercises))})")
            origin_args.extend(exercises)
    prompts = [p.id for p in catalog.prompts.values() if p.module_id in only.modules]
    out: Filters = {}
    for table, spec in TABLES.items():
        parts: list[str] = []
        args: list[Any] = []
        if spec.owner == "origin" and origin_sql:
            parts += origin_sql
            args += origin_args
        elif spec.owner == "prompt" and prompts:
            parts.append(f"prompt_id IN ({', '.join('?' * len(prompts))})")
            args += prompts
        elif spec.owner == "competency" and catalog.competency_module in only.modules:
            parts.append("1")
        ids = sorted(only.records.get(table, ()))
        if ids:
            parts.append(f"id IN ({', '.join('?' * len(ids))})")
            args += ids
        out[table] = (" OR ".join(parts) or "0", tuple(args))
    return out


def _read_records(ctx: UserContext, known: Known, filters: Filters | None = None) -> dict[str, list[dict[str, Any]]]:
    db, uid = ctx.db, ctx.user_id
    out: dict[str, list[dict[str, Any]]] = {}
    share = short_value_sharer()
    for table, spec in TABLES.items():
        if table == "user_idea_nodes":
            continue
        cols = spec.columns
        theirs = {} if spec.children else known.get(table, {})  # children are compared below
        records = []
        if filters is None:
            sql, args = f"SELECT {', '.join(cols)} FROM {table} WHERE user_id = ?", (uid,)
        else:
            # The subset's own conditions pick the index (origin, id, prompt); "+user_id" keeps
            # the planner from reading every row of the user instead.
            where, extra = filters[table]
            sql, args = f"SELECT {', '.join(cols)} FROM {table} WHERE ({where}) AND +user_id = ?", (*extra, uid)
        # Row by row, each record shared as soon as it is made: never the table twice in memory.
        for row in db.execute(sql, args):
            record = dict(zip(cols, map(share, row), strict=True))
            for column in spec.booleans:
                record[column] = bool(record[column])
            records.append(_same(table, record, theirs.get(record["id"])) if theirs else record)
        out[table] = records

    def children(sql: str) -> dict[str, list[dict[str, Any]]]:
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        args: tuple[Any, ...] = (uid,)
        if filters is not None:
            # Only the children of the parents read ("SELECT c.<parent column> AS parent ...
            # JOIN <parent table> ..."), found through the child table's index on its parent.
            parent = sql.split(" JOIN ", 1)[1].split()[0]
            column = sql.split("SELECT ", 1)[1].split(" AS parent", 1)[0]
            ids = [r["id"] for r in out[parent]]
            if not ids:
                return grouped
            sql += f" AND {column} IN ({', '.join('?' * len(ids))})"
            args = (uid, *ids)
        cursor = db.execute(sql, args)
        names = [d[0] for d in cursor.description]
        for row in cursor:
            item = dict(zip(names, map(share, row), strict=True))
            grouped[item.pop("parent")].append(item)
        return grouped

    exp_skills = children(
        "SELECT s.experience_id AS parent, s.id, s.skill_id, s.created_at FROM user_experience_skills s "
        "JOIN user_experiences e ON e.id = s.experience_id WHERE e.user_id = ?"
    )
    story_skills = children(
        "SELECT s.story_id AS parent, s.id, s.skill_id, s.created_at FROM user_story_skills s "
        "JOIN user_stories t ON t.id = s.story_id WHERE t.user_id = ?"
    )
    items = children(
        "SELECT i.list_id AS parent, i.id, i.content, i.position, i.created_at FROM user_list_items i "
        "JOIN user_lists l ON l.id = i.list_id WHERE l.user_id = ?"
    )
    edges = children(
        "SELECT e.tree_id AS parent, e.id, e.from_node_id, e.to_node_id, e.created_at FROM user_idea_edges e "
        "JOIN user_idea_trees t ON t.id = e.tree_id WHERE t.user_id = ?"
    )
    nodes = {
        r[0]: {"id": r[0], "content": r[1], "created_at": r[2]}
        for r in db.query("SELECT id, content, created_at FROM user_idea_nodes WHERE user_id = ?", (uid,))
    }
    for record in out["user_experiences"]:
        record["skills"] = sorted(exp_skills.get(record["id"], []), key=lambda s: (s["skill_id"], s["id"]))
    for record in out["user_stories"]:
        record["skills"] = sorted(story_skills.get(record["id"], []), key=lambda s: (s["skill_id"], s["id"]))
    for record in out["user_lists"]:
        record["items"] = sorted(items.get(record["id"], []), key=lambda i: (i["position"], i["id"]))
    used: set[str] = set()
    if filters is not None:
        # A node travels on its own only when no tree of the user uses it, read or not.
        used.update(r[0] for r in db.query(
            "SELECT root_node_id FROM user_idea_trees WHERE user_id = ? AND root_node_id IS NOT NULL "
            "UNION SELECT e.from_node_id FROM user_idea_edges e JOIN user_idea_trees t ON t.id = e.tree_id "
            "WHERE t.user_id = ? UNION SELECT e.to_node_id FROM user_idea_edges e "
            "JOIN user_idea_trees t ON t.id = e.tree_id WHERE t.user_id = ?", (uid, uid, uid)))
    for record in out["user_idea_trees"]:
        tree_edges = sorted(edges.get(record["id"], []), key=lambda e: e["id"])
        ids = {record["root_node_id"]} if record["root_node_id"] else set()
        for edge in tree_edges:
            ids.update((edge["from_node_id"], edge["to_node_id"]))
        record["nodes"] = [nodes[i] for i in sorted(ids) if i in nodes]
        record["edges"] = tree_edges
        used.update(ids)
    out["user_idea_nodes"] = [dict(n) for i, n in sorted(nodes.items()) if i not in used]
    for table, spec in TABLES.items():
        others = known.get(table)
        if others and spec.children:
            out[table] = [_same(table, r, others.get(r["id"])) for r in out[table]]
    return out


def _account_key(ctx: UserContext) -> dict[str, Any] | None:
    row = ctx.db.one(
        "SELECT wrapped_data_key FROM auth WHERE user_id = ? AND wrapped_data_key IS NOT NULL "
        "ORDER BY updated_at DESC LIMIT 1",
        (ctx.user_id,),
    )
    if row is None:
        return None
    try:
        wrapped = json.loads(WrappedKey.from_json(row[0]).to_json())
    except KeyFileError:  # a damaged stored key: the export is sealed under a backup password instead
        log.warning("the account's stored wrapped key does not parse; the export will need a backup password")
        return None
    return {"wrapped_by": "account", "wrapped_data_key": wrapped, "sha256": digest(wrapped)}


def wrap_for_backup(doc: Doc, data_key: bytes | bytearray, password: str) -> None:
    """Wrap the data key under a backup password (policy-checked) inside the document."""
    enforce_password_policy(password)
    wrapped = json.loads(wrap_with_password(data_key, password))
    doc["auth"] = {"wrapped_by": "backup-password", "wrapped_data_key": wrapped, "sha256": digest(wrapped)}


def needs_backup_password(doc: Doc) -> bool:
    """True when `doc` carries no account-wrapped key: its personal fields can leave the folder
    only with the data key wrapped under a backup password (seal_for_backup)."""
    return doc.get("auth") is None


def seal_for_backup(doc: Doc, ctx: UserContext, backup_password: Callable[[], str | None]) -> None:
    """Make `doc` fit to be written, for every front end: a document with an account-wrapped key
    already is; otherwise the data key is wrapped under the backup password, which is asked for
    (`backup_password()`) only then. Locked personal fields, or no password given: an
    AuthenticationError, and `doc` is left as it was."""
    if not needs_backup_password(doc):
        return
    if not ctx.has_data_key or ctx.data_key is None:
        raise AuthenticationError("Personal fields are locked.", hint="Unlock the data folder first.")
    password = backup_password()
    if not password:
        raise AuthenticationError("A backup password is needed to protect the personal data in the export.")
    wrap_for_backup(doc, ctx.data_key, password)


def decrypt_personal(doc: Doc, ctx: UserContext, catalog: Catalog) -> None:
    """Turn the document's PII into plain values (the explicit --plaintext-pii choice)."""
    if not ctx.has_data_key or ctx.data_key is None:
        from ..context import PiiLockedError

        raise PiiLockedError("Personal fields are locked.", hint="Unlock with your password first.")
    transform(document_fields(doc, catalog), ctx.user_id, opener(ctx.data_key, ctx.user_id))
    doc["pii"] = {"mode": "plaintext", "key_id": None}
    doc["auth"] = None
    for table, records in doc["standalone"].items():
        for record in records:
            record["content_hash"] = hash_content(table, record)
