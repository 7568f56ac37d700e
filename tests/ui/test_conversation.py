"""The workbook conversation, driven like a user would: keyboard, mouse, tool panels' writes.

Real data folder, real worker thread, real engine (fixtures in tests/conftest.py and
tests/ui/conftest.py). Qt warnings fail the test (tests/ui/conftest.py).
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from conversation_helpers import (
    answer_until,
    as_panel,
    continue_to_prompt,
    open_page,
    rows_of,
    send_ctrl_enter,
    settle,
)
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip

from dreamtree_desktop import topics as topic
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.engine.sample import SampleAnswers
from dreamtree_desktop.engine.workbook import Workbook
from dreamtree_desktop.tools import experiences, personality, skills, stories
from ui.conversation.composer import ListInput, LongTextInput, RankingInput, ToolInput
from ui.conversation.model import ANSWER, CELEBRATION, CONTENT, HEADING, TRANSITION, ConversationModel
from ui.conversation.page import ConversationPage


# -- the whole first module ------------------------------------------------------------------------
def test_new_user_completes_module_1_1_by_keyboard_and_mouse(qtbot: Any, onboarded: UserContext,
                                                             services: Any) -> None:
    ctx = onboarded
    page = open_page(qtbot, services)
    # A new user starts with the part's introduction, alone: one block at a time.
    assert [m.kind for m in page.model.messages] == [TRANSITION]
    assert page.composer.mode == "continue"

    # 1.1.1: blocks arrive one per Enter, then the tool prompt.
    assert continue_to_prompt(qtbot, page, by_mouse=False) == "1.1.1.experiences"
    kinds = [m.kind for m in page.model.messages]
    assert kinds[:3] == [TRANSITION, TRANSITION, HEADING]
    assert page.model.messages[-1].prompt_id == "1.1.1.experiences"
    assert isinstance(page.composer.input, ToolInput)
    with qtbot.waitSignal(services.navigator.open_tool, timeout=5000) as opened:
        qtbot.mouseClick(page.composer.input.open_button, Qt.MouseButton.LeftButton)
    assert opened.args == ["experiences", "1.1.1"]

    def add_experiences(c: UserContext) -> None:
        for n in range(3):
            experiences.create(c, {"title": f"Job {n}", "experience_type": "job",
                                   "description": "scheduled, repaired, taught"}, origin="1.1.1")

    as_panel(qtbot, page, "experiences", add_experiences)
    answers = [m for m in page.model.messages if m.kind == ANSWER]
    assert answers and answers[-1].prompt_id == "1.1.1.experiences" and answers[-1].text == "3 experiences"
    assert page.model.messages[-1].content_type == "reflection"  # moved on by itself

    # 1.1.2: skills browser (tool), then a long answer sent with Ctrl+Enter.
    assert continue_to_prompt(qtbot, page, by_mouse=True) == "1.1.2.skills"
    names = [s["name"] for s in services.worker.call_sync(lambda c: skills.search(c, "", "transferable", 10))]
    assert len(names) == 10

    def add_skills(c: UserContext) -> None:
        found = skills.search(c, "", "transferable", 10)
        for n, s in enumerate(found):
            skills.set_user_skill(c, s["id"], mastery=1 + n % 5, origin="1.1.2")
        skills.set_top10(c, [s["id"] for s in found], origin="1.1.2")

    as_panel(qtbot, page, "skills-browser", add_skills)
    assert page.composer.mode == "prompt" and page.composer.spec.id == "1.1.2.top10-reflection"
    # the top ten come back, quoted, above the composer
    quoted = [m for m in page.model.messages
              if m.kind == "recall" and m.prompt_id == "1.1.2.top10-reflection"]
    assert quoted and all(name in quoted[0].text for name in names)
    box = page.composer.input
    assert isinstance(box, LongTextInput)
    qtbot.keyClicks(box.edit, "People and clarity, mostly.")
    with qtbot.waitSignal(page.answer_saved, timeout=15_000):
        send_ctrl_enter(qtbot, box.edit)
    settle(qtbot, page)

    # 1.1.3: three SOARED stories through the stories domain API.
    assert continue_to_prompt(qtbot, page, by_mouse=False) == "1.1.3.stories"

    def add_stories(c: UserContext) -> None:
        for n in range(3):
            stories.create(c, {"title": f"Story {n}", "situation": "A queue", "action": "Tickets"},
                           origin="1.1.3")

    as_panel(qtbot, page, "soared-story", add_stories)

    # 1.1.4: personality (the panel says done), a reflection sent by mouse, a list, a ranking.
    assert continue_to_prompt(qtbot, page, by_mouse=True) == "1.1.4.personality"
    services.worker.call_sync(lambda c: personality.set_type(c, "INFJ", origin="1.1.4"))
    with qtbot.waitSignal(page.answer_saved, timeout=15_000):
        page.on_tool_done("personality-selector", "1.1.4")
    settle(qtbot, page)
    assert continue_to_prompt(qtbot, page, by_mouse=False) == "1.1.4.type-reflection"
    qtbot.keyClicks(page.composer.input.edit, "The quiet mornings part is right.")
    with qtbot.waitSignal(page.answer_saved, timeout=15_000):
        qtbot.mouseClick(page.composer.send_button, Qt.MouseButton.LeftButton)
    settle(qtbot, page)

    assert continue_to_prompt(qtbot, page, by_mouse=False) == "1.1.4.soft-skills"
    builder = page.composer.input
    assert isinstance(builder, ListInput)
    qualities = ["patient", "curious", "dependable", "tactful", "thorough"]
    for word in qualities:
        qtbot.keyClicks(builder.entry, word)
        qtbot.keyClick(builder.entry, Qt.Key.Key_Return)  # Enter adds a row
    assert builder.value() == qualities
    builder.items.setCurrentRow(4)
    qtbot.keyClick(builder.items, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)  # reorder by keyboard
    assert builder.value() == ["patient", "curious", "dependable", "thorough", "tactful"]
    with qtbot.waitSignal(page.answer_saved, timeout=15_000):
        send_ctrl_enter(qtbot, builder.entry)
    settle(qtbot, page)

    assert page.composer.mode == "prompt" and page.composer.spec.id == "1.1.4.soft-skills-rank"
    ranking = page.composer.input
    assert isinstance(ranking, RankingInput)
    assert ranking.value() == ["patient", "curious", "dependable", "thorough", "tactful"]
    ranking.items.setCurrentRow(0)
    qtbot.keyClick(ranking.items, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    qtbot.mouseClick(ranking.mover.down, Qt.MouseButton.LeftButton)
    assert ranking.value() == ["curious", "dependable", "patient", "thorough", "tactful"]
    with qtbot.waitSignal(page.answer_saved, timeout=15_000):
        qtbot.mouseClick(page.composer.send_button, Qt.MouseButton.LeftButton)
    settle(qtbot, page)

    # 1.1.5: three lists (mouse on Add, keyboard on Enter) and a last long answer.
    lists = {"1.1.5.professional": ["Stock control", "Rotas"], "1.1.5.educational": ["Biology"],
             "1.1.5.personal": ["Growing vegetables", "Bike repair"]}
    for pid, items in lists.items():
        assert continue_to_prompt(qtbot, page, by_mouse=True) == pid
        builder = page.composer.input
        for item in items:
            qtbot.keyClicks(builder.entry, item)
            qtbot.mouseClick(builder.add_button, Qt.MouseButton.LeftButton)
        with qtbot.waitSignal(page.answer_saved, timeout=15_000):
            qtbot.mouseClick(page.composer.send_button, Qt.MouseButton.LeftButton)
        settle(qtbot, page)
    assert continue_to_prompt(qtbot, page, by_mouse=False) == "1.1.5.favourite"
    qtbot.keyClicks(page.composer.input.edit, "Growing vegetables.")
    with qtbot.waitSignal(page.answer_saved, timeout=15_000) as saved:
        send_ctrl_enter(qtbot, page.composer.input.edit)
    settle(qtbot, page)
    assert saved.args[0].module_completed is True

    # The reflection, then the celebration: centred, after the module's last exercise.
    for _ in range(3):
        if page.model.messages[-1].kind == CELEBRATION:
            break
        qtbot.keyClick(page.composer.continue_button, Qt.Key.Key_Return)
        settle(qtbot, page)
    last = page.model.messages[-1]
    assert last.kind == CELEBRATION and last.exercise_id == "1.1.5" and "1.1" in last.label

    # -- the database holds every answer where it belongs
    db, uid = ctx.db, ctx.user_id
    responses = dict(db.query("SELECT prompt_id, response_text FROM user_responses WHERE user_id = ?",
                              (uid,)))
    assert responses["1.1.2.top10-reflection"] == "People and clarity, mostly."
    assert responses["1.1.4.type-reflection"] == "The quiet mornings part is right."
    assert responses["1.1.5.favourite"] == "Growing vegetables."

    def list_items(name: str) -> list[str]:
        return [r[0] for r in db.query(
            "SELECT i.content FROM user_list_items i JOIN user_lists l ON l.id = i.list_id "
            "WHERE l.user_id = ? AND l.name = ? ORDER BY i.position", (uid, name))]

    assert list_items("soft-skills") == ["patient", "curious", "dependable", "thorough", "tactful"]
    assert list_items("soft-skills-ranked") == ["curious", "dependable", "patient", "thorough", "tactful"]
    assert list_items("knowledge-professional") == ["Stock control", "Rotas"]
    assert list_items("knowledge-personal") == ["Growing vegetables", "Bike repair"]
    assert db.scalar("SELECT COUNT(*) FROM user_experiences WHERE user_id = ?", (uid,)) == 3
    assert db.scalar("SELECT COUNT(*) FROM user_skills WHERE user_id = ? AND rank IS NOT NULL", (uid,)) == 10
    assert db.scalar("SELECT COUNT(*) FROM user_stories WHERE user_id = ?", (uid,)) == 3
    assert db.scalar("SELECT personality_type FROM user_settings WHERE user_id = ?", (uid,)) == "INFJ"
    progress = {r[0] for r in db.query("SELECT exercise_id FROM exercise_progress WHERE user_id = ?", (uid,))}
    assert progress == {"1.1.1", "1.1.2", "1.1.3", "1.1.4", "1.1.5"}
    module = db.one("SELECT first_completed_at, last_modified_at FROM user_modules "
                    "WHERE user_id = ? AND module_id = '1.1'", (uid,))
    assert module is not None and module[0] and module[1] >= module[0]

    # and the next module is offered
    qtbot.keyClick(page.composer.continue_button, Qt.Key.Key_Return)
    settle(qtbot, page)
    assert page.active == "1.2.1"
    assert page.model.messages[-1].kind == TRANSITION


# -- editing --------------------------------------------------------------------------------------
def test_editing_an_earlier_answer_moves_last_modified_but_not_first_completed(
        qtbot: Any, onboarded: UserContext, services: Any) -> None:
    ctx = onboarded
    answer_until(ctx, "1.2.1.past-places")  # module 1.1 complete
    before = ctx.db.one("SELECT first_completed_at, last_modified_at FROM user_modules "
                        "WHERE user_id = ? AND module_id = '1.1'", (ctx.user_id,))
    assert before is not None
    page = open_page(qtbot, services)
    rows = page.model.rowCount()
    row = page.model.answer_row("1.1.5.favourite")
    assert row >= 0
    index = page.model.index(row, 0)
    page.view.scrollTo(index)
    qtbot.wait(5)  # timestamps have millisecond resolution
    bubble = page.view.delegate.bubble_rect(page.model.message(row), page.view.visualRect(index))
    assert "1.1.5" not in page.snap.views  # its prompts are read on demand, on the worker
    qtbot.mouseDClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=bubble.center().toPoint())
    qtbot.waitUntil(lambda: page.composer.editing, timeout=10_000)
    assert page.composer.spec.id == "1.1.5.favourite"
    editor = page.composer.input.edit
    assert editor.toPlainText() == services.worker.call_sync(
        lambda c: Workbook(c).answer_of("1.1.5.favourite"))
    editor.selectAll()
    qtbot.keyClicks(editor, "Mostly about explaining things.")
    with qtbot.waitSignal(page.answer_saved, timeout=15_000):
        send_ctrl_enter(qtbot, editor)
    settle(qtbot, page)

    after = ctx.db.one("SELECT first_completed_at, last_modified_at FROM user_modules "
                       "WHERE user_id = ? AND module_id = '1.1'", (ctx.user_id,))
    assert after[0] == before[0]
    assert after[1] > before[1]
    assert ctx.db.scalar("SELECT response_text FROM user_responses WHERE user_id = ? AND prompt_id = ?",
                         (ctx.user_id, "1.1.5.favourite")) == "Mostly about explaining things."
    # the bubble changed in place; nothing else moved
    assert page.model.rowCount() == rows
    assert page.model.message(row).text == "Mostly about explaining things."
    assert not page.composer.editing


def test_enter_and_context_menu_edit_an_answer_and_escape_cancels(qtbot: Any, onboarded: UserContext,
                                                                   services: Any) -> None:
    answer_until(onboarded, "1.1.4.soft-skills")
    page = open_page(qtbot, services)
    assert page.composer.mode == "prompt" and page.composer.spec.id == "1.1.4.soft-skills"
    qtbot.keyClicks(page.composer.input.entry, "half-typed")  # kept aside while editing

    row = page.model.answer_row("1.1.4.type-reflection")
    page.view.setCurrentIndex(page.model.index(row, 0))
    qtbot.keyClick(page.view, Qt.Key.Key_Return)
    assert page.composer.editing and page.composer.spec.id == "1.1.4.type-reflection"
    qtbot.keyClick(page.composer.input.edit, Qt.Key.Key_Escape)
    assert not page.composer.editing
    assert page.composer.spec.id == "1.1.4.soft-skills"
    assert page.composer.input.entry.text() == "half-typed"

    row = page.model.answer_row("1.1.2.top10-reflection")
    page.view.scrollTo(page.model.index(row, 0))
    page.view.setCurrentIndex(page.model.index(row, 0))
    page.view.contextMenuEvent(_keyboard_context_menu())
    menu = page.view._menu
    actions = {a.text(): a for a in menu.actions()}
    assert "Edit answer" in actions
    actions["Edit answer"].trigger()
    menu.close()
    assert page.composer.editing and page.composer.spec.id == "1.1.2.top10-reflection"
    qtbot.mouseClick(page.composer.cancel_button, Qt.MouseButton.LeftButton)
    assert not page.composer.editing and page.composer.input.entry.text() == "half-typed"


def _keyboard_context_menu() -> Any:
    from PySide6.QtGui import QContextMenuEvent

    return QContextMenuEvent(QContextMenuEvent.Reason.Keyboard, QPoint(10, 10), QPoint(10, 10),
                             Qt.KeyboardModifier.NoModifier)


# -- validation ----------------------------------------------------------------------------------
def test_validation_error_shows_inline_keeps_the_field_and_writes_nothing(
        qtbot: Any, onboarded: UserContext, services: Any) -> None:
    ctx = onboarded
    answer_until(ctx, "1.1.4.soft-skills")
    page = open_page(qtbot, services)
    assert page.composer.spec.id == "1.1.4.soft-skills"
    builder = page.composer.input
    for word in ("patient", "curious"):
        qtbot.keyClicks(builder.entry, word)
        qtbot.keyClick(builder.entry, Qt.Key.Key_Return)
    rows = page.model.rowCount()
    send_ctrl_enter(qtbot, builder.entry)
    qtbot.waitUntil(lambda: bool(page.composer.error_text), timeout=15_000)
    settle(qtbot, page)
    assert page.composer.error.isVisible()
    assert "5 to 15 items" in page.composer.error_text and "got 2" in page.composer.error_text
    assert builder.value() == ["patient", "curious"]  # nothing lost
    assert page.composer.input is builder
    assert page.model.rowCount() == rows
    uid = ctx.user_id
    assert ctx.db.scalar("SELECT COUNT(*) FROM user_lists WHERE user_id = ? AND name = 'soft-skills'",
                         (uid,)) == 0
    assert ctx.db.scalar("SELECT COUNT(*) FROM exercise_progress WHERE user_id = ? AND exercise_id = '1.1.4'",
                         (uid,)) == 0
    # typing again clears the message; a valid answer then goes through
    for word in ("dependable", "tactful", "thorough"):
        qtbot.keyClicks(builder.entry, word)
        qtbot.keyClick(builder.entry, Qt.Key.Key_Return)
    assert not page.composer.error_text
    with qtbot.waitSignal(page.answer_saved, timeout=15_000):
        qtbot.mouseClick(page.composer.send_button, Qt.MouseButton.LeftButton)
    settle(qtbot, page)
    assert ctx.db.scalar("SELECT COUNT(*) FROM user_lists WHERE user_id = ? AND name = 'soft-skills'",
                         (uid,)) == 1


def test_empty_text_answer_is_refused_inline(qtbot: Any, onboarded: UserContext, services: Any) -> None:
    answer_until(onboarded, "1.1.2.top10-reflection")
    page = open_page(qtbot, services)
    assert page.composer.spec.id == "1.1.2.top10-reflection"
    qtbot.keyClicks(page.composer.input.edit, "   ")
    send_ctrl_enter(qtbot, page.composer.input.edit)
    qtbot.waitUntil(lambda: bool(page.composer.error_text), timeout=15_000)
    assert page.composer.error_text == "Must not be empty."
    assert page.composer.input.edit.toPlainText() == "   "
    assert onboarded.db.scalar("SELECT COUNT(*) FROM user_responses WHERE user_id = ?",
                               (onboarded.user_id,)) == 0


# -- citations -----------------------------------------------------------------------------------
def test_citation_marker_tooltip_is_the_short_citation(qtbot: Any, onboarded: UserContext,
                                                       services: Any) -> None:
    answer_until(onboarded, "1.2.1.past-places")
    page = open_page(qtbot, services)
    row = next(i for i, m in enumerate(page.model.messages) if m.kind == CONTENT and m.citations)
    msg = page.model.message(row)
    number, short, _full = msg.citations[0]
    assert f"[{number}]" in msg.text
    stored = onboarded.db.scalar('SELECT short_citation FROM "references" WHERE citation_number = ?',
                                 (number,))
    assert short == stored

    index = page.model.index(row, 0)
    page.view.scrollTo(index, page.view.ScrollHint.PositionAtCenter)
    points = page.view.delegate.citation_points(msg, page.view.visualRect(index))
    assert points
    point, text = points[0]
    assert text == stored
    viewport = page.view.viewport()
    pos = point.toPoint()
    event = QHelpEvent(QEvent.Type.ToolTip, pos, viewport.mapToGlobal(pos))
    QApplication.sendEvent(viewport, event)
    qtbot.waitUntil(QToolTip.isVisible, timeout=5000)
    from PySide6.QtGui import QTextDocument

    shown = QTextDocument()
    shown.setHtml(QToolTip.text())
    # The markdown is rendered: the title in italics, no raw asterisks.
    assert shown.toPlainText().strip() == stored.replace("*", "").strip()
    QToolTip.hideText()
    qtbot.waitUntil(lambda: not QToolTip.isVisible(), timeout=5000)
    # away from the marker there is no tooltip
    away = QPoint(2, 2)
    QApplication.sendEvent(viewport, QHelpEvent(QEvent.Type.ToolTip, away, viewport.mapToGlobal(away)))
    assert not QToolTip.isVisible()


# -- a long thread -------------------------------------------------------------------------------
def test_thread_of_3000_messages_opens_at_the_end_and_scrolls(qtbot: Any) -> None:
    import importlib.util
    from pathlib import Path

    from ui.conversation.view import ConversationView

    path = Path(__file__).resolve().parents[2] / "bench" / "bench_conversation.py"
    spec = importlib.util.spec_from_file_location("bench_conversation", path)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    msgs = bench.thread(3000)
    model = ConversationModel()
    model.reset(msgs)
    view = ConversationView()
    qtbot.addWidget(view)
    view.resize(1200, 800)
    painted: list[int] = []
    original = view.delegate.paint

    def counting_paint(painter: Any, option: Any, index: Any) -> None:
        painted.append(index.row())
        original(painter, option, index)

    view.delegate.paint = counting_paint  # type: ignore[method-assign]
    view.setModel(model)
    view.show()
    qtbot.waitExposed(view)
    view.scrollToBottom()
    view.viewport().grab()
    # A long thread is handed to the view as a window of its newest messages.
    shown = model.rowCount()
    assert shown + model.hidden_earlier == 3000
    assert shown < 3000
    assert model.message(shown - 1) == msgs[-1]
    last = model.index(shown - 1, 0)
    assert view.viewport().rect().intersects(view.visualRect(last))
    assert painted and max(painted) == shown - 1
    assert len(set(painted)) < 60  # only what is on screen is painted

    # Heights of rows not yet measured are refined in idle batches; the end stays in view.
    qtbot.waitUntil(lambda: not view.is_refining(), timeout=30_000)
    assert view.viewport().rect().intersects(view.visualRect(last))
    assert view.verticalScrollBar().value() == view.verticalScrollBar().maximum()

    # Scrolling to the top brings the earlier messages in, keeping the text under the eyes still.
    view.scrollToTop()
    view.viewport().grab()
    top_msg = model.message(view.indexAt(QPoint(10, 0)).row())
    qtbot.waitUntil(lambda: model.rowCount() > shown, timeout=5_000)
    view.viewport().grab()
    assert model.message(view.indexAt(QPoint(10, 0)).row()) == top_msg
    while model.hidden_earlier:
        view.scrollToTop()
        qtbot.wait(10)
    qtbot.waitUntil(lambda: not view.is_refining(), timeout=30_000)
    view.scrollToTop()
    view.viewport().grab()
    assert model.rowCount() == 3000 and model.message(0) == msgs[0]
    assert view.visualRect(model.index(0, 0)).top() == 0
    view.scrollTo(model.index(1500, 0), view.ScrollHint.PositionAtCenter)
    view.viewport().grab()
    assert view.viewport().rect().intersects(view.visualRect(model.index(1500, 0)))
    # rows sit one under the other without overlap
    top = view.indexAt(QPoint(10, 0)).row()
    rects = [view.visualRect(model.index(r, 0)) for r in range(top, top + 8)]
    for a, b in itertools.pairwise(rects):
        assert b.top() == a.bottom() + 1


def test_whole_workbook_thread_loads_into_the_page(qtbot: Any, onboarded: UserContext, services: Any) -> None:
    wb = Workbook(onboarded)
    sample = SampleAnswers(onboarded)
    for ex in wb.content.exercises:
        for prompt in ex.prompts:
            items = wb.ranking_items(prompt.id) if prompt.input_type == "ranking" else None
            wb.answer(prompt.id, sample.value(prompt, items))
    page = open_page(qtbot, services)
    n = page.model.rowCount()
    assert n > 400
    assert len(rows_of(page, HEADING)) == len(wb.content.exercises)
    assert page.view.viewport().rect().intersects(page.view.visualRect(page.model.index(n - 1, 0)))
    assert page.composer.mode == "idle" and "end of the workbook" in page.composer.header_label.text()


# -- typing effect, keyboard, accessibility -------------------------------------------------------
@pytest.mark.parametrize("speed", ["off", "fast"])
def test_typing_effect_follows_the_setting(qtbot: Any, onboarded: UserContext, services: Any,
                                           speed: str) -> None:
    import dataclasses

    services.theme.apply_settings(dataclasses.replace(services.theme.settings, typing_speed=speed))
    page = open_page(qtbot, services)
    assert not page.view.is_typing()  # what was already there is never animated
    qtbot.keyClick(page.composer.continue_button, Qt.Key.Key_Return)
    settle(qtbot, page)
    rows = page.model.rowCount()
    if speed == "off":
        assert not page.view.is_typing()
        return
    assert page.view.is_typing()
    typing_row = page.view.delegate.typing[0]
    assert page.model.message(typing_row).kind in (CONTENT, TRANSITION)
    assert typing_row == rows - 1  # only the newest message
    # Enter while typing shows the whole message at once and reveals nothing more
    qtbot.keyClick(page.composer.continue_button, Qt.Key.Key_Return)
    assert not page.view.is_typing()
    assert page.model.rowCount() == rows
    qtbot.keyClick(page.composer.continue_button, Qt.Key.Key_Return)
    settle(qtbot, page)
    assert page.model.rowCount() > rows
    qtbot.waitUntil(lambda: not page.view.is_typing(), timeout=20_000)


def test_keyboard_reaches_every_control_and_names_are_accessible(qtbot: Any, onboarded: UserContext,
                                                                 services: Any) -> None:
    answer_until(onboarded, "1.1.4.soft-skills")
    page = open_page(qtbot, services)
    page.activateWindow()
    qtbot.waitUntil(lambda: page.composer.input.entry.hasFocus(), timeout=5000)  # the field is ready
    # Tab walks from the field through the list builder to Send, and the view is reachable too
    seen = []
    for _ in range(14):
        widget = QApplication.focusWidget()
        seen.append(widget)
        qtbot.keyClick(widget, Qt.Key.Key_Tab)
    composer = page.composer
    for control in (composer.input.entry, composer.input.add_button, composer.input.items,
                    composer.input.mover.up, composer.send_button, page.view):
        assert control in seen, control
    # the model speaks for the custom-painted rows
    answer = page.model.answer_row("1.1.4.type-reflection")
    spoken = page.model.index(answer, 0).data(Qt.ItemDataRole.AccessibleTextRole)
    assert spoken.startswith("Your answer: ")
    heading = rows_of(page, HEADING)[0]
    assert page.model.index(heading, 0).data(Qt.ItemDataRole.AccessibleTextRole).startswith("Exercise 1.1.1")
    question = next(i for i, m in enumerate(page.model.messages) if m.content_type == "prompt")
    assert page.model.index(question, 0).data(Qt.ItemDataRole.AccessibleTextRole).startswith("Question: ")
    assert page.view.accessibleName() == "Conversation"
    # and assistive technology sees those texts on the list's items
    from PySide6.QtGui import QAccessible

    iface = QAccessible.queryAccessibleInterface(page.view)
    assert iface.role() == QAccessible.Role.List and iface.childCount() == page.model.rowCount()
    item = iface.child(answer)
    assert item.text(QAccessible.Text.Name) == spoken
    assert "edit" in item.text(QAccessible.Text.Description)
    assert composer.input.accessibleName().startswith("List five to fifteen")


def test_show_exercise_scrolls_to_an_earlier_exercise(qtbot: Any, onboarded: UserContext,
                                                      services: Any) -> None:
    answer_until(onboarded, "1.2.1.past-places")
    early = ConversationPage(services)  # asked before its first read has arrived
    qtbot.addWidget(early)
    early.resize(1200, 800)
    early.show()
    early.show_exercise("1.1.2")
    settle(qtbot, early)
    row = early.model.heading_row("1.1.2")
    assert row > 0 and early.view.visualRect(early.model.index(row, 0)).top() == 0
    early.close()

    page = open_page(qtbot, services)
    page.show_exercise("1.1.3")
    row = page.model.heading_row("1.1.3")
    assert page.view.currentIndex().row() == row
    assert page.view.visualRect(page.model.index(row, 0)).top() == 0
    page.show_exercise("3.5.1")  # locked: nothing happens
    assert page.view.currentIndex().row() == row


def test_answers_are_saved_through_the_worker_with_the_write_topics(qtbot: Any, onboarded: UserContext,
                                                                    services: Any) -> None:
    answer_until(onboarded, "1.1.2.top10-reflection")
    page = open_page(qtbot, services)
    qtbot.keyClicks(page.composer.input.edit, "Teaching, mostly.")
    with qtbot.waitSignal(services.worker.changed, timeout=15_000) as changed:
        send_ctrl_enter(qtbot, page.composer.input.edit)
    assert changed.args[0] == topic.ANSWER_WRITE
    settle(qtbot, page)
    assert page.model.messages[page.model.answer_row("1.1.2.top10-reflection")].text == "Teaching, mostly."
