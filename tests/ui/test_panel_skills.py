"""Skills browser: debounced search on the worker, rating, top-10 ranking, custom skills."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget

from dreamtree_desktop.tools import skills
from tests.tools.toolhelp import unlock_tool
from ui.tools.skill_picker import ID_ROLE, INFO_ROLE
from ui.tools.skills import SkillsPanel

TOOL = "skills-browser"


@pytest.fixture
def open_panel(qtbot: Any, services: Any, wait_idle: Any) -> Any:
    def make(origin: str | None = None, *, unlock: bool = True) -> SkillsPanel:
        if unlock:
            services.worker.call_sync(unlock_tool, TOOL)
        panel = SkillsPanel(services, origin_exercise=origin)
        qtbot.addWidget(panel)
        panel.resize(420, 760)
        panel.show()
        wait_idle(services)
        return panel

    return make


def mine(services: Any) -> list[dict[str, Any]]:
    return services.worker.call_sync(skills.list_user_skills)


def click_item(qtbot: Any, widget: QListWidget, row: int) -> None:
    item = widget.item(row)
    widget.scrollToItem(item)
    qtbot.mouseClick(widget.viewport(), Qt.MouseButton.LeftButton, pos=widget.visualItemRect(item).center())


def search(qtbot: Any, panel: SkillsPanel, text: str) -> None:
    panel.search.clear()
    qtbot.keyClicks(panel.search, text)
    results = panel.results

    def shown() -> bool:
        rows = [results.item(i).data(INFO_ROLE) for i in range(results.count())]
        return bool(rows) and all(isinstance(r, dict) and text.lower() in r["name"].lower() for r in rows)

    qtbot.waitUntil(shown, timeout=5_000)


def test_search_is_debounced_and_filters_by_category(qtbot: Any, open_panel: Any, services: Any,
                                                     wait_idle: Any) -> None:
    panel = open_panel()
    assert panel.results.count() == 60  # the first page of the whole list
    qtbot.keyClicks(panel.search, "lead")
    # typing only restarts the timer: one search runs ~150 ms after the last key
    assert panel._timer.isActive()
    search(qtbot, panel, "lead")
    names = [panel.results.item(i).data(INFO_ROLE)["name"] for i in range(panel.results.count())]
    assert "Lead teams" in names and names[0].lower().startswith("lead")
    panel.category.setCurrentIndex(panel.category.findData("knowledge"))
    qtbot.waitUntil(lambda: all(panel.results.item(i).data(INFO_ROLE)["category"] == "knowledge"
                                for i in range(panel.results.count())
                                if isinstance(panel.results.item(i).data(INFO_ROLE), dict)), timeout=5_000)
    panel.search.clear()
    qtbot.keyClicks(panel.search, "zzzzqx")
    qtbot.waitUntil(lambda: panel.results.count() == 1 and panel.results.item(0).data(ID_ROLE) is None,
                    timeout=5_000)
    assert "No skill matches" in panel.results.item(0).text()


def test_rate_edit_rank_and_remove(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel()
    search(qtbot, panel, "Lead teams")
    click_item(qtbot, panel.results, 0)
    assert panel.detail_name.text() == "Lead teams"
    panel.mastery.setCurrentIndex(panel.mastery.findData(4))
    qtbot.keyClicks(panel.evidence, "Ran the night shift crew.")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(mine(services)) == 1, timeout=5_000)
    wait_idle(services)
    row = mine(services)[0]
    assert (row["name"], row["mastery"], row["rank"]) == ("Lead teams", 4, None)
    assert row["evidence"] == "Ran the night shift crew."
    assert panel.mine_list.count() == 1 and "mastery 4/5" in panel.mine_list.item(0).text()
    assert panel.results.item(0).text().startswith("✓ ")

    # edit the rating from "My skills"
    click_item(qtbot, panel.mine_list, 0)
    panel.mastery.setCurrentIndex(panel.mastery.findData(5))
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: mine(services)[0]["mastery"] == 5, timeout=5_000)
    wait_idle(services)

    # top 10: add two skills, then reorder with the buttons
    qtbot.mouseClick(panel.top_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: [s["rank"] for s in mine(services)] == [1], timeout=5_000)
    wait_idle(services)
    search(qtbot, panel, "Listen actively")
    click_item(qtbot, panel.results, 0)
    qtbot.mouseClick(panel.top_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(skills_ranked(services)) == 2, timeout=5_000)
    wait_idle(services)
    assert skills_ranked(services) == ["Lead teams", "Listen actively"]
    assert panel.top_list.count() == 2
    panel.top_list.setCurrentRow(1)
    qtbot.mouseClick(panel.up_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: skills_ranked(services) == ["Listen actively", "Lead teams"], timeout=5_000)
    wait_idle(services)
    assert panel.top_list.item(0).text() == "1. Listen actively"
    assert panel.top_list.currentRow() == 0  # the moved skill stays selected
    panel.top_list.setCurrentRow(1)
    qtbot.mouseClick(panel.untop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: skills_ranked(services) == ["Listen actively"], timeout=5_000)
    wait_idle(services)

    # remove "Lead teams" from my skills, then undo
    lead = next(i for i in range(panel.mine_list.count()) if "Lead teams" in panel.mine_list.item(i).text())
    click_item(qtbot, panel.mine_list, lead)
    assert panel.remove_button.isVisible()
    qtbot.mouseClick(panel.remove_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: [s["name"] for s in mine(services)] == ["Listen actively"], timeout=5_000)
    wait_idle(services)
    assert "Removed" in panel.banner.title_text
    panel.banner.action_clicked.emit()
    qtbot.waitUntil(lambda: len(mine(services)) == 2, timeout=5_000)
    restored = next(s for s in mine(services) if s["name"] == "Lead teams")
    assert (restored["mastery"], restored["evidence"]) == (5, "Ran the night shift crew.")


def skills_ranked(services: Any) -> list[str]:
    return [s["name"] for s in services.worker.call_sync(skills.top10)]


def test_top_ten_is_full_at_ten(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    ids = [s["id"] for s in services.worker.call_sync(skills.search, "", None, 11)]
    services.worker.call_sync(unlock_tool, TOOL)
    services.worker.call_sync(skills.set_top10, ids[:10])
    panel = open_panel()
    assert panel.top_list.count() == 10
    search(qtbot, panel, services.worker.call_sync(skills.skill, ids[10])["name"])
    click_item(qtbot, panel.results, 0)
    qtbot.mouseClick(panel.top_button, Qt.MouseButton.LeftButton)
    wait_idle(services)
    assert panel.top_error.isVisible() and "full" in panel.top_error.text()
    assert len(services.worker.call_sync(skills.top10)) == 10


def test_custom_skill_is_pending_review(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel()
    qtbot.mouseClick(panel.custom_button, Qt.MouseButton.LeftButton)
    assert panel.custom_error.isVisible() and "Name is required" in panel.custom_error.text()
    wait_idle(services)
    assert mine(services) == []
    qtbot.keyClicks(panel.custom_name, "Sourdough baking")
    panel.custom_category.setCurrentIndex(panel.custom_category.findData("knowledge"))
    qtbot.keyClick(panel.custom_name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(mine(services)) == 1, timeout=5_000)
    wait_idle(services)
    row = mine(services)[0]
    assert row["name"] == "Sourdough baking" and row["is_custom"] and row["category"] == "knowledge"
    found = services.worker.call_sync(skills.skill, row["skill_id"])
    assert found["review_status"] == "pending"
    assert "pending review" in panel.banner.hint_text
    # adding it twice is refused by the core with a reason; nothing more is written
    qtbot.keyClicks(panel.custom_name, "sourdough BAKING")
    qtbot.mouseClick(panel.custom_button, Qt.MouseButton.LeftButton)
    wait_idle(services)
    assert "already exists" in panel.banner.title_text
    assert len(services.worker.call_sync(skills.search, "sourdough")) == 1
    assert panel.custom_name.text() == "sourdough BAKING"


def test_workbook_origin_and_done(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel("1.1.2", unlock=False)
    search(qtbot, panel, "Lead teams")
    click_item(qtbot, panel.results, 0)
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(mine(services)) == 1, timeout=5_000)
    assert mine(services)[0]["origin"] == "1.1.2"
    with qtbot.waitSignal(panel.done, timeout=2_000):
        qtbot.mouseClick(panel.done_button, Qt.MouseButton.LeftButton)


def test_locked_standalone_cannot_save(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel(unlock=False)
    assert panel.locked and "unlocks after exercise 1.1.2" in panel.banner.title_text
    search(qtbot, panel, "Lead teams")  # searching still works
    click_item(qtbot, panel.results, 0)
    assert not panel.save_button.isEnabled() and not panel.custom_button.isEnabled()
    panel.save_button.setEnabled(True)
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    wait_idle(services)
    assert mine(services) == []


def test_dragging_in_the_top_ten_saves_the_order(qtbot: Any, open_panel: Any, services: Any,
                                                 wait_idle: Any) -> None:
    ids = [s["id"] for s in services.worker.call_sync(skills.search, "", None, 3)]
    services.worker.call_sync(unlock_tool, TOOL)
    services.worker.call_sync(skills.set_top10, ids)
    panel = open_panel()
    assert panel.top_ids() == ids
    model = panel.top_list.model()
    root = model.index(0, 0).parent()
    # what an internal drag-and-drop does: move the last row to the top
    assert model.moveRow(root, 2, root, 0)
    qtbot.waitUntil(lambda: [s["skill_id"] for s in services.worker.call_sync(skills.top10)]
                    == [ids[2], ids[0], ids[1]], timeout=5_000)
    wait_idle(services)
    assert panel.top_list.item(0).text().startswith("1. ")
    assert panel.top_ids() == [ids[2], ids[0], ids[1]]
