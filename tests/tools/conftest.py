"""Fixtures for the tool tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dreamtree_desktop.context import UserContext
from dreamtree_desktop.errors import UserInputError

from .toolhelp import all_tools, snapshot, unlock_tool


@pytest.fixture
def uctx(ctx: UserContext) -> UserContext:
    """A context whose user has unlocked every tool."""
    for tool_id in all_tools(ctx):
        unlock_tool(ctx, tool_id)
    return ctx


Rejects = Callable[..., UserInputError]


@pytest.fixture
def rejects(uctx: UserContext) -> Rejects:
    """rejects(fn, *args, match=regex, **kw): fn must raise UserInputError (message matching) and
    leave every user table exactly as it was."""

    def check(fn: Callable[..., Any], *args: Any, match: str | None = None, **kwargs: Any) -> UserInputError:
        before = snapshot(uctx)
        with pytest.raises(UserInputError, match=match) as info:
            fn(*args, **kwargs)
        assert snapshot(uctx) == before
        return info.value

    return check
