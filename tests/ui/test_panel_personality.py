"""Personality panel: choose one of the sixteen types from the list or with the sliders; clear it."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from dreamtree_desktop.tools import personality
from tests.tools.toolhelp import unlock_tool
from ui.tools.personality import CODE_ROLE, PersonalityPanel

TOOL = "personality-selector"


@pytest.fixture
def open_panel(qtbot: Any, services: Any, wait_idle: Any) -> Any:
    def make(origin: str | None = None, *, unlock: bool = True) -> PersonalityPanel:
        if unlock:
            services.worker.call_sync(unlock_tool, TOOL)
        panel = PersonalityPanel(services, origin_exercise=origin)
        qtbot.addWidget(panel)
        panel.resize(420, 760)
        panel.show()
        wait_idle(services)
        return panel

    return make


def stored(services: Any) -> str | None:
    found = services.worker.call_sync(personality.get)
    return None if found is None else found["code"]


def click_code(qtbot: Any, panel: PersonalityPanel, code: str) -> None:
    for i in range(panel.list.count()):
        item = panel.list.item(i)
        if item.data(CODE_ROLE) == code:
            panel.list.scrollToItem(item)
            qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton,
                             pos=panel.list.visualItemRect(item).center())
            return
    raise AssertionError(code)


def test_choose_change_and_clear(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel()
    assert panel.list.count() == 16
    assert stored(services) is None
    click_code(qtbot, panel, "INFJ")
    assert "INFJ" in panel.detail.text() and len(panel.detail.text()) > 100  # the summary is shown
    qtbot.mouseClick(panel.choose_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: stored(services) == "INFJ", timeout=5_000)
    wait_idle(services)
    assert panel.current_label.text().startswith("Your type: INFJ")
    assert not panel.choose_button.isEnabled()  # already yours

    # the sliders: E, N, F, P -> ENFP
    panel.sliders["ei"].setValue(-60)
    panel.sliders["sn"].setValue(40)
    panel.sliders["tf"].setFocus()
    qtbot.keyClick(panel.sliders["tf"], Qt.Key.Key_PageUp)  # +25 -> F
    panel.sliders["jp"].setValue(100)
    assert panel.slider_code.text() == "ENFP"
    assert panel.selected_code() == "ENFP"  # the list follows, with the summary
    qtbot.mouseClick(panel.use_sliders_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: stored(services) == "ENFP", timeout=5_000)
    wait_idle(services)

    qtbot.mouseClick(panel.clear_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: stored(services) is None, timeout=5_000)
    wait_idle(services)
    assert panel.current_label.text() == "You have not chosen a type yet."
    assert not panel.clear_button.isVisible()


def test_workbook_origin_and_done(qtbot: Any, open_panel: Any, services: Any) -> None:
    panel = open_panel("1.1.4", unlock=False)
    click_code(qtbot, panel, "ESTJ")
    qtbot.mouseClick(panel.choose_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: stored(services) == "ESTJ", timeout=5_000)
    with qtbot.waitSignal(panel.done, timeout=2_000):
        qtbot.mouseClick(panel.done_button, Qt.MouseButton.LeftButton)


def test_locked_standalone_cannot_save(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel(unlock=False)
    assert panel.locked and "unlocks after exercise 1.1.4" in panel.banner.title_text
    click_code(qtbot, panel, "INTP")
    assert "INTP" in panel.detail.text()  # reading stays possible
    assert not panel.choose_button.isEnabled() and not panel.use_sliders_button.isEnabled()
    panel.choose_selected()
    wait_idle(services)
    assert stored(services) is None


def test_neutral_sliders_are_undecided_not_estj(qtbot: Any, open_panel: Any, services: Any,
                                                wait_idle: Any) -> None:
    panel = open_panel()
    assert panel.slider_code.text() == "????"
    assert not panel.use_sliders_button.isEnabled() and panel.use_sliders_button.text() == "Undecided"
    panel.sliders["ei"].setValue(30)
    panel.sliders["sn"].setValue(-30)
    panel.sliders["jp"].setValue(-30)
    assert panel.slider_code.text() == "IS?J"  # T/F still in the middle
    qtbot.mouseClick(panel.use_sliders_button, Qt.MouseButton.LeftButton)
    wait_idle(services)
    assert stored(services) is None
    panel.sliders["tf"].setFocus()
    qtbot.keyClick(panel.sliders["tf"], Qt.Key.Key_PageDown)  # -25 -> T
    assert panel.slider_code.text() == "ISTJ" and panel.use_sliders_button.isEnabled()
    qtbot.mouseClick(panel.use_sliders_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: stored(services) == "ISTJ", timeout=5_000)
