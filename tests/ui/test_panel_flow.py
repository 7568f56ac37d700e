"""Flow tracker panel: quick entries through the widgets, edit, delete, and the energy/focus chart."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QImage

from dreamtree_desktop.clock import today_local
from dreamtree_desktop.tools import flow
from tests.tools.toolhelp import unlock_tool
from ui.tools.flow import FlowPanel

TOOL = "flow-tracker"


@pytest.fixture
def open_panel(qtbot: Any, services: Any, wait_idle: Any) -> Any:
    def make(origin: str | None = None, *, unlock: bool = True) -> FlowPanel:
        if unlock:
            services.worker.call_sync(unlock_tool, TOOL)
        panel = FlowPanel(services, origin_exercise=origin)
        qtbot.addWidget(panel)
        panel.resize(420, 760)
        panel.show()
        wait_idle(services)
        return panel

    return make


def rows(services: Any) -> list[dict[str, Any]]:
    return services.worker.call_sync(flow.list_)


def colours(image: QImage) -> set[int]:
    step = 3
    return {image.pixel(x, y) for x in range(0, image.width(), step) for y in range(0, image.height(), step)}


def test_log_edit_delete_and_undo(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel()
    qtbot.keyClicks(panel.activity, "Sketching layouts")
    panel.energy.setFocus()
    for _ in range(2):
        qtbot.keyClick(panel.energy, Qt.Key.Key_Right)  # 0 -> +2
    panel.focus.setFocus()
    for _ in range(2):
        qtbot.keyClick(panel.focus, Qt.Key.Key_Right)  # 3 -> 5
    assert panel.energy_value.text() == "+2 buzzing" and panel.focus_value.text() == "5 absorbed"
    assert "High flow" in panel.flow_hint.text()
    yesterday = QDate.currentDate().addDays(-1)
    panel.date.setDate(yesterday)
    qtbot.keyClick(panel.activity, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(rows(services)) == 1, timeout=5_000)
    wait_idle(services)
    row = rows(services)[0]
    assert (row["activity"], row["energy"], row["focus"]) == ("Sketching layouts", 2, 5)
    assert row["logged_date"] == (today_local() - _dt.timedelta(days=1)).isoformat()
    assert row["high_flow"] and row["origin"] is None
    # the form is ready for the next entry; the list and high-flow activities show it
    assert panel.activity.text() == "" and panel.current_id is None
    assert "high flow" in panel.list.text(0)
    assert "Sketching layouts" in panel.top.text()

    rect = panel.list.row_rect(0)
    qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert panel.activity.text() == "Sketching layouts" and panel.energy.value() == 2
    panel.focus.setValue(2)
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: rows(services)[0]["focus"] == 2, timeout=5_000)
    assert not rows(services)[0]["high_flow"] and len(rows(services)) == 1

    wait_idle(services)
    qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: rows(services) == [], timeout=5_000)
    wait_idle(services)
    panel.banner.action_clicked.emit()
    qtbot.waitUntil(lambda: len(rows(services)) == 1, timeout=5_000)
    assert rows(services)[0]["activity"] == "Sketching layouts" and rows(services)[0]["focus"] == 2


def test_chart_draws_energy_focus_and_high_flow(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any,
                                                tmp_path: Path) -> None:
    today = today_local()
    for back, (energy, focus) in enumerate([(2, 5), (-1, 2), (1, 4), (0, 3), (-2, 1)]):
        day = (today - _dt.timedelta(days=back)).isoformat()
        services.worker.call_sync(flow.log, f"Task {back}", energy, focus, day, "1.3.2")
    panel = open_panel()
    panel.refresh()
    wait_idle(services)
    chart = panel.chart
    assert not chart.is_empty()
    assert "5 entries" in chart.summary() and "High-flow day: 2" in chart.summary()
    assert panel.summary.text() == chart.summary()
    assert chart.accessibleDescription() == chart.summary()
    out = tmp_path / "flow-chart.png"
    image = chart.grab().toImage()
    assert image.save(str(out))
    assert len(colours(image)) > 10
    # the whole panel at dock size
    assert panel.grab().save(str(tmp_path / "flow-panel.png"))


def test_activity_is_required(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel()
    qtbot.keyClicks(panel.activity, "   ")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    wait_idle(services)
    assert panel.activity_error.isVisible() and "Activity is required" in panel.activity_error.text()
    assert rows(services) == []
    # no date after today can be picked
    assert panel.date.maximumDate() == QDate.currentDate()


def test_workbook_origin_and_done(qtbot: Any, open_panel: Any, services: Any) -> None:
    panel = open_panel("1.3.2", unlock=False)
    qtbot.keyClicks(panel.activity, "Reading")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(rows(services)) == 1, timeout=5_000)
    assert rows(services)[0]["origin"] == "1.3.2"
    with qtbot.waitSignal(panel.done, timeout=2_000):
        qtbot.mouseClick(panel.done_button, Qt.MouseButton.LeftButton)


def test_locked_standalone_cannot_save(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel(unlock=False)
    assert panel.locked and "unlocks after exercise 1.3.2" in panel.banner.title_text
    assert not panel.save_button.isEnabled()
    qtbot.keyClicks(panel.activity, "Trying anyway")
    qtbot.keyClick(panel.activity, Qt.Key.Key_Return)
    wait_idle(services)
    assert rows(services) == []


def test_closing_while_saving_drops_the_late_answer(qtbot: Any, open_panel: Any, services: Any,
                                                    wait_idle: Any) -> None:
    panel = open_panel()
    qtbot.keyClicks(panel.activity, "Quick one")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    panel.close()
    panel.deleteLater()  # the dock closes before the worker answers
    qtbot.waitUntil(lambda: len(rows(services)) == 1, timeout=5_000)
    wait_idle(services)
    qtbot.wait(20)  # a callback touching the deleted widgets would raise in the event loop here
    assert rows(services)[0]["activity"] == "Quick one"
