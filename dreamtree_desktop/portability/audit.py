"""The user's stored data against the rulebook (for `dreamtree doctor`): every row checked as the
forms would check it, every sealed value opened when the folder is unlocked. What fails is
listed by table and row, and can be moved aside into a quarantine file so that one bad row never
breaks a page.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..clock import now_iso
from ..context import UserContext
from ..errors import UserInputError
from ..paths import atomic_write_bytes
from ..pii import LOST_MARKER, PII_COLUMNS
from ..rules import check_column, check_record, check_settings, check_tree
from ..rules.answers import check_stored_answer, decode_stored
from ..security.errors import EnvelopeError
from ..settings import Settings
from .catalog import Catalog
from .personal import looks_sealed
from .tables import SETTINGS_BOOLEANS, SETTINGS_COLUMNS, SINGLE_ROW_COLUMNS, TABLES

QUARANTINE_FORMAT = "dreamtree-quarantine"
# The problem of a sealed value that does not open under the folder's key (doctor then looks for
# a readable copy: portability/readable_copies.py).
UNOPENED = "the sealed value does not open (damaged, or sealed under another key)"


@dataclass
class Finding:
    table: str
    row_id: str  # the user id for the one-row tables
    column: str | None  # None: the whole row
    problem: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        where = f"{self.table} {self.row_id}" + (f" ({self.column})" if self.column else "")
        return f"{where}: {self.problem}"


class _Opener:
    def __init__(self, ctx: UserContext) -> None:
        self.ctx = ctx
        self.opened = 0

    def open(self, table: str, column: str, row_id: str, stored: Any) -> tuple[bool, Any, str | None]:
        """(checkable, plain value, problem): not checkable when the folder is locked."""
        if stored is None or stored == LOST_MARKER:
            return False, None, None
        if not self.ctx.has_data_key:
            return False, None, None
        try:
            value = self.ctx.unseal(table, column, row_id, stored)
        except (EnvelopeError, ValueError, TypeError):
            return False, None, UNOPENED
        self.opened += 1
        return True, value, None


def audit(ctx: UserContext, catalog: Catalog) -> tuple[list[Finding], dict[str, int]]:
    """Every problem found, and how many rows and sealed values were checked."""
    opener = _Opener(ctx)
    findings: list[Finding] = []
    rows = 0
    for finding_or_none in _records(ctx, catalog, opener):
        rows += 1
        if finding_or_none is not None:
            findings.append(finding_or_none)
    findings.extend(_single_rows(ctx, catalog, opener))
    return findings, {"rows": rows, "sealed_values_opened": opener.opened}


def _records(ctx: UserContext, catalog: Catalog, opener: _Opener) -> Iterator[Finding | None]:
    db, uid = ctx.db, ctx.user_id
    for table, spec in TABLES.items():
        pii = PII_COLUMNS.get(table, frozenset())
        for raw in db.query(f"SELECT * FROM {table} WHERE user_id = ?", (uid,)):
            row: dict[str, Any] = dict(raw)
            yield _record(catalog, opener, table, row, pii, spec.booleans)
    for raw in db.query(
        "SELECT i.id, i.content, i.position, l.origin, l.name FROM user_list_items i "
        "JOIN user_lists l ON l.id = i.list_id WHERE l.user_id = ?",
        (uid,),
    ):
        yield _list_item(opener, dict(raw))
    trees: dict[str, list[tuple[str, str]]] = {}
    roots: dict[str, str | None] = {}
    for edge in db.query(
        "SELECT e.tree_id, e.from_node_id, e.to_node_id, t.root_node_id FROM user_idea_edges e "
        "JOIN user_idea_trees t ON t.id = e.tree_id WHERE t.user_id = ?",
        (uid,),
    ):
        trees.setdefault(str(edge[0]), []).append((str(edge[1]), str(edge[2])))
        roots[str(edge[0])] = None if edge[3] is None else str(edge[3])
    for tree_id, edges in trees.items():
        yield _guard("user_idea_trees", tree_id, "edges", check_tree, roots[tree_id], edges)


def _guard(table: str, row_id: str, column: str | None, check: Any, *args: Any, **kwargs: Any) -> Finding | None:
    try:
        check(*args, **kwargs)
    except UserInputError as exc:
        return Finding(table, row_id, column, exc.message.rstrip("."))
    return None


def _record(
    catalog: Catalog, opener: _Opener, table: str, row: dict[str, Any], pii: frozenset[str], booleans: frozenset[str]
) -> Finding | None:
    row_id = str(row["id"])
    skip = set()
    for column in pii:
        checkable, plain, problem = opener.open(table, column, row_id, row.get(column))
        if problem is not None:
            return Finding(table, row_id, column, problem)
        if checkable:
            row[column] = plain
        elif row.get(column) is not None:
            skip.add(column)
    for column in booleans:
        if row.get(column) in (0, 1):
            row[column] = bool(row[column])
    found = _guard(table, row_id, None, check_record, table, row, skip=skip)
    if found is not None or table not in ("user_responses", "user_checklists"):
        return found
    prompt = catalog.prompt_defs.get(row["prompt_id"])
    if prompt is None:
        return Finding(table, row_id, "prompt_id", f"{row['prompt_id']!r} is not a prompt of the workbook")
    if table == "user_checklists":
        return None
    stored = row.get("response_text")
    if prompt.is_pii:
        checkable, stored, problem = opener.open(table, "response_text", row_id, stored)
        if problem is not None:
            return Finding(table, row_id, "response_text", problem)
        if not checkable:
            return None
    if stored is None:
        return None
    value = decode_stored(prompt, stored)
    return _guard(
        table, row_id, "response_text", check_stored_answer, prompt, value, catalog.personality_types
    )


def _list_item(opener: _Opener, row: dict[str, Any]) -> Finding | None:
    item_id = str(row["id"])
    content = row["content"]
    if looks_sealed(content) or content == LOST_MARKER:
        checkable, content, problem = opener.open("user_list_items", "content", item_id, content)
        if problem is not None:
            return Finding("user_list_items", item_id, "content", problem)
        if not checkable:
            content = "sealed"
    return _guard("user_list_items", item_id, None, check_record, "user_list_items",
                  {"content": content, "position": row["position"]})


def _single_rows(ctx: UserContext, catalog: Catalog, opener: _Opener) -> list[Finding]:
    db, uid = ctx.db, ctx.user_id
    out: list[Finding] = []
    for table in ("user_profile", "user_values", "user_budget"):
        row = db.one(f"SELECT * FROM {table} WHERE user_id = ?", (uid,))
        if row is None:
            continue
        pii = PII_COLUMNS.get(table, frozenset())
        for column in SINGLE_ROW_COLUMNS[table]:
            value = row[column]
            if column in pii:
                checkable, value, problem = opener.open(table, column, uid, value)
                if problem is not None:
                    out.append(Finding(table, uid, column, problem))
                if not checkable:
                    continue
            found = _guard(table, uid, column, check_column, table, column, value)
            if found is not None:
                out.append(found)
    found_row = db.one("SELECT * FROM user_settings WHERE user_id = ?", (uid,))
    if found_row is not None:
        settings_row: dict[str, Any] = dict(found_row)
        values = {
            c: (bool(settings_row[c]) if c in SETTINGS_BOOLEANS and settings_row[c] is not None else settings_row[c])
            for c in SETTINGS_COLUMNS
            if c != "onboarded_at" and c in settings_row
        }
        bad = set()
        for column, value in values.items():
            found = _guard("user_settings", uid, column, check_settings, {column: value}, catalog.personality_types)
            if found is not None:
                out.append(found)
                bad.add(column)
        if not bad & {"background_color", "text_color"}:
            found = _guard("user_settings", uid, "text_color", check_settings, values, catalog.personality_types)
            if found is not None:
                out.append(found)
    return out


# -- quarantine --------------------------------------------------------------------------------------
def quarantine(ctx: UserContext, findings: list[Finding], path: Path) -> int:
    """Write what the findings name to `path` (as stored: sealed values stay sealed), then take
    it out of the database in one transaction: records are deleted (with a tombstone, so a sync
    does not bring them back), one-row columns emptied. Returns how many entries moved.

    The caller backs the database up first.
    """
    db = ctx.db
    entries: list[dict[str, Any]] = []
    for f in findings:
        stored = _stored(ctx, f)
        if stored is not None:
            entries.append({**f.as_dict(), "stored": stored})
    if not entries:
        return 0
    document = {"format": QUARANTINE_FORMAT, "user_id": ctx.user_id, "moved_at": now_iso(), "entries": entries}
    data = (json.dumps(document, ensure_ascii=False, indent=1, default=str) + "\n").encode("utf-8")
    atomic_write_bytes(Path(path), data, mode=0o600)
    with db.transaction():
        for f in findings:
            _remove(ctx, f)
    return len(entries)


def _target(f: Finding) -> tuple[str, str | None]:
    """The row to move: a tree whose edges are wrong moves whole."""
    if f.table in SINGLE_ROW_COLUMNS or f.table == "user_settings":
        return f.table, f.column
    return f.table, None


def _stored(ctx: UserContext, f: Finding) -> dict[str, Any] | None:
    table, column = _target(f)
    if table in SINGLE_ROW_COLUMNS or table == "user_settings":
        row = ctx.db.one(f"SELECT * FROM {table} WHERE user_id = ?", (ctx.user_id,))
        if row is None:
            return None
        return {column: row[column]} if column else dict(row)
    row = ctx.db.one(f"SELECT * FROM {table} WHERE id = ?", (f.row_id,))
    return None if row is None else dict(row)


def _remove(ctx: UserContext, f: Finding) -> None:
    db = ctx.db
    table, column = _target(f)
    if table == "user_settings":
        # A setting falls back to its default (a colour pair, both colours); the row stays.
        columns = ("background_color", "text_color") if column in ("background_color", "text_color") else (column,)
        defaults = Settings()
        for name in columns:
            if name is None:
                continue
            value = getattr(defaults, name)
            db.execute(
                f"UPDATE user_settings SET {name} = ?, updated_at = ? WHERE user_id = ?",
                (int(value) if isinstance(value, bool) else value, now_iso(), ctx.user_id),
            )
    elif table in SINGLE_ROW_COLUMNS:
        if column is not None:
            db.execute(
                f"UPDATE {table} SET {column} = NULL, updated_at = ? WHERE user_id = ?", (now_iso(), ctx.user_id)
            )
    else:
        found = db.one(f"SELECT * FROM {table} WHERE id = ?", (f.row_id,))
        if found is None:
            return
        row: dict[str, Any] = dict(found)
        db.execute(f"DELETE FROM {table} WHERE id = ?", (f.row_id,))
        origin = row.get("origin")
        ctx.tombstone(table, f.row_id, origin=origin)
