"""Competency assessment panel: answer through the option cards, see the results and the chart,
the yearly re-assessment reminder, core errors in the banner, and the lock."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from dreamtree_desktop.tools import competencies
from tests.tools.toolhelp import unlock_tool
from ui.tools.competency import CompetencyPanel

TOOL = "competency-assessment"


@pytest.fixture
def open_panel(qtbot: Any, services: Any, wait_idle: Any) -> Any:
    def make(origin: str | None = None, *, unlock: bool = True) -> CompetencyPanel:
        if unlock:
            services.worker.call_sync(unlock_tool, TOOL)
        panel = CompetencyPanel(services, origin_exercise=origin)
        qtbot.addWidget(panel)
        panel.resize(420, 760)
        panel.show()
        wait_idle(services)
        return panel

    return make


def scores(services: Any) -> dict[str, int]:
    return {r["competency_id"]: r["score"] for r in services.worker.call_sync(competencies.scores)}


def level_of(services: Any, option_id: str) -> int:
    return int(services.worker.call_sync(
        lambda ctx: ctx.db.scalar("SELECT level FROM competency_levels WHERE id = ?", (option_id,))))


def colours(image: QImage) -> int:
    seen = set()
    for x in range(0, image.width(), 7):
        for y in range(0, image.height(), 7):
            seen.add(image.pixel(x, y))
    return len(seen)


def test_answer_every_competency_and_see_results(qtbot: Any, open_panel: Any, services: Any,
                                                wait_idle: Any) -> None:
    panel = open_panel()
    assert panel.pages[0].isVisible() and not panel.results_button.isEnabled()
    assert len(panel.questions) == 15
    assert panel.progress_label.text().startswith("Competency 1 of 15")
    first = panel.questions[0]
    # The options are shown without their levels: only descriptions, in the core's shuffled order.
    assert [c.label.text() for c in panel.cards] == [o["description"] for o in first["options"]]
    expected: dict[str, int] = {}
    for n in range(15):
        question = panel.questions[panel.index]
        assert panel.index == n
        card = panel.cards[n % 5]
        option_id = card.property("option_id")
        if n == 0:
            # Keyboard: Down moves to the next card, Space picks it.
            panel.cards[0].setFocus()
            qtbot.keyClick(panel.cards[0], Qt.Key.Key_Down)
            card = panel.cards[1]
            option_id = card.property("option_id")
            assert card.hasFocus()
            qtbot.keyClick(card, Qt.Key.Key_Space)
        else:
            qtbot.mouseClick(card, Qt.MouseButton.LeftButton)
        expected[question["competency_id"]] = level_of(services, option_id)
        answered = len(expected)
        qtbot.waitUntil(lambda k=answered: len(scores(services)) == k, timeout=5_000)
        wait_idle(services)
    assert scores(services) == expected
    # The last answer opens the results.
    assert panel.pages[1].isVisible() and panel.results_button.isChecked()
    results = services.worker.call_sync(competencies.results)
    assert panel.level_number.text() == str(results.overall_level)
    assert f"{results.overall:.2f}" in panel.level_text.text()
    assert results.strengths[0][1] in panel.strengths.text()
    if results.improvements:
        assert results.improvements[0][1] in panel.improvements.text()
    assert not panel.reminder.isVisible()
    for chart in (panel.category_chart, panel.detail_chart):
        image = chart.grab().toImage()
        assert colours(image) > 2, "the chart drew nothing"
    assert "Delivery" in panel.category_chart.summary()
    assert panel.questions[0]["name"] in panel.detail_chart.summary()


def test_change_an_answer(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel()
    comp_id = panel.questions[0]["competency_id"]
    qtbot.mouseClick(panel.cards[0], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: comp_id in scores(services), timeout=5_000)
    wait_idle(services)
    assert panel.index == 1  # moved on
    qtbot.mouseClick(panel.prev_button, Qt.MouseButton.LeftButton)
    assert panel.index == 0
    assert panel.cards[0].is_selected()
    option_id = panel.cards[3].property("option_id")
    qtbot.mouseClick(panel.cards[3], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: scores(services)[comp_id] == level_of(services, option_id), timeout=5_000)
    assert len(scores(services)) == 1
    wait_idle(services)
    assert panel.results_button.isEnabled()


def test_reassessment_reminder(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    services.worker.call_sync(unlock_tool, TOOL)
    value = {q["competency_id"]: 3 for q in services.worker.call_sync(competencies.questions)}
    services.worker.call_sync(competencies.apply_prompt_value, value, "2.5.1", {})

    def age(ctx: Any) -> None:
        with ctx.db.transaction():
            ctx.db.execute("UPDATE user_competency_scores SET assessed_at = '2020-01-05T10:00:00.000Z'")

    services.worker.call_sync(age)
    panel = open_panel()
    assert panel.pages[1].isVisible()
    assert panel.reminder.isVisible()
    assert "more than a year" in panel.reminder_text.text() and "5 January 2020" in panel.reminder_text.text()
    qtbot.mouseClick(panel.reassess_button, Qt.MouseButton.LeftButton)
    assert panel.pages[0].isVisible() and panel.index == 0
    assert panel.cards[0].hasFocus()


def test_core_error_shows_in_banner(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel()
    panel.choose("not-an-option")
    wait_idle(services)
    assert "option_id is not one of this competency's options" in panel.banner.title_text
    assert scores(services) == {}
    assert panel.index == 0 and not any(card.is_selected() for card in panel.cards)
    # a later reload does not move on by itself
    panel.refresh()
    wait_idle(services)
    assert panel.index == 0


def test_workbook_origin_and_done(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel("2.5.1", unlock=False)
    assert not panel.locked
    qtbot.mouseClick(panel.cards[2], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(scores(services)) == 1, timeout=5_000)
    wait_idle(services)
    with qtbot.waitSignal(panel.done, timeout=2_000):
        qtbot.mouseClick(panel.done_button, Qt.MouseButton.LeftButton)


def test_locked_standalone_cannot_save(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel(unlock=False)
    assert panel.locked and "unlocks after exercise 2.5.1" in panel.banner.title_text
    assert all(not card.isEnabled() for card in panel.cards)
    qtbot.mouseClick(panel.cards[0], Qt.MouseButton.LeftButton)
    panel.locked = False  # even past the panel's own guard, the core refuses
    panel.choose(panel.cards[0].property("option_id"))
    wait_idle(services)
    assert scores(services) == {}
    assert "unlocks after exercise 2.5.1" in panel.banner.title_text
