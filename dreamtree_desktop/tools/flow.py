"""Flow tracker: activities logged with the energy they gave (-2..2) and the focus they held (1..5)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any

from ..clock import today_local
from ..context import UserContext
from ..rules import records as rules
from ..topics import causes, tool_write
from . import _common as c

TOOL_ID = "flow-tracker"
TABLE = "user_flow_logs"
FIELDS = ("activity", "energy", "focus", "logged_date")
MAX_ACTIVITY = rules.MAX_ACTIVITY


def is_high_flow(energy: int, focus: int) -> bool:
    """High flow: the activity gave energy (>= 1) and held focus (>= 4)."""
    return energy >= 1 and focus >= 4


def _validate(d: Mapping[str, Any]) -> dict[str, Any]:
    c.check_keys(d, FIELDS, "The flow log")
    return {
        **rules.check_record(
            TABLE, {**d, "logged_date": c.iso_date(d.get("logged_date"), "logged_date") or today_local().isoformat()}
        ),
    }


@causes(*tool_write(TOOL_ID))
def create(ctx: UserContext, data: Mapping[str, Any], origin: str | None = None) -> str:
    origin = c.require_unlocked(ctx, TOOL_ID, origin)
    values = _validate(c.require_mapping(data, "The flow log"))
    with ctx.db.transaction():
        return c.insert_row(ctx, TABLE, {**values, "origin": origin})


def log(ctx: UserContext, activity: str, energy: int, focus: int, logged_date: str | None = None,
        origin: str | None = None) -> str:
    """Log one activity; logged_date defaults to today (local)."""
    return create(ctx, {"activity": activity, "energy": energy, "focus": focus, "logged_date": logged_date},
                  origin=origin)


@causes(*tool_write(TOOL_ID))
def update(ctx: UserContext, row_id: str, data: Mapping[str, Any], origin: str | None = None) -> None:
    c.require_unlocked(ctx, TOOL_ID, origin)
    current = c.fetch_row(ctx, TABLE, row_id, "flow log")
    d = c.require_mapping(data, "The flow log")
    values = _validate({k: current[k] for k in FIELDS} | d)
    with ctx.db.transaction():
        c.update_row(ctx, TABLE, row_id, values)


@causes(*tool_write(TOOL_ID))
def delete(ctx: UserContext, row_id: str, origin: str | None = None) -> None:
    c.require_unlocked(ctx, TOOL_ID, origin)
    c.fetch_row(ctx, TABLE, row_id, "flow log")
    c.delete_row(ctx, TABLE, row_id)


def _out(row: dict[str, Any]) -> dict[str, Any]:
    row.pop("user_id", None)
    row["high_flow"] = is_high_flow(row["energy"], row["focus"])
    return row


def get(ctx: UserContext, row_id: str) -> dict[str, Any]:
    return _out(c.fetch_row(ctx, TABLE, row_id, "flow log"))


def list_(ctx: UserContext, since: str | None = None) -> list[dict[str, Any]]:
    """Newest first; since (YYYY-MM-DD) keeps logs from that date on."""
    start = c.iso_date(since, "since")
    where, params = ("logged_date >= ?", [start]) if start else ("", [])
    return [_out(r) for r in c.list_rows(ctx, TABLE, "logged_date DESC, created_at DESC, rowid DESC",
                                         where, params)]


def high_flow_activities(ctx: UserContext, limit: int | None = None) -> list[str]:
    """Distinct high-flow activities (same text ignoring case), most frequent first, then most recent."""
    limit = c.integer(limit, "limit", 1, 10_000)
    groups: dict[str, dict[str, Any]] = {}
    rows = ctx.db.query(
        "SELECT activity, logged_date FROM user_flow_logs WHERE user_id = ? AND energy >= 1 AND focus >= 4 "
        "ORDER BY logged_date DESC, created_at DESC, rowid DESC", (ctx.user_id,))
    for row in rows:
        key = " ".join(row["activity"].split()).casefold()
        group = groups.get(key)
        if group is None:
            # The first row seen is the newest, so its wording represents the group.
            groups[key] = {"text": row["activity"], "count": 1, "order": len(groups)}
        else:
            group["count"] += 1
    ordered = sorted(groups.values(), key=lambda g: (-g["count"], g["order"]))
    names = [g["text"] for g in ordered]
    return names[:limit] if limit else names


def series(ctx: UserContext, days: int | None = None) -> list[dict[str, Any]]:
    """One point per logged day, oldest first: date, logs, average energy and focus, high-flow logs.

    days limits it to the last N days up to today (local).
    """
    days = c.integer(days, "days", 1, 36_500)
    sql = ("SELECT logged_date, count(*) AS logs, avg(energy) AS energy, avg(focus) AS focus, "
           "sum(CASE WHEN energy >= 1 AND focus >= 4 THEN 1 ELSE 0 END) AS high_flow "
           "FROM user_flow_logs WHERE user_id = ?")
    params: list[Any] = [ctx.user_id]
    if days:
        sql += " AND logged_date >= ?"
        params.append((today_local() - _dt.timedelta(days=days - 1)).isoformat())
    sql += " GROUP BY logged_date ORDER BY logged_date"
    return [{"date": r["logged_date"], "logs": r["logs"], "avg_energy": float(r["energy"]),
             "avg_focus": float(r["focus"]), "high_flow": r["high_flow"]} for r in ctx.db.query(sql, params)]


def apply_prompt_value(ctx: UserContext, value: Any, origin: str | None, config: Mapping[str, Any]
                       ) -> list[str]:
    """value: a list of {activity, energy, focus, logged_date?} (with "id" to edit one)."""
    return c.sync_records(ctx, value, origin, what="flow log", table=TABLE, create=create, update=update,
                          delete=delete)


def count_for_origin(ctx: UserContext, origin: str | None) -> int:
    """Logs made in that exercise (each exercise asks for new ones)."""
    return len(c.ids_for_origin(ctx, TABLE, origin))
