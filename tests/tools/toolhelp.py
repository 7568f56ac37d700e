"""Helpers for the tool tests: unlocking tools the way the workbook does (an exercise_progress
row for the unlocking exercise) and raw looks at the tables."""

from __future__ import annotations

from typing import Any

from dreamtree_desktop.clock import now_iso
from dreamtree_desktop.context import UserContext


def mark_answered(ctx: UserContext, exercise_id: str) -> None:
    full = ctx.db.scalar(
        "SELECT full_exercise_id FROM exercise_sequence WHERE exercise_id = ?", (exercise_id,)
    )
    assert full, exercise_id
    stamp = now_iso()
    with ctx.db.transaction():
        ctx.db.execute(
            "INSERT OR IGNORE INTO exercise_progress (user_id, exercise_id, full_exercise_id, "
            "first_responded_at, responded_at) VALUES (?, ?, ?, ?, ?)",
            (ctx.user_id, exercise_id, full, stamp, stamp),
        )


def unlock_tool(ctx: UserContext, tool_id: str) -> None:
    exercise = ctx.db.scalar("SELECT exercise_id FROM exercise_sequence WHERE unlocks_tool = ?", (tool_id,))
    assert exercise, tool_id
    mark_answered(ctx, exercise)


def all_tools(ctx: UserContext) -> list[str]:
    return [
        r[0]
        for r in ctx.db.query(
            "SELECT DISTINCT unlocks_tool FROM exercise_sequence WHERE unlocks_tool IS NOT NULL"
        )
    ]


def rows(
    ctx: UserContext, table: str, where: str = "1", params: tuple[Any, ...] = ()
) -> list[dict[str, Any]]:
    return [dict(r) for r in ctx.db.query(f"SELECT * FROM {table} WHERE {where}", params)]


def count(ctx: UserContext, table: str, where: str = "1", params: tuple[Any, ...] = ()) -> int:
    return int(ctx.db.scalar(f"SELECT count(*) FROM {table} WHERE {where}", params))


def tombstoned(ctx: UserContext, table: str, row_id: str) -> dict[str, Any] | None:
    row = ctx.db.one(
        "SELECT * FROM tombstones WHERE user_id = ? AND table_name = ? AND row_id = ?",
        (ctx.user_id, table, row_id),
    )
    return None if row is None else dict(row)


def snapshot(ctx: UserContext) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every user table (and skills, tombstones, settings), to show a rejected call
    wrote nothing at all."""
    names = [
        r[0]
        for r in ctx.db.query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND (name LIKE 'user_%' OR name IN "
            "('tombstones', 'skills')) ORDER BY name"
        )
    ]
    return {n: [tuple(r) for r in ctx.db.query(f"SELECT * FROM {n} ORDER BY rowid")] for n in names}
