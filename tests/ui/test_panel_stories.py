"""SOARED story panel: write, edit and delete stories through the widgets; links and skills stored."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from dreamtree_desktop import topics as topic
from dreamtree_desktop.tools import experiences, stories
from tests.tools.toolhelp import unlock_tool
from ui.tools.skill_picker import ID_ROLE
from ui.tools.stories import StoriesPanel

TOOL = "soared-story"


@pytest.fixture
def open_panel(qtbot: Any, services: Any, wait_idle: Any) -> Any:
    def make(origin: str | None = None, *, unlock: bool = True) -> StoriesPanel:
        if unlock:
            services.worker.call_sync(unlock_tool, TOOL)
        panel = StoriesPanel(services, origin_exercise=origin)
        qtbot.addWidget(panel)
        panel.resize(420, 760)
        panel.show()
        wait_idle(services)
        return panel

    return make


def rows(services: Any) -> list[dict[str, Any]]:
    return services.worker.call_sync(stories.list_)


def click_row(qtbot: Any, widget: Any, row: int) -> None:
    qtbot.mouseClick(widget.viewport(), Qt.MouseButton.LeftButton, pos=widget.row_rect(row).center())


def test_create_edit_delete_and_undo(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    services.worker.call_sync(unlock_tool, "experiences")
    exp_id = services.worker.call_sync(experiences.create, {"title": "Barista", "organization": "Bean Co"})
    panel = open_panel()
    assert panel.experience.count() == 2  # "No experience linked" + Barista
    qtbot.keyClicks(panel.title, "The Monday rush")
    panel.kind.setCurrentIndex(panel.kind.findData("challenge"))
    panel.experience.setCurrentIndex(panel.experience.findData(exp_id))
    qtbot.keyClicks(panel.parts["situation"], "A busy season.")
    qtbot.keyClicks(panel.parts["action"], "Reorganised the rota.")
    qtbot.keyClicks(panel.parts["result"], "Queues halved.")
    picker = panel.skills
    qtbot.keyClicks(picker.search, "Lead teams")
    qtbot.waitUntil(lambda: picker.results.isVisible() and picker.results.count() > 0
                    and picker.results.item(0).data(ID_ROLE) is not None, timeout=5_000)
    first = picker.results.item(0)
    skill_id = first.data(ID_ROLE)
    qtbot.mouseClick(picker.results.viewport(), Qt.MouseButton.LeftButton,
                     pos=picker.results.visualItemRect(first).center())
    assert picker.skill_ids() == [skill_id]
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(rows(services)) == 1, timeout=5_000)
    wait_idle(services)
    row = rows(services)[0]
    assert row["title"] == "The Monday rush" and row["story_type"] == "challenge"
    assert (row["situation"], row["action"], row["result"]) == ("A busy season.", "Reorganised the rota.",
                                                                "Queues halved.")
    assert row["obstacle"] is None and row["experience_id"] == exp_id
    assert row["skill_ids"] == [skill_id]
    assert panel.list.count() == 1

    # edit through the list
    panel.new()
    assert panel.parts["situation"].toPlainText() == ""
    click_row(qtbot, panel.list, 0)
    assert panel.parts["situation"].toPlainText() == "A busy season."
    assert panel.experience.currentData() == exp_id
    qtbot.keyClicks(panel.parts["discovery"], "I like fixing systems.")
    panel.kind.setCurrentIndex(panel.kind.findData("other"))
    panel.experience.setCurrentIndex(0)
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: rows(services)[0]["discovery"] == "I like fixing systems.", timeout=5_000)
    row = rows(services)[0]
    assert row["story_type"] == "other" and row["experience_id"] is None
    assert row["skill_ids"] == [skill_id] and len(rows(services)) == 1

    # delete, then undo
    wait_idle(services)
    qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: rows(services) == [], timeout=5_000)
    wait_idle(services)
    assert panel.banner.title_text.startswith("Deleted")
    panel.banner.action_clicked.emit()
    qtbot.waitUntil(lambda: len(rows(services)) == 1, timeout=5_000)
    restored = rows(services)[0]
    assert restored["discovery"] == "I like fixing systems." and restored["skill_ids"] == [skill_id]


def test_a_story_needs_one_part(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel()
    qtbot.keyClicks(panel.title, "Only a title")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    wait_idle(services)
    assert panel.parts_error.isVisible() and "at least one part" in panel.parts_error.text()
    assert rows(services) == []
    assert panel.title.text() == "Only a title"
    qtbot.keyClicks(panel.parts["evaluation"], "Could have gone better.")
    assert not panel.parts_error.isVisible()


def test_core_error_shows_in_banner_and_keeps_the_form(qtbot: Any, open_panel: Any, services: Any,
                                                      wait_idle: Any) -> None:
    panel = open_panel()
    qtbot.keyClicks(panel.parts["situation"], "x" * 10)
    panel.title.setMaxLength(1000)
    panel.title.setText("t" * 600)  # longer than the core allows
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    wait_idle(services)
    assert "title is too long" in panel.banner.title_text
    assert rows(services) == []
    assert panel.parts["situation"].toPlainText() == "x" * 10


def test_workbook_origin_and_done(qtbot: Any, open_panel: Any, services: Any) -> None:
    panel = open_panel("1.1.3", unlock=False)
    qtbot.keyClicks(panel.parts["situation"], "At school.")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(rows(services)) == 1, timeout=5_000)
    assert rows(services)[0]["origin"] == "1.1.3"
    with qtbot.waitSignal(panel.done, timeout=2_000):
        qtbot.mouseClick(panel.done_button, Qt.MouseButton.LeftButton)


def test_locked_standalone_cannot_save(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel(unlock=False)
    assert panel.locked and "unlocks after exercise 1.1.3" in panel.banner.title_text
    assert not panel.save_button.isEnabled()
    panel.save_button.setEnabled(True)
    qtbot.keyClicks(panel.parts["situation"], "Trying anyway.")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    wait_idle(services)
    assert rows(services) == []
    assert "unlocks after exercise 1.1.3" in panel.banner.title_text


def test_reloads_when_experiences_change_elsewhere(qtbot: Any, open_panel: Any, services: Any,
                                                   wait_idle: Any) -> None:
    panel = open_panel()
    assert panel.experience.count() == 1
    qtbot.keyClicks(panel.parts["situation"], "Half-written")
    services.worker.call_sync(unlock_tool, "experiences")
    # as the experiences panel (or a workbook answer) would write it
    services.worker.submit(experiences.create, {"title": "Tutor"}, topics=(topic.tool("experiences"),))
    qtbot.waitUntil(lambda: panel.experience.count() == 2, timeout=5_000)
    assert panel.experience.itemText(1) == "Tutor"
    assert panel.parts["situation"].toPlainText() == "Half-written"  # the editor is left alone
