"""Contents shows the engine's states (icon and words); Tools shows what unlocks each locked tool."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from dreamtree_desktop.context import UserContext
from dreamtree_desktop.engine.workbook import Workbook
from ui.pages.contents import ROLE_STATE, STATE_WORDS


@pytest.fixture
def window(onboarded: UserContext, answer_through: Any, services: Any, make_window: Any) -> Any:
    answer_through(onboarded, "1.1.2")
    return make_window(services)


def test_contents_states_match_the_engine(qtbot: Any, wait_idle: Any, window: Any, services: Any,
                                          onboarded: UserContext) -> None:
    window.show_page("contents")
    wait_idle(services)
    page = window.page("contents")
    outline = Workbook(onboarded).outline()
    states = set()
    for part in outline:
        for module in part.modules:
            for ex in module.exercises:
                item = page.item_for(ex.id)
                assert item is not None, ex.id
                assert item.data(0, ROLE_STATE) == ex.state
                assert item.text(1) == STATE_WORDS[ex.state]  # words, not colour alone
                assert not item.icon(0).isNull()
                states.add(ex.state)
    assert {"complete", "available", "locked"} <= states


def test_contents_opens_reached_exercises_only(
    qtbot: Any, wait_idle: Any, window: Any, services: Any) -> None:
    window.show_page("contents")
    wait_idle(services)
    page = window.page("contents")
    with qtbot.waitSignal(services.navigator.go, timeout=5_000) as signal:
        assert page.open_exercise("1.1.1")
    assert signal.args == ["workbook", "1.1.1"]
    assert window.current_page == "workbook"

    window.show_page("contents")
    with qtbot.assertNotEmitted(services.navigator.go):
        assert page.open_exercise("3.5.1")
    assert "locked" in page.banner.title_text


def test_contents_keyboard_enter_opens_exercise(
    qtbot: Any, wait_idle: Any, window: Any, services: Any) -> None:
    window.show_page("contents")
    wait_idle(services)
    page = window.page("contents")
    page.tree.setFocus()
    page.tree.setCurrentItem(page.item_for("1.1.2"))
    with qtbot.waitSignal(services.navigator.go, timeout=5_000) as signal:
        qtbot.keyClick(page.tree, Qt.Key.Key_Return)
    assert signal.args == ["workbook", "1.1.2"]


def test_tools_page_locked_and_unlocked(qtbot: Any, wait_idle: Any, window: Any, services: Any,
                                        onboarded: UserContext) -> None:
    window.show_page("tools")
    wait_idle(services)
    page = window.page("tools")
    tools = Workbook(onboarded).tools_overview()
    assert len(page.cards) == len(tools) == 16
    locked = next(t for t in tools if not t.unlocked)
    card = page.cards[locked.id]
    assert f"Unlocks after {locked.unlocked_by}" in card.state_label.text()
    with qtbot.assertNotEmitted(services.navigator.open_tool):
        qtbot.mouseClick(card, Qt.MouseButton.LeftButton)
    unlocked = next(t for t in tools if t.unlocked)
    with qtbot.waitSignal(services.navigator.open_tool, timeout=5_000) as signal:
        qtbot.mouseClick(page.cards[unlocked.id], Qt.MouseButton.LeftButton)
    assert signal.args == [unlocked.id, None]
