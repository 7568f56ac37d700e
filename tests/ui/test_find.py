"""Find (Ctrl+F), driven from the keyboard: results open the record or exercise they came from."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from dreamtree_desktop.context import UserContext
from dreamtree_desktop.engine.workbook import Workbook
from dreamtree_desktop.tools import contacts, stories


@pytest.fixture
def window(onboarded: UserContext, answer_through: Any, services: Any, make_window: Any) -> Any:
    answer_through(onboarded, "3.5.4")  # every tool unlocked
    return make_window(services)


def _find(qtbot: Any, window: Any, text: str) -> Any:
    QTest.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    dialog = window._find
    qtbot.waitUntil(dialog.isVisible, timeout=5_000)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.box, timeout=5_000)
    QTest.keyClicks(dialog.box, text)
    qtbot.waitUntil(lambda: dialog.results.count() > 0 or "Nothing" in dialog.status.text(), timeout=10_000)
    return dialog


def test_find_opens_the_story_it_found(qtbot: Any, window: Any, services: Any, wait_idle: Any,
                                       onboarded: UserContext) -> None:
    sid = stories.create(onboarded, {"title": "The flooded archive", "situation": "Water in the basement",
                                     "action": "Moved every box in a night", "story_type": "challenge"})
    dialog = _find(qtbot, window, "flooded arch")
    assert dialog.results.count() == 1
    assert "The flooded archive" in dialog.results.item(0).text()
    QTest.keyClick(dialog.box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.tool_host.panel is not None, timeout=5_000)
    wait_idle(services)
    panel = window.tool_host.panel
    qtbot.waitUntil(lambda: panel.editor.current_id == sid, timeout=5_000)
    assert panel.editor.current_row()["title"] == "The flooded archive"


def test_find_opens_the_exercise_of_an_answer_and_says_when_nothing_matches(
        qtbot: Any, window: Any, services: Any, wait_idle: Any, onboarded: UserContext) -> None:
    wb = Workbook(onboarded)
    prompt = next(p for ex in wb.content.exercises for p in ex.prompts
                  if p.input_type == "long_text" and not p.is_pii and ex.id.startswith("2."))
    wb.answer(prompt.id, "Weekends restoring canal boats with my grandfather.")
    dialog = _find(qtbot, window, "canal boats")
    QTest.keyClick(dialog.results if dialog.results.hasFocus() else dialog.box, Qt.Key.Key_Down)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current_page == "workbook", timeout=5_000)
    wait_idle(services)
    page = window.page("workbook")
    heading = page.model.heading_row(prompt.id.rsplit(".", 1)[0])
    qtbot.waitUntil(lambda: page.view.viewport().rect().intersects(
        page.view.visualRect(page.model.index(heading, 0))), timeout=5_000)

    dialog.box.clear()
    QTest.keyClicks(dialog.box, "zeppelinxyz")
    qtbot.waitUntil(lambda: "Nothing you wrote matches" in dialog.status.text(), timeout=10_000)
    assert dialog.results.count() == 0


def test_sealed_contact_is_found_while_unlocked(qtbot: Any, window: Any, onboarded: UserContext) -> None:
    contacts.create(onboarded, {"name": "Ottoline Fairweather", "notes": "ask about the studio"})
    dialog = _find(qtbot, window, "Fairweather")
    assert dialog.results.count() == 1
    assert "Personal fields were not searched" not in dialog.status.text()
