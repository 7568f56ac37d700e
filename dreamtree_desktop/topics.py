"""Change topics: short names for what a write changed, so views reload only what they show.

A core operation declares the topics it causes with `@causes(...)`; the GUI's database worker
publishes them after the operation succeeds (together with any topics the caller adds). Views
compare the published set with the topics they watch. Always use these constants: a misspelt
bare string would silently never match.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

ANSWERS = "answers"  # workbook answers and the rows tools derive from them
MODULES = "modules"  # progress through parts, modules and exercises (what is unlocked)
SETTINGS = "settings"  # the settings table (appearance, reminders, names)
PROFILE = "profile"  # the profile summary built from answers and tools
DAILYDOS = "dailydos"  # the daily to-do list
ACCOUNT = "account"  # account, password lock and sign-in state
SYNC = "sync"  # marks changes a sync itself made, so they start no new sync

TOOL_PREFIX = "tool:"

# Everything a whole-database change (an import, a restore, a sync pull) can touch.
ALL: frozenset[str] = frozenset({ANSWERS, MODULES, SETTINGS, PROFILE, DAILYDOS, ACCOUNT})

# A saved workbook answer: progress and daily to-dos move with it.
ANSWER_WRITE: frozenset[str] = frozenset({ANSWERS, MODULES, DAILYDOS})

# Account changes (claim, password, lock) also rewrite settings.
ACCOUNT_WRITE: frozenset[str] = frozenset({ACCOUNT, SETTINGS})

# Changes that cannot alter what the conversation shows.
QUIET: frozenset[str] = frozenset({DAILYDOS, ACCOUNT})


def tool(tool_id: str) -> str:
    """The topic of one tool's own rows, e.g. tool("budget-calculator")."""
    return f"{TOOL_PREFIX}{tool_id}"


def is_tool(topic: str) -> bool:
    return topic.startswith(TOOL_PREFIX)


def any_tool(topics: Iterable[str]) -> bool:
    return any(is_tool(t) for t in topics)


def tool_write(tool_id: str) -> frozenset[str]:
    """What a write through a tool changes: its rows, and what is derived from tool rows."""
    return frozenset({tool(tool_id), DAILYDOS, ANSWERS, MODULES, PROFILE})


F = TypeVar("F", bound=Callable[..., object])

ATTRIBUTE = "change_topics"


def causes(*topics: str) -> Callable[[F], F]:
    """Declare the topics a core operation changes; the worker publishes them when it succeeds."""
    declared = frozenset(topics)

    def mark(fn: F) -> F:
        setattr(fn, ATTRIBUTE, declared | declared_by(fn))
        return fn

    return mark


def declared_by(fn: object) -> frozenset[str]:
    """The topics `fn` declared with @causes (empty when it declared none)."""
    value: object = getattr(fn, ATTRIBUTE, None)
    return frozenset(str(t) for t in value) if isinstance(value, frozenset) else frozenset()
