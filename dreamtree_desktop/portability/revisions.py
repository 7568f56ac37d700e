"""Versions that lost a merge, of modules and of standalone records: keeping, listing, viewing,
restoring and pruning them.

Ids are derived from what a revision holds (revision_rules.revision_id), so the same lost
version seen twice (a retried sync round, another device's copy) is kept once. Sync carries
them in its document, so every device keeps every lost version. The pruning rule is in
revision_rules: per module and per record the 20 newest stay, and so does every revision kept
less than 90 days before the newest one the folder holds.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..clock import now_iso
from ..context import UserContext
from ..errors import UserInputError
from ..storage.backups import make_backup
from ..topics import ALL, causes
from . import revision_rules as rules
from .apply import apply_document
from .canonical import canonical_json
from .catalog import Catalog
from .document import copy_record, copy_unit
from .exporter import export_document
from .merge import RecordRevision, Revision, normalize
from .tables import TABLES


@dataclass(frozen=True)
class RevisionInfo:
    id: str
    module_id: str | None
    last_modified_at: str | None
    reason: str
    created_at: str
    exercises: int
    records: int
    kind: str = "module"  # or "record"
    table: str | None = None
    row_id: str | None = None
    fields: list[str] = field(default_factory=list)  # of a record: the values that lost

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _module_info(row: Any) -> RevisionInfo:
    unit = json.loads(row["snapshot_json"])
    records = sum(len(r) for r in unit.get("rows", {}).values())
    return RevisionInfo(row["id"], row["module_id"], row["last_modified_at"], row["reason"], row["created_at"],
                        len(unit.get("exercises", {})), records)


def _record_info(row: Any) -> RevisionInfo:
    return RevisionInfo(row["id"], None, row["updated_at"], row["reason"], row["created_at"], 0, 1,
                        kind="record", table=row["table_name"], row_id=row["row_id"],
                        fields=list(json.loads(row["fields_json"])))


# -- keeping ---------------------------------------------------------------------------------------
def stored_entries(ctx: UserContext) -> list[rules.Entry]:
    """Every kept version of the folder as a travelling entry (revision_rules), pruned."""
    rows: list[Any] = ctx.db.query("SELECT * FROM module_revisions WHERE user_id = ?", (ctx.user_id,))
    out = [rules.entry("module", r["module_id"], r["last_modified_at"], json.loads(r["snapshot_json"]),
                       r["created_at"], reason=r["reason"]) for r in rows]
    rrows: list[Any] = ctx.db.query("SELECT * FROM record_revisions WHERE user_id = ?", (ctx.user_id,))
    out += [rules.entry("record", f"{r['table_name']}/{r['row_id']}", r["updated_at"], json.loads(r["record_json"]),
                        r["created_at"], fields=json.loads(r["fields_json"]), reason=r["reason"]) for r in rrows]
    return rules.union(out)


def store_entries(ctx: UserContext, entries: list[rules.Entry]) -> int:
    """Make the folder keep exactly `entries` (an agreed, pruned set); returns how many it did
    not hold before. Inside the caller's transaction, or in one of its own."""
    db, uid = ctx.db, ctx.user_id
    with db.transaction():
        ids: list[Any] = db.query("SELECT id FROM module_revisions WHERE user_id = ? UNION ALL "
                                                  "SELECT id FROM record_revisions WHERE user_id = ?", (uid, uid))
        before = {str(r["id"]) for r in ids}
        wanted = {e["id"] for e in entries}
        db.executemany("DELETE FROM module_revisions WHERE id = ?", [(i,) for i in before - wanted])
        db.executemany("DELETE FROM record_revisions WHERE id = ?", [(i,) for i in before - wanted])
        modules = [e for e in entries if e["kind"] == "module"]
        records = [e for e in entries if e["kind"] == "record"]
        db.executemany(
            "INSERT INTO module_revisions(id, user_id, module_id, last_modified_at, snapshot_json, reason, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET reason = excluded.reason, "
            "created_at = excluded.created_at",
            [(e["id"], uid, e["key"], e["stamp"], canonical_json(e["snapshot"]), e["reason"], e["created_at"])
             for e in modules],
        )
        db.executemany(
            "INSERT INTO record_revisions(id, user_id, table_name, row_id, updated_at, record_json, fields_json, "
            "reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
            "reason = excluded.reason, created_at = excluded.created_at, fields_json = excluded.fields_json",
            [(e["id"], uid, *e["key"].split("/", 1), e["stamp"], canonical_json(e["snapshot"]),
              json.dumps(e["fields"]), e["reason"], e["created_at"]) for e in records],
        )
    return len(wanted - before)


def keep_revisions(ctx: UserContext, modules: Iterable[Revision], records: Iterable[RecordRevision],
                   reason: str, stamp: str | None = None) -> int:
    """Keep lost versions (created now), with the folder's others, pruned; a version already
    kept is not kept twice. Returns how many are new."""
    stamp = stamp or now_iso()
    new = [rules.entry("module", r.module_id, r.last_modified_at, r.snapshot, stamp, reason=reason)
           for r in modules]
    new += [rules.entry("record", f"{r.table}/{r.row_id}", r.updated_at, r.record, stamp, fields=r.fields,
                        reason=reason) for r in records]
    with ctx.db.transaction():
        return store_entries(ctx, rules.union(stored_entries(ctx), new))


def prune(ctx: UserContext) -> int:
    """Apply the pruning rule to what the folder keeps; returns how many went."""
    with ctx.db.transaction():
        before = len(ctx.db.query("SELECT id FROM module_revisions WHERE user_id = ? UNION ALL "
                                  "SELECT id FROM record_revisions WHERE user_id = ?", (ctx.user_id, ctx.user_id)))
        entries = stored_entries(ctx)
        store_entries(ctx, entries)
    return before - len(entries)


# -- listing and viewing -----------------------------------------------------------------------------
def list_revisions(ctx: UserContext, module_id: str | None = None, *, record: str | None = None,
                   kind: str | None = None) -> list[RevisionInfo]:
    """Newest first. `module_id`: only that module's; `record` ("table/id"): only that record's;
    `kind`: "module" or "record"."""
    out: list[RevisionInfo] = []
    if record is None and kind in (None, "module"):
        sql = "SELECT * FROM module_revisions WHERE user_id = ?"
        params: list[Any] = [ctx.user_id]
        if module_id:
            sql += " AND module_id = ?"
            params.append(module_id)
        out += [_module_info(r) for r in ctx.db.query(sql, params)]
    if module_id is None and kind in (None, "record"):
        sql = "SELECT * FROM record_revisions WHERE user_id = ?"
        params = [ctx.user_id]
        if record:
            table, _, row_id = record.partition("/")
            sql += " AND table_name = ? AND row_id = ?"
            params += [table, row_id]
        out += [_record_info(r) for r in ctx.db.query(sql, params)]
    out.sort(key=lambda r: (r.created_at, r.module_id or r.table or "", r.id), reverse=True)
    return out


def get_revision(ctx: UserContext, revision_id: str) -> tuple[RevisionInfo, dict[str, Any]]:
    """(info, what it holds): a module unit, or {"table", "record"} for a record."""
    row = ctx.db.one("SELECT * FROM module_revisions WHERE user_id = ? AND id = ?", (ctx.user_id, revision_id))
    if row is not None:
        return _module_info(row), json.loads(row["snapshot_json"])
    row = ctx.db.one("SELECT * FROM record_revisions WHERE user_id = ? AND id = ?", (ctx.user_id, revision_id))
    if row is not None:
        return _record_info(row), {"table": row["table_name"], "record": json.loads(row["record_json"])}
    raise UserInputError(f"There is no revision {revision_id!r}.", hint="See 'dreamtree revisions list'.")


# -- restoring ---------------------------------------------------------------------------------------
@causes(*ALL)
def restore_revision(ctx: UserContext, revision_id: str, backup_dir: Path, db_key: bytes | bytearray) -> str:
    """Make a stored revision current again; the current version becomes a revision. Returns
    what was restored: a module id, or "table/id" for a record.

    Restoring is an edit made now: the stamps become now, and records the user had deleted
    since come back, so the restore wins later merges.
    """
    info, snapshot = get_revision(ctx, revision_id)
    if info.kind == "record":
        assert info.table is not None
        return _restore_record(ctx, info.table, snapshot["record"], backup_dir, db_key)
    assert info.module_id is not None
    return _restore_module(ctx, info.module_id, snapshot, backup_dir, db_key)


def _restore_module(ctx: UserContext, module_id: str, snapshot: dict[str, Any], backup_dir: Path,
                    db_key: bytes | bytearray) -> str:
    catalog = Catalog.load(ctx.db)
    doc = export_document(ctx, catalog)
    stamp = now_iso()
    current = doc["modules"].get(module_id)
    unit = copy_unit(snapshot)
    unit["last_modified_at"] = stamp
    restored = {(table, r["id"]) for table, records in unit["rows"].items() for r in records}
    deleted = {(t["table"], t["row_id"]) for t in doc["tombstones"]} & restored
    for table, records in unit["rows"].items():
        for record in records:
            if (table, record["id"]) in deleted and "updated_at" in record:
                record["updated_at"] = stamp
    doc["tombstones"] = [t for t in doc["tombstones"] if (t["table"], t["row_id"]) not in restored]
    # A record of the revision that now lives in another module or among the standalone items
    # moves back here.
    for other_id, other in doc["modules"].items():
        if other_id == module_id:
            continue
        for table, records in other["rows"].items():
            other["rows"][table] = [r for r in records if (table, r["id"]) not in restored]
    for table, records in doc["standalone"].items():
        doc["standalone"][table] = [r for r in records if (table, r["id"]) not in restored]
    doc["modules"][module_id] = unit
    merged = normalize(doc)
    revisions = [Revision(module_id, current.get("last_modified_at"), current, "local")] if current else []
    make_backup(ctx.db, backup_dir, db_key, reason="restore-revision")
    with ctx.db.transaction():
        apply_document(ctx, merged, (), "restore")
        keep_revisions(ctx, revisions, (), "restore", stamp)
    return module_id


def _restore_record(ctx: UserContext, table: str, record: dict[str, Any], backup_dir: Path,
                    db_key: bytes | bytearray) -> str:
    catalog = Catalog.load(ctx.db)
    doc = export_document(ctx, catalog)
    stamp = now_iso()
    restored = copy_record(record)
    column = TABLES[table].stamp
    if column != "created_at":
        restored[column] = stamp
    records = doc["standalone"].get(table, [])
    current = next((r for r in records if r["id"] == restored["id"]), None)
    doc["standalone"][table] = [r for r in records if r["id"] != restored["id"]] + [restored]
    doc["tombstones"] = [t for t in doc["tombstones"] if (t["table"], t["row_id"]) != (table, restored["id"])]
    merged = normalize(doc)
    kept = [RecordRevision(table, current["id"], current.get(column), copy_record(current), "local", ("*",))] \
        if current is not None else []
    make_backup(ctx.db, backup_dir, db_key, reason="restore-revision")
    with ctx.db.transaction():
        apply_document(ctx, merged, (), "restore")
        keep_revisions(ctx, (), kept, "restore", stamp)
    return f"{table}/{restored['id']}"
