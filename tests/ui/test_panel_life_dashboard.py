"""Life dashboard panel: readings through the sliders, the bar and trend charts, history deletes.

Also checks the shared chart widgets of ui/tools/charts.py draw something real."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QMessageBox

from dreamtree_desktop.tools import life_dashboard as api
from tests.tools.toolhelp import unlock_tool
from ui.tools.charts import BarChart, LineChart, Series
from ui.tools.life_dashboard import LifeDashboardPanel
from ui.tools.radar_chart import RadarChart

TOOL = "life-dashboard"


@pytest.fixture
def open_panel(qtbot: Any, services: Any, wait_idle: Any) -> Any:
    def make(origin: str | None = None, *, unlock: bool = True) -> LifeDashboardPanel:
        if unlock:
            services.worker.call_sync(unlock_tool, TOOL)
        panel = LifeDashboardPanel(services, origin_exercise=origin)
        qtbot.addWidget(panel)
        panel.resize(420, 760)
        panel.show()
        wait_idle(services)
        return panel

    return make


def history(services: Any) -> list[dict[str, Any]]:
    return services.worker.call_sync(api.history)


def current(services: Any) -> dict[str, Any] | None:
    return services.worker.call_sync(api.get)


def colours(image: QImage) -> set[int]:
    return {image.pixel(x, y) for x in range(0, image.width(), 3) for y in range(0, image.height(), 3)}


def answer_next_box(button_text: str) -> None:
    """Click `button_text` in the question box that is about to open."""
    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)
            return
        for button in box.buttons():
            if button.text() == button_text:
                button.click()
                return

    QTimer.singleShot(0, click)


def test_save_edit_and_delete_readings(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any,
                                       tmp_path: Path) -> None:
    panel = open_panel()
    assert current(services) is None
    panel.sliders["work"].setFocus()
    for _ in range(2):
        qtbot.keyClick(panel.sliders["work"], Qt.Key.Key_Right)  # 5 -> 7
    panel.sliders["play"].setValue(4)
    panel.sliders["love"].setValue(9)
    panel.sliders["health"].setValue(6)
    assert panel.values_shown["work"].text() == "7/10"
    assert "Work 7; Play 4; Love 9; Health 6" in panel.bars.summary()  # the chart follows the sliders
    qtbot.keyClicks(panel.notes, "Busy but good")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(history(services)) == 1, timeout=5_000)
    wait_idle(services)
    assert current(services) == {"work": 7, "play": 4, "love": 9, "health": 6, "notes": "Busy but good"}
    snap = history(services)[0]
    assert (snap["work"], snap["play"], snap["love"], snap["health"], snap["origin"]) == (7, 4, 9, 6, None)

    # a second reading updates the current one and extends the history
    panel.sliders["play"].setValue(6)
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(history(services)) == 2, timeout=5_000)
    wait_idle(services)
    reading = current(services)
    assert reading is not None and reading["play"] == 6
    assert panel.list.count() == 2
    assert "2 entries" in panel.trend.summary()
    image = panel.trend.grab().toImage()
    assert image.save(str(tmp_path / "trend.png")) and len(colours(image)) > 10
    bars = panel.bars.grab().toImage()
    assert len(colours(bars)) > 5

    # delete the older reading (asks first); cancelling keeps it
    older = panel.list.visualItemRect(panel.list.item(1))
    qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=older.center())
    assert panel.delete_button.isEnabled()
    answer_next_box("Cancel")
    qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    wait_idle(services)
    assert len(history(services)) == 2
    answer_next_box("Delete")
    qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(history(services)) == 1, timeout=5_000)
    assert history(services)[0]["play"] == 6
    reading = current(services)
    assert reading is not None and reading["play"] == 6


def test_workbook_origin_and_done(qtbot: Any, open_panel: Any, services: Any) -> None:
    panel = open_panel("2.1.1", unlock=False)
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(history(services)) == 1, timeout=5_000)
    assert history(services)[0]["origin"] == "2.1.1"
    with qtbot.waitSignal(panel.done, timeout=2_000):
        qtbot.mouseClick(panel.done_button, Qt.MouseButton.LeftButton)


def test_locked_standalone_cannot_save(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel(unlock=False)
    assert panel.locked and "unlocks after exercise 2.1.1" in panel.banner.title_text
    assert not panel.save_button.isEnabled()
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    panel.save()
    wait_idle(services)
    assert history(services) == [] and current(services) is None


def test_too_long_notes_show_reason(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel()
    panel.notes.setPlainText(("a few words " * 10 + "\n") * 900)  # 108,900 characters
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    wait_idle(services)
    assert panel.notes_error.isVisible() and "too long" in panel.notes_error.text()
    assert history(services) == []


def test_chart_widgets_draw_and_describe(qtbot: Any, services: Any, tmp_path: Path) -> None:
    theme = services.theme
    line = LineChart(theme, "Scores")
    qtbot.addWidget(line)
    line.resize(420, 260)
    assert line.is_empty() and "nothing recorded yet" in line.summary()
    blank = line.grab().toImage()
    line.set_data(["Mon", "Tue", "Wed"], [Series("A", [1, None, 3]), Series("B", [2, 2, 2], dashed=True)],
                  y_min=0, y_max=4, markers=[2], marker_label="Best")
    assert "A: 3 most recently" in line.summary() and "Best: 1 (Wed)" in line.summary()
    drawn = line.grab().toImage()
    assert drawn != blank and len(colours(drawn)) > 10
    bar = BarChart(theme, "Bars")
    qtbot.addWidget(bar)
    bar.set_data(["One", "Two"], [3, 8], max_value=10)
    bar.resize(420, bar.height())
    assert bar.summary() == "Bars: One 3; Two 8."
    assert len(colours(bar.grab().toImage())) > 5
    bar.set_data(["x", "y", "z"], [1, 2, 3], horizontal=False)
    assert len(colours(bar.grab().toImage())) > 5
    radar = RadarChart(theme, "Radar")
    qtbot.addWidget(radar)
    radar.resize(420, 340)
    radar.set_data(["a", "b", "c", "d"], [Series("Now", [1, 4, 2, 5])], max_value=5)
    image = radar.grab().toImage()
    assert image.save(str(tmp_path / "radar.png")) and len(colours(image)) > 10
    assert "Now: a 1, b 4, c 2, d 5." in radar.summary()
    with pytest.raises(ValueError):
        radar.set_data(["a"], [], max_value=0)
