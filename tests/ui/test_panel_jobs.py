"""Job prospector panel: jobs created, moved along the pipeline, filtered by stage and deleted
(with Undo) through the widgets; due follow-ups listed and highlighted; checks; the lock."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import pytest
from PySide6.QtCore import QDate, Qt

from dreamtree_desktop.clock import today_local
from dreamtree_desktop.tools import companies
from dreamtree_desktop.tools import jobs as api
from tests.tools.toolhelp import unlock_tool
from ui.tools.jobs import JobsPanel

TOOL = "job-prospector"


@pytest.fixture
def open_panel(qtbot: Any, services: Any, wait_idle: Any) -> Any:
    def make(origin: str | None = None, *, unlock: bool = True) -> JobsPanel:
        if unlock:
            services.worker.call_sync(unlock_tool, TOOL)
        panel = JobsPanel(services, origin_exercise=origin)
        qtbot.addWidget(panel)
        panel.resize(420, 760)
        panel.show()
        wait_idle(services)
        return panel

    return make


def rows(services: Any) -> list[dict[str, Any]]:
    return services.worker.call_sync(api.list_)


def test_pipeline_follow_ups_and_delete(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    services.worker.call_sync(unlock_tool, "networking-prep")
    company_id = services.worker.call_sync(companies.create, {"name": "Green Roots"})
    panel = open_panel()
    assert not panel.due_box.isVisible()
    assert panel.company.findData(company_id) > 0
    qtbot.keyClicks(panel.title, "Junior garden designer")
    panel.company.setCurrentIndex(panel.company.findData(company_id))
    qtbot.keyClicks(panel.posting.edit, "https://jobs.example/123")
    qtbot.mouseClick(panel.follow_check, Qt.MouseButton.LeftButton)
    assert panel.follow_date.isEnabled()
    yesterday = today_local() - _dt.timedelta(days=1)
    panel.follow_date.setDate(QDate(yesterday.year, yesterday.month, yesterday.day))
    qtbot.keyClicks(panel.notes, "Ask about the portfolio review.")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(rows(services)) == 1, timeout=5_000)
    wait_idle(services)
    job = rows(services)[0]
    assert (job["title"], job["company_id"], job["posting_url"], job["application_status"],
            job["follow_up_on"], job["notes"]) == (
        "Junior garden designer", company_id, "https://jobs.example/123", "saved", yesterday.isoformat(),
        "Ask about the portfolio review.")

    # the due follow-up is listed on top and flagged in the list
    assert panel.due_box.isVisible() and panel.due_title.text() == "1 follow-up due"
    assert "Junior garden designer" in panel.due_list.text(0)
    assert "⚑ due" in panel.list.text(0)
    colour = panel.list.record_model().index(0, 0).data(Qt.ItemDataRole.ForegroundRole)
    assert colour.name().upper() == services.theme.palette.warning.upper()

    # move along the pipeline
    assert panel.next_button.text() == "Move to applied →"
    qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: rows(services)[0]["application_status"] == "applied", timeout=5_000)
    wait_idle(services)
    assert panel.stage_buttons["applied"].text() == "Applied 1"
    assert panel.next_button.text() == "Move to interviewing →"

    # filter by stage; clicking the stage again shows every job
    services.worker.call_sync(api.create, {"title": "Nursery supervisor", "application_status": "offer"})
    wait_idle(services)
    panel.refresh()
    wait_idle(services)
    assert panel.list.count() == 2
    qtbot.mouseClick(panel.stage_buttons["offer"], Qt.MouseButton.LeftButton)
    assert panel.list.count() == 1 and panel.list.text(0).startswith("Nursery supervisor")
    assert panel.stage_buttons["offer"].isChecked()
    qtbot.mouseClick(panel.stage_buttons["offer"], Qt.MouseButton.LeftButton)
    assert panel.list.count() == 2 and not panel.stage_buttons["offer"].isChecked()

    # closing a job ends its follow-up reminder
    first = next(n for n in range(panel.list.count()) if panel.list.text(n).startswith("Junior"))
    panel.list.setCurrentRow(first)
    panel.status.setCurrentIndex(panel.status.findData("closed"))
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: services.worker.call_sync(api.due_follow_ups) == [], timeout=5_000)
    wait_idle(services)
    assert not panel.due_box.isVisible()

    # delete, then undo
    panel.list.setCurrentRow(first)
    qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(rows(services)) == 1, timeout=5_000)
    wait_idle(services)
    panel.banner.action_clicked.emit()
    qtbot.waitUntil(lambda: len(rows(services)) == 2, timeout=5_000)
    back = next(r for r in rows(services) if r["title"] == "Junior garden designer")
    assert back["company_id"] == company_id and back["application_status"] == "closed"


def test_fields_are_checked(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel()
    qtbot.keyClicks(panel.posting.edit, "jobs.example/1")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    wait_idle(services)
    assert panel.title_error.isVisible() and "title" in panel.title_error.text()
    assert panel.posting.error.isVisible() and "http" in panel.posting.error.text()
    assert rows(services) == []
    assert panel.posting.text() == "jobs.example/1"


def test_due_follow_up_opens_the_job(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    services.worker.call_sync(unlock_tool, TOOL)
    services.worker.call_sync(api.create, {"title": "Parks assistant", "application_status": "interviewing",
                                           "follow_up_on": "2020-03-01"})
    panel = open_panel()
    qtbot.mouseClick(panel.stage_buttons["saved"], Qt.MouseButton.LeftButton)
    assert panel.list.count() == 0 and panel.empty.isVisible()
    assert "since 1 Mar 2020" in panel.due_list.text(0)
    qtbot.mouseClick(panel.due_list.viewport(), Qt.MouseButton.LeftButton,
                     pos=panel.due_list.row_rect(0).center())
    assert panel.title.text() == "Parks assistant"
    assert panel.stage_filter is None and panel.list.count() == 1


def test_workbook_origin_and_done(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel("3.5.1", unlock=False)
    qtbot.keyClicks(panel.title, "Orchard hand")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(rows(services)) == 1, timeout=5_000)
    assert rows(services)[0]["origin"] == "3.5.1"
    with qtbot.waitSignal(panel.done, timeout=2_000):
        qtbot.mouseClick(panel.done_button, Qt.MouseButton.LeftButton)


def test_locked_standalone_cannot_save(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel(unlock=False)
    assert panel.locked and "unlocks after exercise 3.5.1" in panel.banner.title_text
    assert not panel.save_button.isEnabled()
    panel.save_button.setEnabled(True)
    qtbot.keyClicks(panel.title, "Sneaky job")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    wait_idle(services)
    assert rows(services) == []
    assert "unlocks after exercise 3.5.1" in panel.banner.title_text
