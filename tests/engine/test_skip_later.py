"""Optional prompts can be skipped; prompts that wait for something to happen can be set aside
("Later"): the conversation goes on, Daily Dos bring them back and the module completes once
they are answered."""

from __future__ import annotations

import datetime as _dt

import pytest

from dreamtree_desktop.engine.dailydos import daily_dos
from dreamtree_desktop.errors import UserInputError

T = _dt.date(2026, 3, 10)
LATER_353 = ["3.5.3.learned", "3.5.3.energy", "3.5.3.next", "3.5.3.thanks"]


def _module_row(ctx, module_id):
    return ctx.db.one("SELECT * FROM user_modules WHERE user_id = ? AND module_id = ?", (ctx.user_id, module_id))


def test_every_question_of_module_1_4_can_be_skipped(walker, ctx):
    walker.answer_through("1.3.2")
    wb = walker.wb
    ex = wb.content.by_id["1.4.1"]
    assert all(p.optional for p in ex.prompts)
    result = None
    for prompt in ex.prompts:
        result = wb.skip(prompt.id)
    assert result is not None and result.exercise_answered
    assert result.next_exercise is not None and result.next_exercise.id == "1.4.2"
    view = wb.exercise("1.4.1")
    assert [p.answered for p in view.prompts] == [True, True, True]
    assert [p.answer for p in view.prompts] == ["", "", ""]
    skipped = [m.text for m in wb.thread() if m.kind == "answer" and m.exercise_id == "1.4.1"]
    assert skipped == ["Skipped"] * 3
    # A skipped question can still be answered later, and then shows the answer.
    wb.answer("1.4.1.who", "My sister and my two oldest friends.")
    assert wb.answer_of("1.4.1.who") == "My sister and my two oldest friends."


def test_a_required_prompt_cannot_be_skipped(walker, ctx, fingerprint):
    before = fingerprint()
    with pytest.raises(UserInputError, match=r"1\.1\.1\.experiences: cannot be skipped"):
        walker.wb.skip("1.1.1.experiences")
    assert fingerprint() == before


def _answer_3_5_3_without_the_meeting(walker):
    walker.answer_through("3.5.2")
    ex = walker.wb.content.by_id["3.5.3"]
    result = None
    for prompt in ex.prompts:
        if not prompt.later:
            result = walker.answer_prompt(prompt.id)
    return result


def test_set_aside_prompts_let_the_conversation_go_on(walker, ctx):
    result = _answer_3_5_3_without_the_meeting(walker)
    assert [p.id for p in walker.wb.content.by_id["3.5.3"].prompts if p.later] == LATER_353
    assert result.exercise_answered and result.next_exercise.id == "3.5.4"
    # The next exercise is open: the set-aside questions do not hold the person back.
    walker.answer_exercise("3.5.4")
    view = walker.wb.exercise("3.5.3")
    waiting = [p.id for p in view.prompts if p.waiting]
    assert waiting == LATER_353
    bubbles = {m.prompt_id: m.text for m in walker.wb.thread() if m.kind == "answer" and m.exercise_id == "3.5.3"}
    assert all(bubbles[p] == "Set aside for later: Home's Daily Dos will bring it back." for p in LATER_353)
    walker.answer_prompt("3.5.3.learned")
    bubbles = {m.prompt_id: m.text for m in walker.wb.thread() if m.kind == "answer" and m.exercise_id == "3.5.3"}
    assert bubbles["3.5.3.learned"] == "Answer to 3.5.3.learned" and bubbles["3.5.3.energy"].startswith("Set aside")
    assert [w.prompt_id for w in walker.wb.waiting()] == LATER_353[1:]


def test_daily_dos_bring_set_aside_prompts_back_even_with_reminders_off(walker, ctx):
    _answer_3_5_3_without_the_meeting(walker)
    cards = [d for d in daily_dos(ctx, T) if d.kind == "later"]
    assert [(d.id, d.target, d.item_id) for d in cards] == [(f"later:{p}", "3.5.3", p) for p in LATER_353]
    assert cards[0].title == "Come back to: Informational meetings"
    assert cards[0].subtitle.startswith("After a meeting:")
    ctx.db.execute("UPDATE user_settings SET reminders_enabled = 0 WHERE user_id = ?", (ctx.user_id,))
    assert [d.kind for d in daily_dos(ctx, T)].count("later") == 4


def test_module_completes_once_the_set_aside_prompts_are_answered(walker, ctx):
    _answer_3_5_3_without_the_meeting(walker)
    for ex_id in ("3.5.4", "3.5.5"):
        walker.answer_exercise(ex_id)
    assert _module_row(ctx, "3.5") is None
    status = walker.wb.status()
    assert "3.5" not in status.completed_modules and not status.workbook_complete
    module = next(m for p in walker.wb.outline() for m in p.modules if m.id == "3.5")
    assert module.state == "in_progress"
    results = [walker.answer_prompt(pid) for pid in LATER_353]
    assert [r.module_completed for r in results] == [False, False, False, True]
    assert _module_row(ctx, "3.5") is not None
    assert results[-1].workbook_complete and walker.wb.status().workbook_complete
    assert ctx.db.scalar("SELECT workbook_complete FROM users WHERE id = ?", (ctx.user_id,)) == 1
    assert not [d for d in daily_dos(ctx, T) if d.kind == "later"]


def test_a_set_aside_prompt_cannot_be_skipped_instead(walker):
    _answer_3_5_3_without_the_meeting(walker)
    with pytest.raises(UserInputError, match="cannot be skipped") as info:
        walker.wb.skip("3.5.3.learned")
    assert "Later" in (info.value.hint or "")
