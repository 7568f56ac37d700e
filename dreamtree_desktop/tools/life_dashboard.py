"""Life dashboard: work, play, love and health, each 1-10, plus notes.

The current reading lives in user_profile (life_dashboard_*); every save also appends a snapshot
so the user can see how the gauges move over time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..clock import now_iso
from ..context import UserContext
from ..rules import records as rules
from ..topics import causes, tool_write
from . import _common as c

TOOL_ID = "life-dashboard"
TABLE = "user_dashboard_snapshots"
GAUGES = ("work", "play", "love", "health")


def ensure_profile(ctx: UserContext) -> None:
    """Create the user's user_profile row when it does not exist yet."""
    stamp = now_iso()
    ctx.db.execute("INSERT INTO user_profile (user_id, created_at, updated_at) VALUES (?, ?, ?) "
                   "ON CONFLICT(user_id) DO NOTHING", (ctx.user_id, stamp, stamp))


def _validate(d: Mapping[str, Any]) -> dict[str, Any]:
    c.check_keys(d, (*GAUGES, "notes"), "The life dashboard")
    out = rules.check_record(TABLE, d)
    return out


@causes(*tool_write(TOOL_ID))
def save(ctx: UserContext, work: int, play: int, love: int, health: int, notes: str | None = None,
         origin: str | None = None) -> str:
    """Record a reading: updates the profile's current values and appends a snapshot (its id is returned)."""
    origin = c.require_unlocked(ctx, TOOL_ID, origin)
    values = _validate({"work": work, "play": play, "love": love, "health": health, "notes": notes})
    stamp = now_iso()
    with ctx.db.transaction():
        _write_profile(ctx, values)
        return c.insert_row(ctx, TABLE, {**values, "origin": origin, "recorded_at": stamp})


def _write_profile(ctx: UserContext, values: Mapping[str, Any]) -> None:
    ensure_profile(ctx)
    ctx.db.execute(
        "UPDATE user_profile SET life_dashboard_work = ?, life_dashboard_play = ?, life_dashboard_love = ?, "
        "life_dashboard_health = ?, life_dashboard_notes = ?, updated_at = ? WHERE user_id = ?",
        (values["work"], values["play"], values["love"], values["health"], values["notes"], now_iso(),
         ctx.user_id))


def create(ctx: UserContext, data: Mapping[str, Any], origin: str | None = None) -> str:
    d = c.require_mapping(data, "The life dashboard")
    _validate(d)
    return save(ctx, d["work"], d["play"], d["love"], d["health"], d.get("notes"), origin=origin)


def get(ctx: UserContext) -> dict[str, Any] | None:
    """The current reading {work, play, love, health, notes}, or None before the first."""
    row = ctx.db.one("SELECT life_dashboard_work AS work, life_dashboard_play AS play, "
                     "life_dashboard_love AS love, life_dashboard_health AS health, "
                     "life_dashboard_notes AS notes FROM user_profile WHERE user_id = ?", (ctx.user_id,))
    if row is None or row["work"] is None:
        return None
    return dict(row)


def history(ctx: UserContext) -> list[dict[str, Any]]:
    """Every snapshot, oldest first."""
    rows = ctx.db.query("SELECT id, work, play, love, health, notes, origin, recorded_at FROM "
                        "user_dashboard_snapshots WHERE user_id = ? ORDER BY recorded_at, rowid",
                        (ctx.user_id,))
    return [dict(r) for r in rows]


list_ = history


@causes(*tool_write(TOOL_ID))
def delete(ctx: UserContext, snapshot_id: str, origin: str | None = None) -> None:
    """Remove one snapshot from the history (the current reading stays)."""
    c.require_unlocked(ctx, TOOL_ID, origin)
    c.fetch_row(ctx, TABLE, snapshot_id, "dashboard snapshot")
    c.delete_row(ctx, TABLE, snapshot_id)


def apply_prompt_value(ctx: UserContext, value: Any, origin: str | None, config: Mapping[str, Any]
                       ) -> list[str]:
    """value: {work, play, love, health, notes?}; returns [snapshot id]. Answering the same
    prompt again corrects that exercise's snapshot rather than adding another."""
    earlier = c.ids_for_origin(ctx, TABLE, origin)
    if value is None:
        return earlier
    if not earlier or origin is None:
        return [create(ctx, value, origin=origin)]
    values = _validate(c.require_mapping(value, "The life dashboard"))
    with ctx.db.transaction():
        _write_profile(ctx, values)
        # Keep the first snapshot's id and date, with the corrected values.
        c.update_row(ctx, TABLE, earlier[0], values)
        for extra in earlier[1:]:
            c.delete_row(ctx, TABLE, extra)
    return [earlier[0]]


def count_for_origin(ctx: UserContext, origin: str | None) -> int:
    """Readings taken in that exercise."""
    return c.count_rows(ctx, TABLE, "origin IS ?", (origin,))
