"""Personality type: one of the sixteen four-letter codes, kept in user_settings.personality_type."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..clock import now_iso
from ..context import UserContext
from ..errors import UserInputError
from ..topics import causes, tool_write
from . import _common as c

TOOL_ID = "personality-selector"
# Each slider runs from the first letter (-100) to the second (+100); 0, the middle, is undecided.
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


@causes(*tool_write(TOOL_ID))
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


def _slider_numbers(ei: Any, sn: Any, tf: Any, jp: Any) -> list[int]:
    numbers = []
    for (field, _first, _second), value in zip(AXES, (ei, sn, tf, jp), strict=True):
        number = c.integer(value, field, -100, 100, required=True)
        assert number is not None
        numbers.append(number)
    return numbers


def slider_reading(ei: Any, sn: Any, tf: Any, jp: Any) -> dict[str, Any]:
    """What four sliders say: {"code": "ENFJ" or None, "letters": "E?FJ", "undecided": ["S/N"]}.

    A slider in the middle (0) is undecided on its pair: its letter shows as "?" and there is no
    code until every slider leans one way, so neutral sliders never pass for a type.
    """
    letters, undecided = [], []
    for (_field, first, second), number in zip(AXES, _slider_numbers(ei, sn, tf, jp), strict=True):
        if number == 0:
            letters.append("?")
            undecided.append(f"{first}/{second}")
        else:
            letters.append(second if number > 0 else first)
    text = "".join(letters)
    return {"code": None if undecided else text, "letters": text, "undecided": undecided}


def from_sliders(ei: Any, sn: Any, tf: Any, jp: Any) -> str:
    """The code four sliders give (negative: E, S, T, J; positive: I, N, F, P). A slider left in
    the middle is undecided and refused with a message naming its pair; a value that is not a
    whole number from -100 to 100 is refused too, so callers may pass what they were given."""
    reading = slider_reading(ei, sn, tf, jp)
    if reading["code"] is None:
        pairs = " and ".join(reading["undecided"])
        raise UserInputError(f"Undecided on {pairs}: move each slider towards the side that fits you "
                             "better, or pick a type from the list.")
    return str(reading["code"])


def apply_prompt_value(ctx: UserContext, value: Any, origin: str | None, config: Mapping[str, Any]
                       ) -> list[str]:
    """value: a code string such as "ENFP" (or {"ei", "sn", "tf", "jp"} sliders). Returns [user_id]."""
    if value is None:
        return [ctx.user_id] if get(ctx) else []
    if isinstance(value, Mapping):
        c.check_keys(value, ("ei", "sn", "tf", "jp"), "The personality answer")
        value = from_sliders(value.get("ei"), value.get("sn"), value.get("tf"), value.get("jp"))
    if value is None or (isinstance(value, str) and not value.strip()):
        raise UserInputError("code is required.")
    set_type(ctx, value, origin=origin)
    return [ctx.user_id]


def count_for_origin(ctx: UserContext, origin: str | None) -> int:
    """1 once a type is chosen."""
    return 1 if get(ctx) else 0
