"""Ranking grid panel: one pair at a time (buttons and Left/Right), the resulting order saved where
the ranked things live (a named list, places, career options), places added and removed, the lock."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from dreamtree_desktop.tools import career_options, locations, ranking
from dreamtree_desktop.tools import lists as lists_api
from tests.tools.toolhelp import unlock_tool
from ui.tools.ranking import RankingPanel

TOOL = "ranking-grid"
FACTORS = ["Skills", "Knowledge", "Environment", "People", "Compensation"]


@pytest.fixture
def open_panel(qtbot: Any, services: Any, wait_idle: Any) -> Any:
    def make(origin: str | None = None, *, unlock: bool = True) -> RankingPanel:
        if unlock:
            services.worker.call_sync(unlock_tool, TOOL)
        panel = RankingPanel(services, origin_exercise=origin)
        qtbot.addWidget(panel)
        panel.resize(420, 760)
        panel.show()
        wait_idle(services)
        return panel

    return make


def pick_source(panel: RankingPanel, key: str) -> None:
    index = panel.source_box.findData(key)
    assert index >= 0, [panel.source_box.itemData(i) for i in range(panel.source_box.count())]
    panel.source_box.setCurrentIndex(index)


def test_rank_work_factors_with_the_keyboard(qtbot: Any, open_panel: Any, services: Any,
                                            wait_idle: Any) -> None:
    panel = open_panel()
    pick_source(panel, "list:work-factors")
    assert [panel.order.item(i).text() for i in range(panel.order.count())] == FACTORS
    assert panel.start_button.text() == "Start comparing (10 pairs)"
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    assert panel.compare_box.isVisible() and panel.progress_label.text() == "1 of 10"
    pairs = ranking.pairs(FACTORS)
    picked = []
    for n, (a, b) in enumerate(pairs):
        assert panel.left_button.label.text() == a and panel.right_button.label.text() == b
        if n == 2:
            assert panel.progress_label.text() == "3 of 10"
        # Prefer whichever comes later in the list: the order should come out reversed.
        key = Qt.Key.Key_Left if FACTORS.index(a) > FACTORS.index(b) else Qt.Key.Key_Right
        qtbot.keyClick(panel.left_button if n % 2 else panel.right_button, key)
        picked.append(a if key == Qt.Key.Key_Left else b)
        if n == 4:
            # Undo the last choice, then make it again.
            qtbot.mouseClick(panel.back_button, Qt.MouseButton.LeftButton)
            assert panel.progress_label.text() == "5 of 10"
            qtbot.keyClick(panel.left_button, key)
    assert panel.result_box.isVisible()
    expected = list(reversed(FACTORS))
    qtbot.waitUntil(lambda: services.worker.call_sync(lists_api.texts, "work-factors") == expected,
                    timeout=5_000)
    wait_idle(services)
    assert panel.result_list.item(0).text().startswith("1. Compensation")
    assert "Saved" in panel.result_state.text()


def test_work_factors_from_the_workbook(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    from dreamtree_desktop.engine.workbook import Workbook

    panel = open_panel("1.3.1", unlock=False)
    # the exercise's tool prompt decides: its target list, ranking the options in its config
    assert not panel.source_row.isVisible() and not panel.add_row.isVisible()
    assert panel.source is not None and panel.source["list_name"] == "work-factors"
    assert [panel.order.item(i).text() for i in range(panel.order.count())] == FACTORS
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    while panel.current_mode == "compare":
        qtbot.keyClick(panel.left_button, Qt.Key.Key_Left)  # the earlier one always wins
    qtbot.waitUntil(lambda: services.worker.call_sync(lists_api.texts, "work-factors") == FACTORS,
                    timeout=5_000)
    wait_idle(services)
    saved = services.worker.call_sync(lists_api.list_)
    assert [(r["name"], r["origin"]) for r in saved] == [("work-factors", "1.3.1")]
    view = services.worker.call_sync(lambda ctx: Workbook(ctx).exercise("1.3.1"))
    assert view.prompts[0].answered  # the conversation sees the tool prompt answered


def test_places_from_the_workbook(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel("1.2.1", unlock=False)
    assert not panel.source_row.isVisible()  # the prompt decides what is ranked
    assert panel.add_row.isVisible()
    for name in ("Lisbon", "Leeds", "Oslo"):
        qtbot.keyClicks(panel.new_place, name)
        qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
        wait_idle(services)
    rows = services.worker.call_sync(locations.list_)
    assert [r["name"] for r in rows] == ["Lisbon", "Leeds", "Oslo"]
    assert all(r["origin"] == "1.2.1" for r in rows)

    # remove one, then undo
    panel.order.setCurrentRow(1)
    qtbot.mouseClick(panel.remove_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(services.worker.call_sync(locations.list_)) == 2, timeout=5_000)
    wait_idle(services)
    assert panel.banner.title_text.startswith("Removed")
    panel.banner.action_clicked.emit()
    qtbot.waitUntil(lambda: len(services.worker.call_sync(locations.list_)) == 3, timeout=5_000)
    wait_idle(services)

    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    while panel.current_mode == "compare":
        a, b = panel.pairs[len(panel.choices)]
        names = panel._texts
        # Oslo beats everything, Lisbon beats Leeds.
        left_wins = names[a] == "Oslo" or (names[a] == "Lisbon" and names[b] == "Leeds")
        qtbot.mouseClick(panel.left_button if left_wins else panel.right_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: [r["name"] for r in services.worker.call_sync(locations.list_)]
                    == ["Oslo", "Lisbon", "Leeds"], timeout=5_000)
    wait_idle(services)
    with qtbot.waitSignal(panel.done, timeout=2_000):
        qtbot.mouseClick(panel.done_button, Qt.MouseButton.LeftButton)


def test_rank_career_options(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    services.worker.call_sync(unlock_tool, "career-options")
    ids = [services.worker.call_sync(career_options.create, {"title": t}) for t in ("Teacher", "Gardener")]
    panel = open_panel()
    pick_source(panel, "options")
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    assert panel.progress_label.text() == "1 of 1"
    qtbot.mouseClick(panel.right_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: [r["id"] for r in services.worker.call_sync(career_options.list_)]
                    == list(reversed(ids)), timeout=5_000)
    ranks = {r["title"]: r["rank"] for r in services.worker.call_sync(career_options.list_)}
    assert ranks == {"Gardener": 1, "Teacher": 2}


def test_place_names_are_checked(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel()
    pick_source(panel, "places")
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    assert panel.place_error.isVisible() and "name" in panel.place_error.text()
    qtbot.keyClicks(panel.new_place, "Porto")
    assert not panel.place_error.isVisible()
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(services.worker.call_sync(locations.list_)) == 1, timeout=5_000)
    wait_idle(services)
    qtbot.keyClicks(panel.new_place, "porto")
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    wait_idle(services)
    assert panel.place_error.isVisible() and "already" in panel.place_error.text()
    assert len(services.worker.call_sync(locations.list_)) == 1
    assert not panel.start_button.isEnabled()  # one place: nothing to compare
    assert panel.empty.isVisible()


def test_locked_standalone_cannot_save(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel(unlock=False)
    assert panel.locked and "unlocks after exercise 1.3.1" in panel.banner.title_text
    pick_source(panel, "list:work-factors")
    assert not panel.start_button.isEnabled()
    panel.locked = False  # past the panel's own guard the core still refuses
    panel.start()
    while panel.current_mode == "compare":
        qtbot.mouseClick(panel.left_button, Qt.MouseButton.LeftButton)
    wait_idle(services)
    assert services.worker.call_sync(lists_api.texts, "work-factors") == []
    assert "unlocks after exercise 1.3.1" in panel.banner.title_text
    assert panel.result_state.text() == "Not saved yet." and panel.save_button.isVisible()
