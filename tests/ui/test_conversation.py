"""The workbook conversation, driven like a user would: keyboard, mouse, tool panels' writes.

Real data folder, real worker thread, real engine (fixtures in tests/conftest.py and
tests/ui/conftest.py). Qt warnings fail the test (tests/ui/conftest.py).
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip

from dreamtree_desktop import topics as topic
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.engine.sample import SampleAnswers
from dreamtree_desktop.engine.workbook import Workbook
from dreamtree_desktop.tools import experiences, personality, skills, stories
from ui.conversation.composer import ListInput, LongTextInput, RankingInput, ToolInput
from ui.conversation.model import ANSWER, CELEBRATION, CONTENT, HEADING, TRANSITION, ConversationModel, Msg
from ui.conversation.page import ConversationPage


# -- helpers -------------------------------------------------------------------------------------
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

    from ui.conversation.model import ConversationModel
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


# -- every input type ----------------------------------------------------------------------------
def _response(ctx: UserContext, prompt_id: str) -> Any:
    return ctx.db.scalar("SELECT response_text FROM user_responses WHERE user_id = ? AND prompt_id = ?",
                         (ctx.user_id, prompt_id))


def test_single_choice_by_keyboard_saves_the_option(qtbot: Any, onboarded: UserContext,
                                                     services: Any) -> None:
    answer_until(onboarded, "1.2.3.team-shape")
    page = open_page(qtbot, services)
    assert continue_to_prompt(qtbot, page, by_mouse=False) == "1.2.3.team-shape"
    choice = page.composer.input
    assert [b.text() for b in choice.buttons][:2] == ["In a large team with many roles",
                                                      "In a small team of three to six people"]
    choice.buttons[1].setFocus()
    qtbot.keyClick(choice.buttons[1], Qt.Key.Key_Space)
    assert choice.value() == "In a small team of three to six people"
    with qtbot.waitSignal(page.answer_saved, timeout=15_000):
        qtbot.keyClick(choice.buttons[1], Qt.Key.Key_Return)  # Enter sends
    settle(qtbot, page)
    assert _response(onboarded, "1.2.3.team-shape") == "In a small team of three to six people"
    assert page.model.message(page.model.answer_row("1.2.3.team-shape")).text == \
        "In a small team of three to six people"


def test_checkbox_commitment_saves_a_checked_flag(qtbot: Any, onboarded: UserContext, services: Any) -> None:
    answer_until(onboarded, "1.5.1.weekly-practice")
    page = open_page(qtbot, services)
    assert continue_to_prompt(qtbot, page, by_mouse=True) == "1.5.1.weekly-practice"
    box = page.composer.input.box
    qtbot.keyClick(box, Qt.Key.Key_Space)
    assert box.isChecked()
    with qtbot.waitSignal(page.answer_saved, timeout=15_000):
        qtbot.keyClick(box, Qt.Key.Key_Return)
    settle(qtbot, page)
    assert onboarded.db.scalar("SELECT checked FROM user_checklists WHERE user_id = ? AND prompt_id = ?",
                               (onboarded.user_id, "1.5.1.weekly-practice")) == 1


def test_slider_shows_its_labels_and_value_and_saves(qtbot: Any, onboarded: UserContext,
                                                     services: Any) -> None:
    answer_until(onboarded, "2.4.2.time")
    page = open_page(qtbot, services)
    assert continue_to_prompt(qtbot, page, by_mouse=False) == "2.4.2.time"
    slider_input = page.composer.input
    assert slider_input.min_label.text() == "Almost none" and slider_input.max_label.text() == "All I need"
    slider = slider_input.slider
    assert (slider.minimum(), slider.maximum()) == (1, 10)
    slider.setValue(5)
    qtbot.keyClick(slider, Qt.Key.Key_Right)
    qtbot.keyClick(slider, Qt.Key.Key_Right)
    assert slider_input.shown.text() == "7"
    with qtbot.waitSignal(page.answer_saved, timeout=15_000):
        qtbot.keyClick(slider, Qt.Key.Key_Return)
    settle(qtbot, page)
    assert _response(onboarded, "2.4.2.time") in ("7", 7)
    assert page.model.message(page.model.answer_row("2.4.2.time")).text == "7 out of 10"
    # the next slider follows at once
    assert page.composer.spec.id == "2.4.2.funding"


def test_prefill_from_an_earlier_answer(qtbot: Any, onboarded: UserContext, services: Any) -> None:
    answer_until(onboarded, "3.2.2.headline")
    headline = services.worker.call_sync(lambda c: Workbook(c).recall("profile.headline"))
    assert headline
    page = open_page(qtbot, services)
    assert continue_to_prompt(qtbot, page, by_mouse=False) == "3.2.2.headline"
    assert page.composer.input.value() == headline
    qtbot.keyClicks(page.composer.input.edit, " today")
    with qtbot.waitSignal(page.answer_saved, timeout=15_000):
        qtbot.keyClick(page.composer.input.edit, Qt.Key.Key_Return)
    settle(qtbot, page)
    assert services.worker.call_sync(lambda c: Workbook(c).answer_of("3.2.2.headline")) == headline + " today"


def test_editing_a_tool_answer_opens_its_panel(qtbot: Any, onboarded: UserContext, services: Any) -> None:
    answer_until(onboarded, "1.1.2.top10-reflection")
    page = open_page(qtbot, services)
    row = page.model.answer_row("1.1.1.experiences")
    index = page.model.index(row, 0)
    page.view.scrollTo(index)
    bubble = page.view.delegate.bubble_rect(page.model.message(row), page.view.visualRect(index))
    with qtbot.waitSignal(services.navigator.open_tool, timeout=5000) as opened:
        qtbot.mouseDClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=bubble.center().toPoint())
    assert opened.args == ["experiences", "1.1.1"]
    assert not page.composer.editing


def _spec(input_type: str, **config: Any) -> Any:
    from ui.conversation.composer import PromptSpec

    return PromptSpec(id="x.y.z.p", exercise_id="x.y.z", input_type=input_type, text="Question?",
                      config=config)


def test_number_multi_choice_and_date_inputs(qtbot: Any) -> None:
    from PySide6.QtWidgets import QDoubleSpinBox, QSpinBox

    from ui.conversation.composer import make_input

    whole = make_input(_spec("number", min=0, max=40, step=5, unit="hours"))
    qtbot.addWidget(whole)
    assert isinstance(whole.spin, QSpinBox)
    assert (whole.spin.minimum(), whole.spin.maximum(), whole.spin.singleStep()) == (0, 40, 5)
    assert whole.spin.suffix() == " hours"
    qtbot.keyClick(whole.spin, Qt.Key.Key_Up)
    assert whole.value() == 5
    with qtbot.waitSignal(whole.submit, timeout=1000):
        qtbot.keyClick(whole.spin, Qt.Key.Key_Return)

    money = make_input(_spec("number", min=0, max=100, step=0.25))
    qtbot.addWidget(money)
    assert isinstance(money.spin, QDoubleSpinBox) and money.spin.decimals() == 2
    money.set_value(2.5)
    assert money.value() == 2.5
    money.set_value(3)
    assert money.value() == 3 and isinstance(money.value(), int)

    multi = make_input(_spec("multi_choice", options=["a", "b", "c"]))
    qtbot.addWidget(multi)
    qtbot.keyClick(multi.boxes[2], Qt.Key.Key_Space)
    qtbot.keyClick(multi.boxes[0], Qt.Key.Key_Space)
    assert multi.value() == ["a", "c"]
    multi.set_value(["b"])
    assert multi.value() == ["b"]

    day = make_input(_spec("date"))
    qtbot.addWidget(day)
    day.set_value("2031-02-03")
    assert day.value() == "2031-02-03"
    with qtbot.waitSignal(day.submit, timeout=1000):
        qtbot.keyClick(day.date, Qt.Key.Key_Return)

    line = make_input(_spec("text", max_length=20))
    qtbot.addWidget(line)
    assert line.edit.maxLength() == 20
    with qtbot.waitSignal(line.submit, timeout=1000):
        qtbot.keyClick(line.edit, Qt.Key.Key_Return)


def test_tool_prompt_waits_until_the_engine_says_it_has_enough(qtbot: Any, onboarded: UserContext,
                                                                services: Any) -> None:
    page = open_page(qtbot, services)
    assert continue_to_prompt(qtbot, page, by_mouse=True) == "1.1.1.experiences"
    qtbot.mouseClick(page.composer.input.open_button, Qt.MouseButton.LeftButton)

    def add_one(c: UserContext) -> None:
        experiences.create(c, {"title": "Barista", "experience_type": "job"}, origin="1.1.1")

    with qtbot.waitSignal(page.snapshot_applied, timeout=15_000):
        services.worker.submit(add_one, topics={topic.tool("experiences")})
    settle(qtbot, page)
    assert page.composer.mode == "prompt" and page.composer.spec.id == "1.1.1.experiences"
    assert "1 of at least 3" in page.composer.input.state.text()
    assert not page.composer.send_button.isVisible()
    assert onboarded.db.scalar("SELECT COUNT(*) FROM exercise_progress WHERE user_id = ?",
                               (onboarded.user_id,)) == 0
    answer = page.model.message(page.model.answer_row("1.1.1.experiences"))
    assert answer.text == "1 experience"

    def add_two(c: UserContext) -> None:
        for title in ("Tutor", "Volunteer"):
            experiences.create(c, {"title": title, "experience_type": "job"}, origin="1.1.1")

    as_panel(qtbot, page, "experiences", add_two)
    assert onboarded.db.scalar("SELECT COUNT(*) FROM exercise_progress WHERE user_id = ? "
                               "AND exercise_id = '1.1.1'", (onboarded.user_id,)) == 1
    assert page.composer.mode == "continue"
    assert page.model.messages[-1].content_type == "reflection"


def test_theme_change_relays_out_the_thread(qtbot: Any, onboarded: UserContext, services: Any) -> None:
    import dataclasses

    answer_until(onboarded, "1.1.3.stories")
    page = open_page(qtbot, services)
    row = rows_of(page, CONTENT)[0]
    width_before = page.view.delegate.reading_width
    height_before = page.view.visualRect(page.model.index(row, 0)).height()
    services.theme.apply_settings(dataclasses.replace(services.theme.settings, text_size=22))
    settle(qtbot, page)
    assert page.view.delegate.reading_width > width_before
    page.view.viewport().grab()
    assert page.view.visualRect(page.model.index(row, 0)).height() > height_before
    assert page.view.delegate.look.font.pixelSize() == 22


def test_long_thread_window_follows_changes_and_finds_old_rows(qtbot: Any) -> None:
    from ui.conversation.model import WINDOW, WINDOW_FROM

    msgs = [Msg(CONTENT, f"1.1.{n % 3 + 1}", None, "instruction", f"message {n}") for n in range(WINDOW_FROM + 500)]
    msgs[10] = Msg(ANSWER, "1.1.1", "1.1.1.old", "", "an early answer", (), "text")
    model = ConversationModel()
    model.set_messages(msgs)
    assert model.rowCount() == WINDOW and model.hidden_earlier == len(msgs) - WINDOW

    # A new message at the end is one row added to the window.
    grown = [*msgs, Msg(CONTENT, "1.1.3", None, "instruction", "the newest")]
    _first, removed, inserted = model.set_messages(grown)
    assert (removed, inserted) == (0, 1) and model.message(model.rowCount() - 1).text == "the newest"

    # Editing an answer older than the window brings that part of the thread into view.
    edited = list(grown)
    edited[10] = edited[10]._replace(text="changed long ago")
    model.set_messages(edited)
    assert model.hidden_earlier == 10
    assert model.message(0).text == "changed long ago"

    # Finding an old answer's row hands the view whatever it needs to show it.
    model.reset(grown)
    row = model.answer_row("1.1.1.old")
    assert row >= 0 and model.message(row).text == "an early answer"


# -- Skip and Later ------------------------------------------------------------------------------
def test_skip_records_an_empty_answer_for_the_private_module(qtbot: Any, onboarded: UserContext,
                                                             services: Any) -> None:
    answer_until(onboarded, "1.4.1.who")
    page = open_page(qtbot, services)
    assert continue_to_prompt(qtbot, page, by_mouse=True) == "1.4.1.who"
    skip = page.composer.skip_button
    assert skip.isVisible() and skip.text() == "Skip"
    qtbot.mouseClick(skip, Qt.MouseButton.LeftButton)
    settle(qtbot, page)
    wb = Workbook(onboarded)
    assert wb.answer_of("1.4.1.who") == ""
    assert any(m.kind == "answer" and m.prompt_id == "1.4.1.who" and m.text == "Skipped" for m in wb.thread())
    assert continue_to_prompt(qtbot, page, by_mouse=False) == "1.4.1.messages"


def test_later_sets_a_question_aside_and_daily_dos_bring_it_back(qtbot: Any, onboarded: UserContext,
                                                                 services: Any) -> None:
    from dreamtree_desktop.engine.dailydos import daily_dos

    answer_until(onboarded, "3.5.3.questions")
    page = open_page(qtbot, services)
    assert continue_to_prompt(qtbot, page, by_mouse=False) == "3.5.3.questions"
    assert not page.composer.skip_button.isVisible()  # answerable now: neither Skip nor Later
    page.composer.input.set_value(["What surprised you in your first year?", "Who else should I ask?"])
    qtbot.mouseClick(page.composer.send_button, Qt.MouseButton.LeftButton)
    settle(qtbot, page)
    for pid in ("3.5.3.learned", "3.5.3.energy", "3.5.3.next", "3.5.3.thanks"):
        assert continue_to_prompt(qtbot, page, by_mouse=False) == pid
        later = page.composer.skip_button
        assert later.isVisible() and later.text() == "Later"
        qtbot.mouseClick(later, Qt.MouseButton.LeftButton)
        settle(qtbot, page)
    # The conversation goes on to the next exercise; nothing was stored for the set-aside questions.
    assert continue_to_prompt(qtbot, page, by_mouse=True) == "3.5.4.keep-in-touch"
    wb = Workbook(onboarded)
    assert [w.prompt_id for w in wb.waiting()] == ["3.5.3.learned", "3.5.3.energy", "3.5.3.next", "3.5.3.thanks"]
    cards = [d for d in daily_dos(onboarded) if d.kind == "later"]
    assert cards[0].item_id == "3.5.3.learned" and cards[0].target == "3.5.3"
    # Home's card opens the question itself, ready to answer.
    page.show_exercise("3.5.3.learned")
    settle(qtbot, page)
    assert page.composer.editing and page.composer.spec.id == "3.5.3.learned"
    assert page.composer.header_label.text().startswith("Answering a question you set aside")
    qtbot.keyClicks(page.composer.input.edit, "She spends most of her week with grantees.")
    send_ctrl_enter(qtbot, page.composer.input.edit)
    settle(qtbot, page)
    assert wb.answer_of("3.5.3.learned") == "She spends most of her week with grantees."
    assert [w.prompt_id for w in wb.waiting()] == ["3.5.3.energy", "3.5.3.next", "3.5.3.thanks"]
    # The thread marks the others as set aside; opening that bubble answers the question.
    row = page.model.answer_row("3.5.3.energy")
    assert row >= 0 and page.model.message(row).text.startswith("Set aside for later")
    page.edit_row(row)
    assert page.composer.editing and page.composer.spec.id == "3.5.3.energy"


def test_the_top_ten_must_be_ranked_by_the_person(qtbot: Any, onboarded: UserContext, services: Any) -> None:
    answer_until(onboarded, "1.1.2.skills")
    page = open_page(qtbot, services)
    assert continue_to_prompt(qtbot, page, by_mouse=False) == "1.1.2.skills"

    def rate_only(c: UserContext) -> None:
        for n, s in enumerate(skills.search(c, "", "transferable", 12)):
            skills.set_user_skill(c, s["id"], mastery=1 + n % 5, origin="1.1.2")

    page._tool_waiting.add("1.1.2.skills")  # the panel was opened from the conversation
    as_panel(qtbot, page, "skills-browser", rate_only)
    # Twelve rated but none ranked: the conversation waits and says why.
    assert page.composer.spec.id == "1.1.2.skills"
    assert "Now rank your top 10" in page.composer.input.state.text()
    assert not Workbook(onboarded).exercise("1.1.2").prompts[0].answered

    def rank(c: UserContext) -> None:
        skills.set_top10(c, [s["id"] for s in skills.search(c, "", "transferable", 10)], origin="1.1.2")

    page._tool_waiting.add("1.1.2.skills")
    as_panel(qtbot, page, "skills-browser", rank)
    qtbot.waitUntil(lambda: page.composer.spec is not None
                    and page.composer.spec.id == "1.1.2.top10-reflection", timeout=15_000)
