"""The rule of a workbook answer as it is stored, for the doors that bring in stored answers
(imports, sync, doctor). The engine checks answers typed in through engine.values directly."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from ..engine.content import PromptDef
from ..engine.values import check_value

# Answers of these input types are stored as text; the others as JSON (engine/answers.py).
STRING_INPUTS = frozenset({"text", "long_text", "single_choice", "date"})


def decode_stored(prompt: PromptDef, stored: Any) -> Any:
    if prompt.input_type in STRING_INPUTS or not isinstance(stored, str):
        return stored
    try:
        return json.loads(stored)
    except (ValueError, RecursionError):
        return stored


def check_stored_answer(prompt: PromptDef, value: Any, personality_types: Collection[str] = ()) -> Any:
    """Check an answer (already decoded) against its prompt; raises AnswerError naming the prompt.

    A ranking orders the items of an earlier answer, which the importing side may not hold in the
    same form yet: it is checked as a list of distinct items; everything else exactly as typed.
    """
    items = None
    if prompt.input_type == "ranking" and isinstance(value, list):
        items = [v for v in value if isinstance(v, str)]
        if len(set(items)) != len(items):
            items = list(dict.fromkeys(items))
    choices = None
    if prompt.target_table == "user_settings" and prompt.target_column == "personality_type":
        choices = sorted(personality_types)
    return check_value(prompt, value, ranking_items=items, choices=choices)
