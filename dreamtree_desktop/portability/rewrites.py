"""Whether the checks brought a document's values to their stored form (text stripped, a
timestamp rewritten, a column the record left out written as null, ...).

The checks change a document in place. Every place they do calls `rewrote()`, so a caller
can tell whether the document it handed in is still, value for value, the one it checks:
a new computer's sign-in writes the account's copy while it is checked in a second process
(sync/copy_check.py), and may keep what it wrote only if the check changed nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_COUNT: ContextVar[list[int] | None] = ContextVar("rewrites", default=None)
_MISSING = object()


@contextmanager
def counting() -> Iterator[list[int]]:
    """The number of rewrites made inside the block, in the list's one item."""
    count = [0]
    token = _COUNT.set(count)
    try:
        yield count
    finally:
        _COUNT.reset(token)


def rewrote() -> None:
    count = _COUNT.get()
    if count is not None:
        count[0] += 1


def same(held: Any, value: Any) -> bool:
    """Whether `value` is what `held` is already, type included (1, 1.0 and True are
    written differently); containers compare their items the same way."""
    if held is value:
        return True
    if type(held) is not type(value):
        return False
    if isinstance(value, dict):
        return held.keys() == value.keys() and all(same(held[k], v) for k, v in value.items())
    if isinstance(value, list):
        return len(held) == len(value) and all(same(a, b) for a, b in zip(held, value, strict=True))
    return bool(held == value)


def put(container: MutableMapping[str, Any], key: str, value: Any) -> None:
    """container[key] = value, counted as a rewrite when it changes what the container held."""
    if not same(container.get(key, _MISSING), value):
        rewrote()
    container[key] = value
