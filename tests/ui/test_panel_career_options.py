"""Career options panel: add, score, edit, rank and delete options through the widgets (with Undo),
the three-option limit, the grouped bar chart, checks on the title, and the lock."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QSpinBox

from dreamtree_desktop.tools import career_options as api
from tests.tools.toolhelp import unlock_tool
from ui.tools.career_options import CareerOptionsPanel

TOOL = "career-options"


@pytest.fixture
def open_panel(qtbot: Any, services: Any, wait_idle: Any) -> Any:
    def make(origin: str | None = None, *, unlock: bool = True) -> CareerOptionsPanel:
        if unlock:
            services.worker.call_sync(unlock_tool, TOOL)
        panel = CareerOptionsPanel(services, origin_exercise=origin)
        qtbot.addWidget(panel)
        panel.resize(420, 760)
        panel.show()
        wait_idle(services)
        return panel

    return make


def rows(services: Any) -> list[dict[str, Any]]:
    return services.worker.call_sync(api.list_)


def type_score(qtbot: Any, spin: QSpinBox, value: int) -> None:
    spin.setFocus()
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin, str(value))
    spin.interpretText()
    assert spin.value() == value


def add_option(qtbot: Any, panel: CareerOptionsPanel, services: Any, wait_idle: Any, title: str,
               scores: tuple[int, int, int, int] | None) -> None:
    qtbot.mouseClick(panel.new_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(panel.title, title)
    if scores:
        for spin, value in zip(panel.spins.values(), scores, strict=True):
            type_score(qtbot, spin, value)
    count = len(rows(services))
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(rows(services)) == count + 1, timeout=5_000)
    wait_idle(services)


def colours(image: QImage) -> int:
    return len({image.pixel(x, y) for x in range(0, image.width(), 5) for y in range(0, image.height(), 5)})


def test_add_score_rank_and_delete(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel()
    assert panel.chart.is_empty()
    add_option(qtbot, panel, services, wait_idle, "Landscape designer", (9, 7, 6, 4))
    row = rows(services)[0]
    assert (row["title"], row["coherence_score"], row["work_needs_score"], row["life_needs_score"],
            row["unknowns_score"], row["total_score"]) == ("Landscape designer", 9, 7, 6, 4, 29)
    assert panel.total_label.text() == "Total: <b>29</b> of 40"
    add_option(qtbot, panel, services, wait_idle, "Garden centre manager", (6, 8, 7, 2))
    add_option(qtbot, panel, services, wait_idle, "Teacher", None)
    assert rows(services)[2]["total_score"] is None
    assert "not fully scored" in panel.list.text(2)
    # three is the most: adding another is not offered
    assert not panel.new_button.isEnabled() and panel.limit_note.isVisible()

    # edit the third: give it scores
    panel.list.setCurrentRow(2)
    assert panel.title.text() == "Teacher"
    for spin, value in zip(panel.spins.values(), (7, 5, 9, 7), strict=True):
        type_score(qtbot, spin, value)
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: rows(services)[2]["total_score"] == 25, timeout=5_000)
    wait_idle(services)

    # rank by total: 30, 29, 25
    qtbot.mouseClick(panel.by_score_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: [r["title"] for r in rows(services)]
                    == ["Garden centre manager", "Landscape designer", "Teacher"], timeout=5_000)
    wait_idle(services)
    assert [r["rank"] for r in rows(services)] == [1, 2, 3]
    # move Teacher up one
    panel.list.setCurrentRow(2)
    qtbot.mouseClick(panel.up_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: [r["title"] for r in rows(services)]
                    == ["Garden centre manager", "Teacher", "Landscape designer"], timeout=5_000)
    wait_idle(services)

    # the chart: three series of four bars
    assert "Teacher: Coherence 7, Work needs 5, Life needs 9, Certainty 4" in panel.chart.summary()
    assert colours(panel.chart.grab().toImage()) > 4

    # delete the one ranked second, then undo: it comes back in the same place
    panel.list.setCurrentRow(1)
    qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(rows(services)) == 2, timeout=5_000)
    wait_idle(services)
    assert panel.banner.title_text == "Deleted “Teacher”."
    panel.banner.action_clicked.emit()
    qtbot.waitUntil(lambda: [r["title"] for r in rows(services)]
                    == ["Garden centre manager", "Teacher", "Landscape designer"], timeout=5_000)
    restored = rows(services)[1]
    assert (restored["coherence_score"], restored["unknowns_score"], restored["rank"]) == (7, 7, 2)


def test_a_title_is_needed(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel()
    type_score(qtbot, panel.spins["coherence_score"], 8)
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    wait_idle(services)
    assert panel.title_error.isVisible() and "title" in panel.title_error.text()
    assert rows(services) == []
    assert panel.spins["coherence_score"].value() == 8
    qtbot.keyClicks(panel.title, "Florist")
    assert not panel.title_error.isVisible()


def test_core_error_for_a_fourth_option(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    services.worker.call_sync(unlock_tool, TOOL)
    for title in ("A", "B", "C"):
        services.worker.call_sync(api.create, {"title": title})
    panel = open_panel()
    panel.new()
    panel.save_button.setEnabled(True)  # past the panel's own limit, the core still refuses
    qtbot.keyClicks(panel.title, "D")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    wait_idle(services)
    assert "at most 3 career options" in panel.banner.title_text
    assert len(rows(services)) == 3
    assert panel.title.text() == "D"


def test_workbook_origin_and_done(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel("2.3.3", unlock=False)
    add_option(qtbot, panel, services, wait_idle, "Park ranger", (5, 5, 5, 5))
    assert rows(services)[0]["origin"] == "2.3.3"
    with qtbot.waitSignal(panel.done, timeout=2_000):
        qtbot.mouseClick(panel.done_button, Qt.MouseButton.LeftButton)


def test_locked_standalone_cannot_save(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel(unlock=False)
    assert panel.locked and "unlocks after exercise 2.4.2" in panel.banner.title_text
    assert not panel.save_button.isEnabled()
    panel.save_button.setEnabled(True)
    qtbot.keyClicks(panel.title, "Sneaky")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    wait_idle(services)
    assert rows(services) == []
    assert "unlocks after exercise 2.4.2" in panel.banner.title_text
