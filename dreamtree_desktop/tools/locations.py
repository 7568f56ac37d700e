"""Places the user would consider living, ranked, with the traits liked and disliked about each.

The workbook fills these with the ranking grid (exercise 1.2.1), so standalone use follows the
ranking grid's unlock.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..context import UserContext
from ..rules import records as rules
from ..topics import causes, tool_write
from . import _common as c

TOOL_ID = "ranking-grid"
TABLE = "user_locations"
FIELDS = ("name", "rank", "traits_liked", "traits_disliked", "notes")


def _validate(d: Mapping[str, Any]) -> dict[str, Any]:
    c.check_keys(d, FIELDS, "The place")
    return {
        **rules.check_record(TABLE, d),
    }


@causes(*tool_write(TOOL_ID))
def create(ctx: UserContext, data: Mapping[str, Any], origin: str | None = None) -> str:
    """A new place; without a rank it goes to the end of the list."""
    origin = c.require_unlocked(ctx, TOOL_ID, origin)
    values = _validate(c.require_mapping(data, "The place"))
    c.check_rank_free(ctx, TABLE, values["rank"], None, "place")
    with ctx.db.transaction():
        if values["rank"] is None:
            values["rank"] = c.next_rank(ctx, TABLE)
        return c.insert_row(ctx, TABLE, {**values, "origin": origin})


@causes(*tool_write(TOOL_ID))
def update(ctx: UserContext, row_id: str, data: Mapping[str, Any], origin: str | None = None) -> None:
    c.require_unlocked(ctx, TOOL_ID, origin)
    current = c.fetch_row(ctx, TABLE, row_id, "place")
    values = _validate({k: current[k] for k in FIELDS} | c.require_mapping(data, "The place"))
    c.check_rank_free(ctx, TABLE, values["rank"], row_id, "place")
    with ctx.db.transaction():
        c.update_row(ctx, TABLE, row_id, values)


@causes(*tool_write(TOOL_ID))
def delete(ctx: UserContext, row_id: str, origin: str | None = None) -> None:
    c.require_unlocked(ctx, TOOL_ID, origin)
    c.fetch_row(ctx, TABLE, row_id, "place")
    with ctx.db.transaction():
        c.delete_row(ctx, TABLE, row_id)
        c.compact_ranks(ctx, TABLE)


@causes(*tool_write(TOOL_ID))
def rank(ctx: UserContext, ordered_ids: list[str], origin: str | None = None) -> list[str]:
    """Rank these places 1..n; the others follow in their previous order. Returns the full order."""
    c.require_unlocked(ctx, TOOL_ID, origin)
    return c.apply_ranks(ctx, TABLE, ordered_ids, "place")


def _out(row: dict[str, Any]) -> dict[str, Any]:
    row.pop("user_id", None)
    return row


def get(ctx: UserContext, row_id: str) -> dict[str, Any]:
    return _out(c.fetch_row(ctx, TABLE, row_id, "place"))


def list_(ctx: UserContext) -> list[dict[str, Any]]:
    """In rank order."""
    return [_out(r) for r in c.list_rows(ctx, TABLE, "rank IS NULL, rank, created_at, rowid")]


def apply_prompt_value(ctx: UserContext, value: Any, origin: str | None, config: Mapping[str, Any]
                       ) -> list[str]:
    """value: a list of places in rank order (rank comes from the order; a "rank" field is ignored)."""
    if value is None:
        return c.ids_for_origin(ctx, TABLE, origin)
    items = c.record_list(value, "place")
    stripped = [{k: v for k, v in item.items() if k != "rank"} if isinstance(item, Mapping) else item
                for item in items]
    with ctx.db.transaction():
        kept = c.sync_records(ctx, stripped, origin, what="place", table=TABLE, create=create,
                              update=update, delete=delete)
        c.apply_ranks(ctx, TABLE, kept, "place")
    return kept


def count_for_origin(ctx: UserContext, origin: str | None) -> int:
    """Places are one ranked collection: all of them count."""
    return c.count_rows(ctx, TABLE)
