"""Where personal fields live (docs/security.md), and a check that every one is sealed.

A PII cell is a column of pii.PII_COLUMNS, the answer of a prompt marked is_pii (module 1.4
"Love"), or an item of a list whose context is an exercise of such a module. Stored, each holds
an envelope (security/envelope), the LOST_MARKER after a password reset, or NULL.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..content.model import PII_MODULES
from ..context import UserContext
from ..pii import LOST_MARKER, PII_COLUMNS, PROMPT_PII_COLUMNS
from ..security.envelope import is_envelope
from ..storage.db import Database


@dataclass(frozen=True)
class PiiCell:
    table: str
    column: str
    key_column: str  # the column that addresses the row ("id" or "user_id")
    row_id: str
    value: str | None

    def describe(self) -> str:
        # Never the value: it may be plaintext PII.
        return f"{self.table}.{self.column} (row {self.row_id})"


def _columns(db: Database, table: str) -> set[str]:
    return {str(r["name"]) for r in db.query(f'PRAGMA table_info("{table}")')}


def module_of(context: str | None) -> str | None:
    """"1.4.2" or "1.4.2.v1" -> "1.4"; None for free-form labels."""
    if not context:
        return None
    parts = context.strip().split(".")
    if len(parts) < 2 or not (parts[0].isdigit() and parts[1].isdigit()):
        return None
    return f"{parts[0]}.{parts[1]}"


def pii_list_ids(db: Database, user_id: str) -> list[str]:
    rows = db.query("SELECT DISTINCT target_list FROM prompts WHERE is_pii = 1 AND target_list IS NOT NULL")
    pii_list_names = {str(r[0]) for r in rows}
    ids = []
    for row in db.query("SELECT id, name, context FROM user_lists WHERE user_id = ?", (user_id,)):
        if module_of(row["context"]) in PII_MODULES or row["name"] in pii_list_names:
            ids.append(str(row["id"]))
    return ids


def pii_cells(db: Database, user_id: str) -> Iterator[PiiCell]:
    """Every PII cell of the user, NULL ones included."""
    for table in sorted(PII_COLUMNS):
        present = _columns(db, table)
        key = "id" if "id" in present else "user_id"
        for column in sorted(PII_COLUMNS[table] & present):
            for row in db.query(f'SELECT "{key}", "{column}" FROM "{table}" WHERE user_id = ?', (user_id,)):
                yield PiiCell(table, column, key, str(row[0]), row[1])
    column = PROMPT_PII_COLUMNS["user_responses"]
    for row in db.query(
        f"SELECT r.id, r.{column} FROM user_responses r JOIN prompts p ON p.id = r.prompt_id "
        "WHERE r.user_id = ? AND p.is_pii = 1",
        (user_id,),
    ):
        yield PiiCell("user_responses", column, "id", str(row[0]), row[1])
    column = PROMPT_PII_COLUMNS["user_list_items"]
    for list_id in pii_list_ids(db, user_id):
        for row in db.query(f"SELECT id, {column} FROM user_list_items WHERE list_id = ?", (list_id,)):
            yield PiiCell("user_list_items", column, "id", str(row[0]), row[1])


def is_sealed(value: object) -> bool:
    return value is None or value == LOST_MARKER or is_envelope(value)


def unsealed_pii(ctx: UserContext) -> list[str]:
    """Every PII cell holding something other than an envelope, the LOST_MARKER or NULL, named
    as "table.column (row ID)". An empty list means all personal fields are encrypted."""
    return [cell.describe() for cell in pii_cells(ctx.db, ctx.user_id) if not is_sealed(cell.value)]
