"""Checking an answer against its prompt's input type and config, before anything is written.

`check_value` returns the value as it will be stored (strings stripped of surrounding blank
lines, integral floats made int) or raises UserInputError naming the prompt.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any, TypeGuard

from ..content.model import MAX_TEXT_LENGTH
from ..errors import UserInputError
from .content import PromptDef

MAX_LIST_ITEMS = 200
_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_ITEM_LENGTH = 2_000


class AnswerError(UserInputError):
    """An answer that does not fit its prompt; the message names the prompt."""

    def __init__(self, prompt_id: str, problem: str, *, hint: str | None = None) -> None:
        super().__init__(f"Answer to {prompt_id}: {problem}", hint=hint)
        self.prompt_id = prompt_id
        self.problem = problem


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _text_limit(prompt: PromptDef) -> int:
    limit = prompt.config.get("max_length")
    if isinstance(limit, int) and not isinstance(limit, bool) and 0 < limit < MAX_TEXT_LENGTH:
        return limit
    return MAX_TEXT_LENGTH


def check_value(
    prompt: PromptDef,
    value: Any,
    *,
    ranking_items: list[str] | None = None,
    choices: Iterable[str] | None = None,
) -> Any:
    """Validate `value` for `prompt`; return the value to store. Raises AnswerError."""
    kind = prompt.input_type
    if kind == "tool":
        return value  # the tool module checks its own records
    check = _CHECKS.get(kind)
    if check is None:
        raise AnswerError(prompt.id, f"has an unknown input type {kind!r}")
    return check(_Ask(prompt, ranking_items, choices), value)


class _Ask:
    """What one check needs: the prompt, and the items or choices the caller resolved."""

    def __init__(
        self, prompt: PromptDef, ranking_items: list[str] | None, choices: Iterable[str] | None
    ) -> None:
        self.prompt = prompt
        self.config = prompt.config
        self.ranking_items = ranking_items
        self.choices = choices

    def fail(self, problem: str) -> AnswerError:
        return AnswerError(self.prompt.id, problem)


def _check_text(ask: _Ask, value: Any) -> str:
    if not isinstance(value, str):
        raise ask.fail(f'must be text (a JSON string like "my answer"), not {_kind(value)}')
    limit = _text_limit(ask.prompt)
    if len(value) > limit:
        raise ask.fail(f"is {len(value):,} characters long; the limit is {limit:,}")
    text = value.strip()
    if not text and not ask.prompt.optional:
        raise ask.fail("must not be empty")
    if ask.prompt.input_type == "text" and "\n" in text:
        raise ask.fail("must be a single line (use no line breaks)")
    if _SURROGATE.search(text):
        raise ask.fail("holds a broken character (a lone surrogate)")
    return text


def _check_number(ask: _Ask, value: Any) -> int | float:
    slider = ask.prompt.input_type == "slider"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ask.fail(f"must be a number, not {_kind(value)}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ask.fail("must be a finite number")
        if value.is_integer() and (slider or abs(value) < 2**53):
            value = int(value)
    if slider and not isinstance(value, int):
        raise ask.fail(f"must be a whole number, not {value}")
    lo, hi = ask.config.get("min"), ask.config.get("max")
    if (_is_num(lo) and value < lo) or (_is_num(hi) and value > hi):
        raise ask.fail(f"{_short_number(value)} is out of range: it must be from {_fmt(lo)} to {_fmt(hi)}")
    step = ask.config.get("step")
    if _is_num(step) and step > 0:
        base = lo if _is_num(lo) else 0
        steps = (value - base) / step
        if abs(steps - round(steps)) > 1e-9:
            raise ask.fail(f"{_short_number(value)} is not a step of {_fmt(step)} from {_fmt(base)}")
    return value if isinstance(value, float) else int(value)


def _short_number(value: int | float) -> str:
    if isinstance(value, int) and abs(value) >= 10**30:
        return f"a number of {int(math.log10(abs(value))) + 1} digits"
    return str(value)


def _check_single_choice(ask: _Ask, value: Any) -> str:
    options = _options(ask.prompt, ask.choices)
    if not isinstance(value, str):
        raise ask.fail(f"must be one of the options as text, not {_kind(value)}")
    if value not in options:
        raise ask.fail(f"{value[:80]!r} is not one of the options: {_list(options)}")
    return value


def _check_multi_choice(ask: _Ask, value: Any) -> list[str]:
    options = _options(ask.prompt, ask.choices)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ask.fail(f"must be a list of options (a JSON array of strings), not {_kind(value)}")
    unknown = [v for v in value if v not in options]
    if unknown:
        raise ask.fail(f"{unknown[0][:80]!r} is not one of the options: {_list(options)}")
    if len(set(value)) != len(value):
        raise ask.fail("lists an option twice")
    lo = ask.config.get("min", 0 if ask.prompt.optional else 1)
    hi = ask.config.get("max", len(options))
    if (_is_num(lo) and len(value) < lo) or (_is_num(hi) and len(value) > hi):
        raise ask.fail(f"choose from {lo} to {hi} options (got {len(value)})")
    return sorted(value, key=options.index)


def _check_checkbox(ask: _Ask, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ask.fail(f"must be true or false, not {_kind(value)}")
    return value


def _check_list(ask: _Ask, value: Any) -> list[str]:
    items = _string_list(ask.fail, value)
    lo = ask.config.get("min_items", 0 if ask.prompt.optional else 1)
    hi = ask.config.get("max_items", MAX_LIST_ITEMS)
    hi = min(hi, MAX_LIST_ITEMS) if _is_num(hi) else MAX_LIST_ITEMS
    if (_is_num(lo) and len(items) < lo) or len(items) > hi:
        raise ask.fail(f"needs from {lo} to {hi} items (got {len(items)})")
    return items


def _check_ranking(ask: _Ask, value: Any) -> list[str]:
    items = _string_list(ask.fail, value)
    expected = ask.ranking_items if ask.ranking_items is not None else _options(ask.prompt, None)
    if not expected:
        raise ask.fail("has nothing to rank yet: answer the prompt it ranks first")
    if Counter(items) != Counter(expected):
        missing = [x for x in expected if x not in items]
        extra = [x for x in items if x not in expected]
        detail = (
            f"missing {missing[0]!r}"
            if missing
            else f"{extra[0]!r} is not one of the items"
            if extra
            else "an item appears twice"
        )
        raise ask.fail(f"must order exactly these items: {_list(expected)} ({detail})")
    return items


def _check_date(ask: _Ask, value: Any) -> str:
    if not isinstance(value, str):
        raise ask.fail(f"must be a date as text, YYYY-MM-DD, not {_kind(value)}")
    try:
        day = _dt.date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise ask.fail(f"{value[:40]!r} is not a date in the form YYYY-MM-DD")
    low, high = _date_bound(ask.config.get("min")), _date_bound(ask.config.get("max"))
    if (low is not None and day < low) or (high is not None and day > high):
        raise ask.fail(f"{value} is outside {ask.config.get('min', '…')} to {ask.config.get('max', '…')}")
    return value


def _date_bound(bound: Any) -> _dt.date | None:
    if not isinstance(bound, str):
        return None
    try:
        return _dt.date.fromisoformat(bound)
    except ValueError:
        return None


_CHECKS: dict[str, Callable[[_Ask, Any], Any]] = {
    "text": _check_text,
    "long_text": _check_text,
    "number": _check_number,
    "slider": _check_number,
    "single_choice": _check_single_choice,
    "multi_choice": _check_multi_choice,
    "checkbox": _check_checkbox,
    "list": _check_list,
    "ranking": _check_ranking,
    "date": _check_date,
}


def _is_num(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _fmt(value: Any) -> str:
    return (
        "…"
        if value is None
        else (str(int(value)) if isinstance(value, float) and value.is_integer() else str(value))
    )


def _list(options: list[str]) -> str:
    shown = ", ".join(repr(o) for o in options[:12])
    return shown + (f" and {len(options) - 12} more" if len(options) > 12 else "")


def _options(prompt: PromptDef, choices: Iterable[str] | None) -> list[str]:
    options = prompt.config.get("options")
    if isinstance(options, list) and options:
        return [str(o) for o in options]
    return sorted(choices or ())


def _string_list(fail: Any, value: Any) -> list[str]:
    if not isinstance(value, list):
        raise fail(f"must be a list of text items (a JSON array of strings), not {_kind(value)}")
    if len(value) > MAX_LIST_ITEMS:
        raise fail(f"has {len(value)} items; the limit is {MAX_LIST_ITEMS}")
    items: list[str] = []
    total = 0
    for n, item in enumerate(value, start=1):
        if not isinstance(item, str):
            raise fail(f"item {n} must be text, not {_kind(item)}")
        text = item.strip()
        if not text:
            raise fail(f"item {n} is empty")
        if len(text) > MAX_ITEM_LENGTH:
            raise fail(f"item {n} is {len(text):,} characters long; the limit is {MAX_ITEM_LENGTH:,}")
        total += len(text)
        items.append(text)
    if total > MAX_TEXT_LENGTH:
        raise fail(f"is {total:,} characters long in all; the limit is {MAX_TEXT_LENGTH:,}")
    return items
