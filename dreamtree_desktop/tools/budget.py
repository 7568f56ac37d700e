"""Budget and BATNA: monthly expenses -> annual needs (x12) -> hourly BATNA (/2080), in integer cents.

Every column of user_budget is personal: each is stored as an envelope sealed to
('user_budget', column, user_id). Nothing is ever written in plain text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..clock import now_iso
from ..context import UNREADABLE, UserContext
from ..rules import records as rules
from ..topics import causes, tool_write
from . import _common as c

TOOL_ID = "budget-calculator"
TABLE = "user_budget"
TEXT_COLUMNS = ("benefits_needed", "notes")
WORK_HOURS_PER_YEAR = 2080
MAX_LINES = rules.MAX_BUDGET_LINES
MAX_LINE_CENTS = rules.MAX_LINE_CENTS


def monthly_total(lines: Sequence[Mapping[str, Any]]) -> int:
    return sum(int(line["monthly_cents"]) for line in lines)


def annual_needs(monthly_cents: int) -> int:
    return monthly_cents * 12


def hourly_batna(annual_cents: int) -> int:
    """annual / 2080, rounded half-up to the cent (integer arithmetic, no floats)."""
    return (annual_cents * 2 + WORK_HOURS_PER_YEAR) // (WORK_HOURS_PER_YEAR * 2)


def totals(lines: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    monthly = monthly_total(lines)
    annual = annual_needs(monthly)
    return {"monthly_expenses": monthly, "annual_needs": annual, "hourly_batna": hourly_batna(annual)}


def validate_lines(value: Any) -> list[dict[str, Any]]:
    return rules.budget_lines(value, "lines")


def _row(ctx: UserContext) -> dict[str, Any] | None:
    row = ctx.db.one("SELECT * FROM user_budget WHERE user_id = ?", (ctx.user_id,))
    return None if row is None else dict(row)


def _seal(ctx: UserContext, column: str, value: Any) -> str | None:
    return ctx.seal(TABLE, column, ctx.user_id, value)


def _write(ctx: UserContext, sealed: dict[str, str | None]) -> None:
    current = get(ctx)
    if current is not None:
        c.refuse_unreadable(dict.fromkeys(current["unreadable"], UNREADABLE), sealed, "Part of your budget")
    with ctx.db.transaction():
        if _row(ctx) is None:
            _insert(ctx, sealed)
        else:
            ctx.db.execute(
                f"UPDATE user_budget SET {', '.join(f'{k} = ?' for k in sealed)}, updated_at = ? "
                "WHERE user_id = ?",
                [*sealed.values(), now_iso(), ctx.user_id],
            )


def _insert(ctx: UserContext, sealed: dict[str, str | None]) -> None:
    stamp = now_iso()
    row = {"user_id": ctx.user_id, **sealed, "created_at": stamp, "updated_at": stamp}
    ctx.db.execute(f"INSERT INTO user_budget ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
                   list(row.values()))


@causes(*tool_write(TOOL_ID))
def save(ctx: UserContext, lines: Sequence[Mapping[str, Any]], benefits_needed: str | None = None,
         notes: str | None = None, origin: str | None = None) -> dict[str, Any]:
    """Store the expense lines and their totals. benefits_needed / notes: None leaves the stored
    text as it is, "" clears it. Returns get(ctx)."""
    c.require_unlocked(ctx, TOOL_ID, origin)
    clean = validate_lines(lines)
    figures = totals(clean)
    sealed: dict[str, str | None] = {"expense_lines": _seal(ctx, "expense_lines", clean)}
    for column, amount in figures.items():
        sealed[column] = _seal(ctx, column, amount)
    for column, value in (("benefits_needed", benefits_needed), ("notes", notes)):
        if value is not None:
            sealed[column] = _seal(ctx, column, c.text(value, column))
    _write(ctx, sealed)
    result = get(ctx)
    assert result is not None
    return result


@causes(*tool_write(TOOL_ID))
def set_column(ctx: UserContext, column: str, text: str | None, origin: str | None = None) -> None:
    """Write benefits_needed or notes alone (the workbook's text prompts aimed at user_budget)."""
    c.require_unlocked(ctx, TOOL_ID, origin)
    col = c.enum(column, "column", TEXT_COLUMNS, required=True)
    assert col is not None
    _write(ctx, {col: _seal(ctx, col, c.text(text, col))})


def get(ctx: UserContext) -> dict[str, Any] | None:
    """The decrypted budget, or None when there is none. Raises PiiLockedError without the key.
    A column whose sealed value does not open is UNREADABLE and named in "unreadable"."""
    row = _row(ctx)
    if row is None:
        return None
    out: dict[str, Any] = {}
    for column in ("expense_lines", "monthly_expenses", "annual_needs", "hourly_batna", *TEXT_COLUMNS):
        out[column] = ctx.read_sealed(TABLE, column, ctx.user_id, row[column])
    out["unreadable"] = [k for k, v in out.items() if v is UNREADABLE]
    out["lines"] = out.pop("expense_lines") or []
    out["created_at"], out["updated_at"] = row["created_at"], row["updated_at"]
    return out


@causes(*tool_write(TOOL_ID))
def delete(ctx: UserContext, origin: str | None = None) -> None:
    c.require_unlocked(ctx, TOOL_ID, origin)
    if _row(ctx) is None:
        return
    with ctx.db.transaction():
        ctx.db.execute("DELETE FROM user_budget WHERE user_id = ?", (ctx.user_id,))
        ctx.tombstone(TABLE, ctx.user_id, origin=origin)


def apply_prompt_value(ctx: UserContext, value: Any, origin: str | None, config: Mapping[str, Any]
                       ) -> list[str]:
    """value: {lines: [...], benefits_needed?, notes?}; returns [user_id] (the budget's row id)."""
    if value is None:
        return [ctx.user_id] if _row(ctx) else []
    d = c.require_mapping(value, "The budget answer")
    c.check_keys(d, ("lines", "benefits_needed", "notes"), "The budget answer")
    save(ctx, d.get("lines", []), d.get("benefits_needed"), d.get("notes"), origin=origin)
    return [ctx.user_id]


def count_for_origin(ctx: UserContext, origin: str | None) -> int:
    """1 once expense lines are saved (the budget is one record per user)."""
    row = _row(ctx)
    return 1 if row is not None and row["expense_lines"] is not None else 0
