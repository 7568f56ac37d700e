"""The workbook conversation's input types (choices, checkboxes, sliders, numbers, dates,
prefills, tool prompts), Skip and Later, and the ranking the person must make; driven by
keyboard and mouse with a real data folder, worker and engine (see test_conversation.py)."""

from __future__ import annotations

from typing import Any

from conversation_helpers import (
    answer_until,
    as_panel,
    continue_to_prompt,
    open_page,
    rows_of,
    send_ctrl_enter,
    settle,
)
from PySide6.QtCore import Qt

from dreamtree_desktop import topics as topic
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.engine.workbook import Workbook
from dreamtree_desktop.tools import experiences, skills
from ui.conversation.model import ANSWER, CONTENT, ConversationModel, Msg


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
