"""Module versions that lost a merge: listing, viewing and restoring them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..clock import now_iso
from ..context import UserContext
from ..errors import UserInputError
from ..storage.backups import make_backup
from .apply import apply_document
from .catalog import Catalog
from .document import copy_unit
from .exporter import export_document
from .merge import Revision, normalize


@dataclass(frozen=True)
class RevisionInfo:
    id: str
    module_id: str
    last_modified_at: str | None
    reason: str
    created_at: str
    exercises: int
    records: int

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _info(row: Any) -> RevisionInfo:
    unit = json.loads(row["snapshot_json"])
    records = sum(len(r) for r in unit.get("rows", {}).values())
    return RevisionInfo(
        row["id"],
        row["module_id"],
        row["last_modified_at"],
        row["reason"],
        row["created_at"],
        len(unit.get("exercises", {})),
        records,
    )


def list_revisions(ctx: UserContext, module_id: str | None = None) -> list[RevisionInfo]:
    sql = "SELECT * FROM module_revisions WHERE user_id = ?"
    params: list[Any] = [ctx.user_id]
    if module_id:
        sql += " AND module_id = ?"
        params.append(module_id)
    return [_info(r) for r in ctx.db.query(sql + " ORDER BY created_at DESC, module_id, id", params)]


def get_revision(ctx: UserContext, revision_id: str) -> tuple[RevisionInfo, dict[str, Any]]:
    row = ctx.db.one(
        "SELECT * FROM module_revisions WHERE user_id = ? AND id = ?", (ctx.user_id, revision_id)
    )
    if row is None:
        raise UserInputError(f"There is no revision {revision_id!r}.", hint="See 'dreamtree revisions list'.")
    return _info(row), json.loads(row["snapshot_json"])


def restore_revision(ctx: UserContext, revision_id: str, backup_dir: Path, db_key: bytes | bytearray) -> str:
    """Make a stored revision the module's current version; the current one becomes a revision.

    Restoring is an edit made now: the module's last_modified_at becomes now, and records the
    user had deleted since come back with updated_at = now, so the restore wins later merges.
    """
    info, snapshot = get_revision(ctx, revision_id)
    catalog = Catalog.load(ctx.db)
    doc = export_document(ctx, catalog)
    stamp = now_iso()
    module_id = info.module_id
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
    apply_document(ctx, merged, revisions, "restore")
    return module_id
