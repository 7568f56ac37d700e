"""Target companies for the job search (networking prep)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..context import UserContext
from ..rules import records as rules
from ..topics import causes, tool_write
from . import _common as c

TOOL_ID = "networking-prep"
TABLE = "user_companies"
STATUSES = rules.COMPANY_STATUSES
FIELDS = ("name", "status", "research_notes", "url")


def _validate(d: Mapping[str, Any]) -> dict[str, Any]:
    c.check_keys(d, FIELDS, "The company")
    return rules.check_record(TABLE, d)


@causes(*tool_write(TOOL_ID))
def create(ctx: UserContext, data: Mapping[str, Any], origin: str | None = None) -> str:
    origin = c.require_unlocked(ctx, TOOL_ID, origin)
    values = _validate(c.require_mapping(data, "The company"))
    with ctx.db.transaction():
        return c.insert_row(ctx, TABLE, {**values, "origin": origin})


@causes(*tool_write(TOOL_ID))
def update(ctx: UserContext, row_id: str, data: Mapping[str, Any], origin: str | None = None) -> None:
    c.require_unlocked(ctx, TOOL_ID, origin)
    current = c.fetch_row(ctx, TABLE, row_id, "company")
    values = _validate({k: current[k] for k in FIELDS} | c.require_mapping(data, "The company"))
    with ctx.db.transaction():
        c.update_row(ctx, TABLE, row_id, values)


@causes(*tool_write(TOOL_ID))
def delete(ctx: UserContext, row_id: str, origin: str | None = None) -> None:
    """Contacts and jobs at the company stay, no longer linked to it."""
    c.require_unlocked(ctx, TOOL_ID, origin)
    c.fetch_row(ctx, TABLE, row_id, "company")
    c.delete_row(ctx, TABLE, row_id)


def _out(row: dict[str, Any]) -> dict[str, Any]:
    row.pop("user_id", None)
    return row


def get(ctx: UserContext, row_id: str) -> dict[str, Any]:
    return _out(c.fetch_row(ctx, TABLE, row_id, "company"))


def list_(ctx: UserContext, status: str | None = None) -> list[dict[str, Any]]:
    """Alphabetical; status filters by one status."""
    wanted = c.enum(status, "status", STATUSES)
    where, params = ("status = ?", [wanted]) if wanted else ("", [])
    return [_out(r) for r in c.list_rows(ctx, TABLE, "lower(name), created_at", where, params)]


def apply_prompt_value(ctx: UserContext, value: Any, origin: str | None, config: Mapping[str, Any]
                       ) -> list[str]:
    """value: a list of company dicts (with "id" to edit one written earlier, e.g. in 3.4.1)."""
    return c.sync_records(ctx, value, origin, what="company", table=TABLE, create=create, update=update,
                          delete=delete)


def count_for_origin(ctx: UserContext, origin: str | None) -> int:
    """The company list is revisited (3.3.4 builds it, 3.4.1 researches it): all companies count."""
    return c.count_rows(ctx, TABLE)
