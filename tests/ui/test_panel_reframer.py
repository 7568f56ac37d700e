"""Failure reframer panel: reframes are saved as reframe stories; edit, delete and undo through widgets."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from dreamtree_desktop.tools import reframes
from tests.tools.toolhelp import unlock_tool
from ui.tools.reframer import ReframerPanel

TOOL = "failure-reframer"


@pytest.fixture
def open_panel(qtbot: Any, services: Any, wait_idle: Any) -> Any:
    def make(origin: str | None = None, *, unlock: bool = True) -> ReframerPanel:
        if unlock:
            services.worker.call_sync(unlock_tool, TOOL)
        panel = ReframerPanel(services, origin_exercise=origin)
        qtbot.addWidget(panel)
        panel.resize(420, 760)
        panel.show()
        wait_idle(services)
        return panel

    return make


def rows(services: Any) -> list[dict[str, Any]]:
    return services.worker.call_sync(reframes.list_)


def story_rows(services: Any) -> list[dict[str, Any]]:
    def query(ctx: Any) -> list[dict[str, Any]]:
        return [dict(r) for r in ctx.db.query("SELECT * FROM user_stories WHERE user_id = ?", (ctx.user_id,))]

    return services.worker.call_sync(query)


def test_create_edit_delete_and_undo(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel()
    qtbot.keyClicks(panel.fields["situation"], "Missed the promotion.")
    qtbot.keyClicks(panel.fields["feelings"], "Stung.")
    qtbot.keyClicks(panel.fields["lesson"], "Ask for feedback early.")
    qtbot.keyClicks(panel.fields["what_to_change"], "Speak up sooner.")
    qtbot.keyClicks(panel.fields["silver_lining"], "A clear target.")
    qtbot.keyClicks(panel.fields["next_step"], "Book a talk with my manager.")
    qtbot.keyClicks(panel.statement, "Now I know what to aim for.")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(rows(services)) == 1, timeout=5_000)
    wait_idle(services)
    row = rows(services)[0]
    assert row["reframed_statement"] == "Now I know what to aim for."
    assert row["lesson"] == "Ask for feedback early." and row["next_step"] == "Book a talk with my manager."
    stored = story_rows(services)[0]
    # saved as a reframe story: the mapping of docs/tools.md
    assert stored["story_type"] == "reframe"
    assert (stored["title"], stored["obstacle"], stored["action"], stored["result"], stored["evaluation"],
            stored["discovery"]) == ("Now I know what to aim for.", "Stung.", "Book a talk with my manager.",
                                     "A clear target.", "Speak up sooner.", "Ask for feedback early.")
    assert panel.list.count() == 1 and panel.list.text(0) == "Now I know what to aim for."

    panel.new()
    rect = panel.list.row_rect(0)
    qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert panel.fields["feelings"].toPlainText() == "Stung."
    panel.fields["feelings"].clear()
    qtbot.keyClicks(panel.fields["feelings"], "Disappointed, then curious.")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: rows(services)[0]["feelings"] == "Disappointed, then curious.", timeout=5_000)
    assert len(rows(services)) == 1

    wait_idle(services)
    qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: rows(services) == [], timeout=5_000)
    wait_idle(services)
    assert story_rows(services) == []
    panel.banner.action_clicked.emit()
    qtbot.waitUntil(lambda: len(rows(services)) == 1, timeout=5_000)
    assert rows(services)[0]["feelings"] == "Disappointed, then curious."


def test_empty_reframe_shows_reason_and_writes_nothing(qtbot: Any, open_panel: Any, services: Any,
                                                       wait_idle: Any) -> None:
    panel = open_panel()
    qtbot.keyClicks(panel.fields["lesson"], "   ")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    wait_idle(services)
    assert panel.error.isVisible() and "at least one part" in panel.error.text()
    assert story_rows(services) == []
    qtbot.keyClicks(panel.statement, "x")
    assert not panel.error.isVisible()


def test_workbook_origin_and_done(qtbot: Any, open_panel: Any, services: Any) -> None:
    panel = open_panel("2.2.1", unlock=False)
    qtbot.keyClicks(panel.fields["situation"], "A rejection.")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(rows(services)) == 1, timeout=5_000)
    assert rows(services)[0]["origin"] == "2.2.1"
    with qtbot.waitSignal(panel.done, timeout=2_000):
        qtbot.mouseClick(panel.done_button, Qt.MouseButton.LeftButton)


def test_locked_standalone_cannot_save(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel(unlock=False)
    assert panel.locked and "unlocks after exercise 2.2.1" in panel.banner.title_text
    assert not panel.save_button.isEnabled()
    panel.save_button.setEnabled(True)
    qtbot.keyClicks(panel.fields["situation"], "Trying anyway.")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    wait_idle(services)
    assert story_rows(services) == []
    assert "unlocks after exercise 2.2.1" in panel.banner.title_text
