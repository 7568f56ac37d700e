"""Driving the conversation page in tests: wait for the worker, open the page, answer ahead,
press Continue, write as a panel does."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from dreamtree_desktop import topics as topic
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.engine.sample import SampleAnswers
from dreamtree_desktop.engine.workbook import Workbook
from ui.conversation.page import ConversationPage


def settle(qtbot: Any, page: ConversationPage) -> None:
    """Wait until the worker has delivered everything and the page is not waiting on a read."""
    worker = page.services.worker
    qtbot.waitUntil(lambda: worker.pending == 0 and not page._loading and not page._saving
                    and not page._refresh_timer.isActive(), timeout=15_000)


def open_page(qtbot: Any, services: Any) -> ConversationPage:
    page = ConversationPage(services)
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    qtbot.waitExposed(page)
    settle(qtbot, page)
    assert page.snap is not None
    return page


def answer_until(ctx: UserContext, stop_before: str) -> None:
    """Answer the workbook in order through the engine, stopping before one prompt."""
    wb = Workbook(ctx)
    sample = SampleAnswers(ctx)
    for ex in wb.content.exercises:
        for prompt in ex.prompts:
            if prompt.id == stop_before:
                return
            items = wb.ranking_items(prompt.id) if prompt.input_type == "ranking" else None
            wb.answer(prompt.id, sample.value(prompt, items))


def continue_to_prompt(qtbot: Any, page: ConversationPage, *, by_mouse: bool) -> str:
    """Press Continue (Enter on the button, or a click) until the composer asks a question."""
    for _ in range(40):
        if page.composer.mode == "prompt":
            assert page.composer.spec is not None
            return page.composer.spec.id
        assert page.composer.mode == "continue", page.composer.mode
        button = page.composer.continue_button
        assert button.isVisible() and button.isEnabled()
        if by_mouse:
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        else:
            qtbot.keyClick(button, Qt.Key.Key_Return)
        settle(qtbot, page)
    raise AssertionError("no prompt reached")


def as_panel(qtbot: Any, page: ConversationPage, tool_id: str, fn: Any) -> None:
    """Write through the tools' domain API on the worker, as a panel does, then say so."""
    with qtbot.waitSignal(page.answer_saved, timeout=15_000):
        page.services.worker.submit(fn, topics={topic.tool(tool_id)})
    settle(qtbot, page)


def send_ctrl_enter(qtbot: Any, widget: Any) -> None:
    qtbot.keyClick(widget, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)


def rows_of(page: ConversationPage, kind: str) -> list[int]:
    return [i for i, m in enumerate(page.model.messages) if m.kind == kind]
