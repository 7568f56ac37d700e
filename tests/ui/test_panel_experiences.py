"""Experiences panel: create, edit and delete through the widgets; dates and title checked in place."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from dreamtree_desktop.tools import experiences as api
from tests.tools.toolhelp import unlock_tool
from ui.tools.experiences import ExperiencesPanel
from ui.tools.skill_picker import ID_ROLE

TOOL = "experiences"


@pytest.fixture
def open_panel(qtbot: Any, services: Any, wait_idle: Any) -> Any:
    def make(origin: str | None = None, *, unlock: bool = True) -> ExperiencesPanel:
        if unlock:
            services.worker.call_sync(unlock_tool, TOOL)
        panel = ExperiencesPanel(services, origin_exercise=origin)
        qtbot.addWidget(panel)
        panel.resize(420, 760)
        panel.show()
        wait_idle(services)
        return panel

    return make


def rows(services: Any) -> list[dict[str, Any]]:
    return services.worker.call_sync(api.list_)


def click_row(qtbot: Any, widget: Any, row: int) -> None:
    qtbot.mouseClick(widget.viewport(), Qt.MouseButton.LeftButton, pos=widget.row_rect(row).center())


def pick_skill(qtbot: Any, picker: Any, text: str) -> str:
    qtbot.keyClicks(picker.search, text)
    qtbot.waitUntil(lambda: picker.results.isVisible() and picker.results.count() > 0
                    and picker.results.item(0).data(ID_ROLE) is not None, timeout=5_000)
    skill_id = picker.results.item(0).data(ID_ROLE)
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    assert skill_id in picker.skill_ids()
    return skill_id


def test_create_edit_delete_and_undo(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel()
    assert not panel.locked
    qtbot.keyClicks(panel.title, "Barista")
    qtbot.keyClicks(panel.organization, "Bean Co")
    panel.kind.setCurrentIndex(panel.kind.findData("job"))
    qtbot.keyClicks(panel.start, "2019-03")
    qtbot.keyClicks(panel.end, "2020-08-15")
    qtbot.keyClicks(panel.description, "Opened the shop at six.")
    skill_id = pick_skill(qtbot, panel.skills, "Lead teams")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(rows(services)) == 1, timeout=5_000)
    wait_idle(services)
    row = rows(services)[0]
    assert (row["title"], row["organization"], row["experience_type"]) == ("Barista", "Bean Co", "job")
    assert (row["start_date"], row["end_date"]) == ("2019-03", "2020-08-15")
    assert row["description"] == "Opened the shop at six."
    assert row["skill_ids"] == [skill_id]
    assert row["origin"] is None
    assert panel.current_id == row["id"] and panel.list.count() == 1

    # edit: pick it from the list, change the title, drop the skill
    panel.new()
    click_row(qtbot, panel.list, 0)
    assert panel.title.text() == "Barista"
    tags = panel.skills.tags
    qtbot.waitUntil(lambda: tags.count() == 1 and tags.item(0).text() == "Lead teams")
    panel.title.clear()
    qtbot.keyClicks(panel.title, "Head barista")
    panel.skills.tags.setCurrentRow(0)
    qtbot.mouseClick(panel.skills.remove_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: rows(services)[0]["title"] == "Head barista", timeout=5_000)
    assert rows(services)[0]["skill_ids"] == []
    assert len(rows(services)) == 1

    # delete, then undo from the banner
    wait_idle(services)
    qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: rows(services) == [], timeout=5_000)
    wait_idle(services)
    assert panel.banner.isVisible() and "Deleted" in panel.banner.title_text
    assert panel.list.count() == 0
    panel.banner.action_clicked.emit()
    qtbot.waitUntil(lambda: len(rows(services)) == 1, timeout=5_000)
    assert rows(services)[0]["title"] == "Head barista"


def test_invalid_input_shows_reason_and_writes_nothing(qtbot: Any, open_panel: Any, services: Any,
                                                       wait_idle: Any) -> None:
    panel = open_panel()
    qtbot.keyClicks(panel.organization, "Somewhere")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    assert panel.title_error.isVisible() and "Title is required" in panel.title_error.text()
    qtbot.keyClicks(panel.title, "Intern")
    assert not panel.title_error.isVisible()
    qtbot.keyClicks(panel.start, "2020-13")
    assert panel.date_error.isVisible() and "month does not exist" in panel.date_error.text()
    panel.start.clear()
    qtbot.keyClicks(panel.start, "2021-05")
    qtbot.keyClicks(panel.end, "2020-01")
    assert "end must not be before the start" in panel.date_error.text()
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    wait_idle(services)
    assert rows(services) == []
    # the form keeps what was typed
    assert panel.title.text() == "Intern" and panel.organization.text() == "Somewhere"


def test_from_the_workbook_rows_carry_the_exercise_and_done_emits(qtbot: Any, open_panel: Any,
                                                                  services: Any) -> None:
    panel = open_panel("1.1.1", unlock=False)
    assert not panel.locked
    qtbot.keyClicks(panel.title, "Volunteer")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(rows(services)) == 1, timeout=5_000)
    assert rows(services)[0]["origin"] == "1.1.1"
    with qtbot.waitSignal(panel.done, timeout=2_000):
        qtbot.mouseClick(panel.done_button, Qt.MouseButton.LeftButton)


def test_locked_standalone_cannot_save(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel(unlock=False)
    assert panel.locked
    assert "unlocks after exercise 1.1.1" in panel.banner.title_text
    assert not panel.save_button.isEnabled()
    # even if the button were reachable, the core refuses and nothing is written
    panel.save_button.setEnabled(True)
    qtbot.keyClicks(panel.title, "Sneaky")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    wait_idle(services)
    assert rows(services) == []
    assert "unlocks after exercise 1.1.1" in panel.banner.title_text
    assert panel.title.text() == ""  # read only while locked: nothing typed to lose


def test_tasks_one_per_line(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel()
    qtbot.keyClicks(panel.title, "Barista")
    panel.tasks.setFocus()
    for n, task in enumerate(("Trained new staff", "Opened the shop at six")):
        if n:
            qtbot.keyClick(panel.tasks, Qt.Key.Key_Return)
        qtbot.keyClicks(panel.tasks, task)
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(rows(services)) == 1, timeout=5_000)
    assert rows(services)[0]["tasks"] == ["Trained new staff", "Opened the shop at six"]
    wait_idle(services)
    # a task over the core's length limit: the reason beside the field, nothing more written
    qtbot.keyClick(panel.tasks, Qt.Key.Key_Return)
    panel.tasks.insertPlainText("x" * 600)
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    wait_idle(services)
    assert panel.tasks_error.isVisible() and "500" in panel.tasks_error.text()
    assert rows(services)[0]["tasks"] == ["Trained new staff", "Opened the shop at six"]
    assert panel.tasks.toPlainText().endswith("x" * 600)
