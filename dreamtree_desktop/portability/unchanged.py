"""Telling an import that would change nothing, so that it writes nothing: no backup, no new
stamps, no rows queued for the next sync."""

from __future__ import annotations

from typing import Any

from ..context import UserContext
from ..pii import PII_COLUMNS, PROMPT_PII_COLUMNS
from ..security.envelope import decrypt_value, encrypt_value
from ..security.errors import EnvelopeError
from .document import Doc
from .merge import MergeResult
from .personal import Transform

# What apply_document stores besides the modules and standalone items; the rest of a document
# (when it was exported, by which app, the wrapped key) is never written by an import.
_STORED_PARTS = ("user", "pii", "custom_skills", "tombstones")
_DATED = ("user_profile", "user_values", "user_budget")  # their updated_at follows the module
_SINGLE_ROW = frozenset({"user_profile", "user_values", "user_budget", "user_settings"})


def nothing_changes(local: Doc, result: MergeResult, stored_settings: Any) -> bool:
    """True when applying `result` would store what `local` (the folder's own export) holds;
    `stored_settings`: the folder's settings (a restore into a fresh install leaves them out of
    `local` so that the file's win).

    Both documents are in memory already; they are compared part by part, module by module and
    table by table, without building another copy of either.
    """
    if result.revisions or result.record_revisions:
        return False
    merged = result.doc
    if merged.get("settings") != stored_settings:
        return False
    if any(merged.get(part) != local.get(part) for part in _STORED_PARTS):
        return False
    mine, theirs = local.get("standalone") or {}, merged.get("standalone") or {}
    if mine.keys() != theirs.keys() or not all(_same_records(mine[t], theirs[t]) for t in mine):
        return False
    mine, theirs = local.get("modules") or {}, merged.get("modules") or {}
    return mine.keys() == theirs.keys() and all(_same_unit(mine[m], theirs[m]) for m in mine)


def _same_records(stored: list[dict[str, Any]], merged: list[dict[str, Any]]) -> bool:
    """Standalone records as stored. Their content_hash is not stored (the export derives it,
    over the envelopes), so a file's hash over the plain values does not count as a change."""
    if stored == merged:
        return True
    return len(stored) == len(merged) and all(
        a.keys() == b.keys() and all(a[k] == b[k] for k in a if k != "content_hash")
        for a, b in zip(stored, merged, strict=True)
    )


def _same_unit(stored: Doc, merged: Doc) -> bool:
    if stored.keys() != merged.keys():
        return False
    if any(stored[k] != merged[k] for k in stored if k != "last_modified_at"):
        return False
    if stored.get("last_modified_at") == merged.get("last_modified_at"):
        return True
    # The stamp of a module that is not complete is not stored (the export derives it from its
    # answers), unless it dates the module's one-row columns.
    columns = merged.get("columns") or {}
    return not merged.get("first_completed_at") and not any(
        v is not None for table, values in columns.items() if table in _DATED for v in values.values()
    )


def keeping_sealer(ctx: UserContext, key: bytes | bytearray) -> Transform:
    """Seal plain values for this folder's user, reusing the stored envelope of a value that
    equals what is stored at that place (same table, row and column)."""
    uid = ctx.user_id

    def seal(value: Any, table: str, column: str, row_id: str) -> str:
        stored = _stored(ctx, table, column, row_id)
        if isinstance(stored, str):
            try:
                same = decrypt_value(key, stored, user_id=uid, table=table, column=column, row_id=row_id) == value
            except (EnvelopeError, ValueError, TypeError):
                same = False
            if same:
                return stored
        return encrypt_value(key, value, user_id=uid, table=table, column=column, row_id=row_id)

    return seal


def _stored(ctx: UserContext, table: str, column: str, row_id: str) -> Any:
    known = column in PII_COLUMNS.get(table, ()) or PROMPT_PII_COLUMNS.get(table) == column
    if not known:
        return None
    if table in _SINGLE_ROW:
        return ctx.db.scalar(f"SELECT {column} FROM {table} WHERE user_id = ?", (ctx.user_id,))
    if table == "user_list_items":
        return ctx.db.scalar(
            "SELECT i.content FROM user_list_items i JOIN user_lists l ON l.id = i.list_id "
            "WHERE i.id = ? AND l.user_id = ?",
            (row_id, ctx.user_id),
        )
    return ctx.db.scalar(f"SELECT {column} FROM {table} WHERE id = ? AND user_id = ?", (row_id, ctx.user_id))
