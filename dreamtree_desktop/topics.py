"""Change topics: short names for what a write changed, so views reload only what they show.

A core operation declares the topics it causes with `@causes(...)` (or, when what it changed is
known only as it runs, says so with `changed(...)`). The GUI's database worker records what the
operations of a job declared, however deeply they were called, and publishes it after the job
succeeds. Views compare the published set with the topics they watch. Always use these
constants: a misspelt bare string would silently never match.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from typing import Any, TypeVar, cast

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


# Tools that show another tool's rows: a write through the key changes what these show too.
SHOWN_BY: dict[str, frozenset[str]] = {
    "job-prospector": frozenset({"networking-prep"}),  # jobs name companies and contacts
    "networking-prep": frozenset({"job-prospector"}),
    # Rankings of places, options and skills, and the lists they rank.
    "ranking-grid": frozenset({"career-options", "skills-browser", "list-builder"}),
}


def tool_write(tool_id: str) -> frozenset[str]:
    """What a write through a tool changes: its rows, the tools that show them, and what is
    derived from tool rows."""
    shown = {tool(other) for other in SHOWN_BY.get(tool_id, ())}
    return frozenset({tool(tool_id), *shown, DAILYDOS, ANSWERS, MODULES, PROFILE})


F = TypeVar("F", bound=Callable[..., object])

ATTRIBUTE = "change_topics"


_recorded: ContextVar[set[str] | None] = ContextVar("dreamtree_changed_topics", default=None)


@contextlib.contextmanager
def recording() -> Iterator[set[str]]:
    """Collect the topics the operations run inside the block declare (the worker, per job)."""
    found: set[str] = set()
    token = _recorded.set(found)
    try:
        yield found
    finally:
        _recorded.reset(token)


def changed(*topics: str) -> None:
    """Say that the running operation changed `topics` (nothing happens when nobody records)."""
    found = _recorded.get()
    if found is not None:
        found.update(topics)


def causes(*topics: str) -> Callable[[F], F]:
    """Declare the topics a core operation changes; once it returns, they are recorded for the
    worker to publish, whoever called it."""
    declared = frozenset(topics)

    def mark(fn: F) -> F:
        everything = declared | declared_by(fn)

        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            result = fn(*args, **kwargs)
            changed(*everything)
            return result

        setattr(run, ATTRIBUTE, everything)
        return cast(F, run)

    return mark


def declared_by(fn: object) -> frozenset[str]:
    """The topics `fn` declared with @causes (empty when it declared none)."""
    value: object = getattr(fn, ATTRIBUTE, None)
    return frozenset(str(t) for t in value) if isinstance(value, frozenset) else frozenset()
