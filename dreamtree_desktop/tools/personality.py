"""Personality type: one of the sixteen four-letter codes, kept in user_settings.personality_type."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..clock import now_iso
from ..context import UserContext
from ..errors import UserInputError
from . import _common as c

TOOL_ID = "personality-selector"
# Each slider runs from the first letter (-100) to the second (+100); 0 leans to the first.
AXES = (("ei", "E", "I"), ("sn", "S", "N"), ("tf", "T", "F"), ("jp", "J", "P"))


def types(ctx: UserContext) -> list[dict[str, Any]]:
    """[{code, name, summary}] for the sixteen types, by code."""
    return [dict(r) for r in ctx.db.query("SELECT code, name, summary FROM personality_types ORDER BY code")]


def type_info(ctx: UserContext, code: str) -> dict[str, Any] | None:
    row = ctx.db.one("SELECT code, name, summary FROM personality_types WHERE code = ?", (code,))
    return None if row is None else dict(row)


def _code(ctx: UserContext, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or type_info(ctx, value.strip().upper()) is None:
        raise UserInputError("code must be one of the sixteen personality codes, such as INTJ.")
    return value.strip().upper()


def set_type(ctx: UserContext, code: str | None, origin: str | None = None) -> str | None:
    """Store the user's type (None clears it); returns the stored code."""
    c.require_unlocked(ctx, TOOL_ID, origin)
    stored = _code(ctx, code)
    with ctx.db.transaction():
        changed = ctx.db.execute(
            "UPDATE user_settings SET personality_type = ?, updated_at = ? WHERE user_id = ?",
            (stored, now_iso(), ctx.user_id)).rowcount
        if not changed:
            stamp = now_iso()
            ctx.db.execute("INSERT INTO user_settings (user_id, personality_type, created_at, updated_at) "
                           "VALUES (?, ?, ?, ?)", (ctx.user_id, stored, stamp, stamp))
    return stored


def get(ctx: UserContext) -> dict[str, Any] | None:
    """The user's type as {code, name, summary}, or None."""
    code = ctx.db.scalar("SELECT personality_type FROM user_settings WHERE user_id = ?", (ctx.user_id,))
    return None if code is None else type_info(ctx, code)


def from_sliders(ei: int, sn: int, tf: int, jp: int) -> str:
    """Four sliders, each -100..100 (negative: E, S, T, J; positive: I, N, F, P; 0 counts as the first)."""
    letters = []
    for (field, first, second), value in zip(AXES, (ei, sn, tf, jp), strict=True):
        number = c.integer(value, field, -100, 100, required=True)
        assert number is not None
        letters.append(second if number > 0 else first)
    return "".join(letters)


def apply_prompt_value(ctx: UserContext, value: Any, origin: str | None, config: Mapping[str, Any]
                       ) -> list[str]:
    """value: a code string such as "ENFP" (or {"ei", "sn", "tf", "jp"} sliders). Returns [user_id]."""
    if value is None:
        return [ctx.user_id] if get(ctx) else []
    if isinstance(value, Mapping):
        c.check_keys(value, ("ei", "sn", "tf", "jp"), "The personality answer")
        value = from_sliders(value.get("ei"), value.get("sn"), value.get("tf"), value.get("jp"))  # type: ignore[arg-type]
    if value is None or (isinstance(value, str) and not value.strip()):
        raise UserInputError("code is required.")
    set_type(ctx, value, origin=origin)
    return [ctx.user_id]


def count_for_origin(ctx: UserContext, origin: str | None) -> int:
    """1 once a type is chosen."""
    return 1 if get(ctx) else 0
