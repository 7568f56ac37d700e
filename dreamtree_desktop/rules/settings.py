"""The rule of the settings row, shared by the Settings page and every import."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from ..errors import UserInputError
from ..settings import combination_problem, validate_setting
from . import fields as f


def check_settings(values: Mapping[str, Any], personality_types: Collection[str]) -> dict[str, Any]:
    """The stored form of the given settings; a colour pair the Settings page refuses is refused.

    onboarded_at is a timestamp the import checks with the other timestamps.
    """
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name == "onboarded_at":
            out[name] = value
        elif name == "personality_type":
            if value is not None and value not in personality_types:
                raise UserInputError(f"personality_type: {str(value)[:20]!r} is not a known personality type.")
            out[name] = value
        elif name in ("colors_chosen", "reminders_enabled"):
            out[name] = f.boolean(value, name)
        else:
            out[name] = validate_setting(name, value)
    background, text = out.get("background_color"), out.get("text_color")
    if background is not None and text is not None:
        problem = combination_problem(background, text)
        if problem:
            raise UserInputError(f"text_color: {problem}")
    return out
