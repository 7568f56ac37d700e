"""Job tracker: opportunities moving through saved -> applied -> interviewing -> offer -> closed."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any

from ..clock import today_local
from ..context import UserContext
from ..rules import records as rules
from ..topics import causes, tool_write
from . import _common as c

TOOL_ID = "job-prospector"
TABLE = "user_jobs"
PIPELINE = rules.JOB_PIPELINE
FIELDS = ("title", "company_id", "posting_url", "application_status", "notes", "follow_up_on")


def _validate(ctx: UserContext, d: Mapping[str, Any]) -> dict[str, Any]:
    c.check_keys(d, FIELDS, "The job")
    # Any move along the pipeline is allowed, forwards or back; only the value is checked.
    status = c.or_default(d.get("application_status"), "saved")
    return {
        **rules.check_record(TABLE, {**d, "application_status": status}),
        "company_id": c.owned_id(ctx, "user_companies", d.get("company_id"), "company_id", "companies"),
    }


@causes(*tool_write(TOOL_ID))
def create(ctx: UserContext, data: Mapping[str, Any], origin: str | None = None) -> str:
    origin = c.require_unlocked(ctx, TOOL_ID, origin)
    values = _validate(ctx, c.require_mapping(data, "The job"))
    with ctx.db.transaction():
        return c.insert_row(ctx, TABLE, {**values, "origin": origin})


@causes(*tool_write(TOOL_ID))
def update(ctx: UserContext, row_id: str, data: Mapping[str, Any], origin: str | None = None) -> None:
    c.require_unlocked(ctx, TOOL_ID, origin)
    current = c.fetch_row(ctx, TABLE, row_id, "job")
    values = _validate(ctx, {k: current[k] for k in FIELDS} | c.require_mapping(data, "The job"))
    with ctx.db.transaction():
        c.update_row(ctx, TABLE, row_id, values)


def set_status(ctx: UserContext, row_id: str, status: str, origin: str | None = None) -> None:
    update(ctx, row_id, {"application_status": c.enum(status, "application_status", PIPELINE, required=True)},
           origin=origin)


@causes(*tool_write(TOOL_ID))
def delete(ctx: UserContext, row_id: str, origin: str | None = None) -> None:
    c.require_unlocked(ctx, TOOL_ID, origin)
    c.fetch_row(ctx, TABLE, row_id, "job")
    c.delete_row(ctx, TABLE, row_id)


def _out(row: dict[str, Any]) -> dict[str, Any]:
    row.pop("user_id", None)
    return row


def get(ctx: UserContext, row_id: str) -> dict[str, Any]:
    return _out(c.fetch_row(ctx, TABLE, row_id, "job"))


def list_(ctx: UserContext, status: str | None = None) -> list[dict[str, Any]]:
    """Newest first; status filters by one pipeline stage."""
    wanted = c.enum(status, "status", PIPELINE)
    where, params = ("application_status = ?", [wanted]) if wanted else ("", [])
    return [_out(r) for r in c.list_rows(ctx, TABLE, "created_at DESC, rowid DESC", where, params)]


def due_follow_ups(ctx: UserContext, today: _dt.date | str | None = None) -> list[dict[str, Any]]:
    """Open jobs (not closed) whose follow-up date is today or earlier, oldest date first."""
    day = c.iso_date(today, "today") or today_local().isoformat()
    return [_out(r) for r in c.list_rows(
        ctx, TABLE, "follow_up_on, created_at",
        "follow_up_on IS NOT NULL AND follow_up_on <= ? AND application_status IS NOT 'closed'", [day])]


def apply_prompt_value(ctx: UserContext, value: Any, origin: str | None, config: Mapping[str, Any]
                       ) -> list[str]:
    """value: a list of job dicts (with "id" to move one written earlier along the pipeline)."""
    return c.sync_records(ctx, value, origin, what="job", table=TABLE, create=create, update=update,
                          delete=delete)


def count_for_origin(ctx: UserContext, origin: str | None) -> int:
    """Jobs are one pipeline revisited (3.5.1 adds, 3.5.5 updates): all of them count."""
    return c.count_rows(ctx, TABLE)
