"""Where a sealed value that no longer opens is still kept readable, for `dreamtree doctor`.

Two places the folder knows of: the kept versions (record and module revisions, which hold whole
records with their personal fields sealed as they were), and the database copies in `backups/`
(the automatic ones made before a migration, a lock switch, an import, a sync that removes rows,
a quarantine, and the periodic one). A copy counts when its value for the same table, column and
row opens under the folder's data key now (or, in a backup older than the sealing migration, is
still plain text). Each copy comes with the command that restores it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import sqlcipher3

from ..context import UserContext
from ..pii import LOST_MARKER
from ..security.envelope import decrypt_value, is_envelope
from ..security.errors import EnvelopeError
from ..storage.backups import list_backups
from ..storage.probe import probe
from .catalog import Catalog
from .personal import unit_fields
from .tables import SINGLE_ROW_COLUMNS

_ONE_ROW = frozenset({*SINGLE_ROW_COLUMNS, "user_settings"})


@dataclass(frozen=True)
class ReadableCopy:
    kind: str  # "record revision", "module revision" or "backup"
    name: str  # the revision id or the backup file name
    command: str  # what to run to get it back
    note: str  # what running it replaces

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def _opens(ctx: UserContext, value: Any, table: str, column: str, row_id: str) -> bool:
    if not isinstance(value, str) or value == LOST_MARKER or ctx.data_key is None:
        return False
    try:
        decrypt_value(ctx.data_key, value, user_id=ctx.user_id, table=table, column=column, row_id=row_id)
    except (EnvelopeError, ValueError, TypeError):
        return False
    return True


def readable_copies(ctx: UserContext, catalog: Catalog, backup_dir: Path, db_key: bytes | bytearray,
                    table: str, column: str, row_id: str) -> list[ReadableCopy]:
    """Every kept copy of (table, column, row_id) that can be read now, newest first within each
    kind: record revisions, module revisions, then backups."""
    found = list(_record_revisions(ctx, table, column, row_id))
    found += _module_revisions(ctx, catalog, table, column, row_id)
    found += _backups(ctx, backup_dir, db_key, table, column, row_id)
    return found


def _record_revisions(ctx: UserContext, table: str, column: str, row_id: str) -> Iterator[ReadableCopy]:
    rows = ctx.db.query(
        "SELECT id, record_json, created_at FROM record_revisions WHERE user_id = ? AND table_name = ? "
        "AND row_id = ? ORDER BY created_at DESC", (ctx.user_id, table, row_id))
    for rev_id, text, created in rows:
        try:
            record = json.loads(text)
        except ValueError:
            continue
        if isinstance(record, dict) and _opens(ctx, record.get(column), table, column, row_id):
            yield ReadableCopy("record revision", str(rev_id), f"dreamtree revisions restore {rev_id}",
                               f"the whole {table} record as kept on {created}; the current one is kept as a revision")


def _module_revisions(ctx: UserContext, catalog: Catalog, table: str, column: str,
                      row_id: str) -> list[ReadableCopy]:
    out = []
    rows = ctx.db.query("SELECT id, module_id, snapshot_json, created_at FROM module_revisions "
                        "WHERE user_id = ? ORDER BY created_at DESC", (ctx.user_id,))
    for rev_id, module_id, text, created in rows:
        try:
            unit = json.loads(text)
            fields = list(unit_fields(unit, catalog, f"/revisions/{module_id}"))
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
        if any(f.table == table and f.column == column and (f.row_id or ctx.user_id) == row_id
               and _opens(ctx, f.value, table, column, row_id) for f in fields):
            out.append(ReadableCopy("module revision", str(rev_id), f"dreamtree revisions restore {rev_id}",
                                    f"all of module {module_id} as kept on {created}; the current one is kept "
                                    "as a revision"))
    return out


def _backups(ctx: UserContext, backup_dir: Path, db_key: bytes | bytearray, table: str, column: str,
             row_id: str) -> list[ReadableCopy]:
    key = "user_id" if table in _ONE_ROW else "id"
    out = []
    for info in list_backups(backup_dir):
        try:
            with probe(info.path, db_key) as conn:
                if conn is None:
                    continue  # under an older database key, or damaged
                row = conn.execute(f'SELECT "{column}" FROM "{table}" WHERE "{key}" = ?', (row_id,)).fetchone()
        except (sqlcipher3.Error, OSError):
            continue  # a copy from before this table or column existed
        value = None if row is None else row[0]
        plain_old = isinstance(value, str) and value != LOST_MARKER and not is_envelope(value)
        if plain_old or _opens(ctx, value, table, column, row_id):
            out.append(ReadableCopy("backup", info.path.name, f"dreamtree doctor --restore-backup {info.path.name}",
                                    "the whole database, as it was when that backup was made; the current "
                                    "one is kept beside it"))
    return out
