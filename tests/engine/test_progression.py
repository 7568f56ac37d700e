"""Progression (on exercise_progress), module completion and tool unlocks."""

from __future__ import annotations

import json

import pytest

from dreamtree_desktop.engine import progression
from dreamtree_desktop.engine.content import invalidate
from dreamtree_desktop.engine.progression import AheadOfSequenceError
from dreamtree_desktop.errors import UserInputError


def _progress(ctx, exercise_id):
    return ctx.db.one(
        "SELECT first_responded_at, responded_at FROM exercise_progress WHERE user_id = ? "
        "AND exercise_id = ?",
        (ctx.user_id, exercise_id),
    )


def _module(ctx, module_id):
    row = ctx.db.one(
        "SELECT first_completed_at, last_modified_at FROM user_modules WHERE user_id = ? AND module_id = ?",
        (ctx.user_id, module_id),
    )
    return None if row is None else tuple(row)


def test_fresh_user_starts_at_the_first_exercise(wb):
    status = wb.status()
    assert status.next_exercise.id == "1.1.1"
    assert (status.answered, status.total, status.percent) == (0, 53, 0)
    assert status.completed_modules == [] and status.unlocked_tools == []
    assert status.workbook_complete is False
    states = {ex.id: ex.state for p in wb.outline() for m in p.modules for ex in m.exercises}
    assert states["1.1.1"] == "available"
    assert {s for e, s in states.items() if e != "1.1.1"} == {"locked"}


def test_answering_ahead_is_refused_and_nothing_written(walker, ctx, fingerprint):
    wb = walker.wb
    before = fingerprint()
    with pytest.raises(AheadOfSequenceError) as err:
        wb.answer("1.1.2.top10-reflection", "Too early")
    assert "1.1.2" in str(err.value) and "1.1.1" in str(err.value)
    assert isinstance(err.value, UserInputError)
    with pytest.raises(AheadOfSequenceError):
        wb.answer("3.5.5.closing", "Far too early")
    assert fingerprint() == before
    walker.answer_exercise("1.1.1")
    wb.answer("1.1.2.top10-reflection", "Now it is open")
    before = fingerprint()
    with pytest.raises(AheadOfSequenceError) as err:
        wb.answer("1.1.4.type-reflection", "Still ahead")
    assert "1.1.4" in str(err.value) and "1.1.2" in str(err.value)
    assert fingerprint() == before


def test_prompts_of_the_current_exercise_can_be_answered_one_at_a_time(walker, ctx):
    wb = walker.wb
    walker.answer_exercise("1.1.1")
    result = wb.answer("1.1.2.top10-reflection", "Partial first")
    assert result.exercise_answered is False and result.unlocked_tool is None
    assert _progress(ctx, "1.1.2") is None
    assert wb.status().next_exercise.id == "1.1.2"
    assert wb.exercise("1.1.2").state == "in_progress"
    assert wb.answer_of("1.1.2.top10-reflection") == "Partial first"
    result = walker.answer_prompt("1.1.2.skills")
    assert result.exercise_answered is True and result.unlocked_tool == "skills-browser"
    assert wb.status().next_exercise.id == "1.1.3"


def test_earlier_answers_stay_editable(walker, ctx, clock_offset):
    wb = walker.wb
    walker.answer_through("1.2.1")
    first, responded = _progress(ctx, "1.1.5")
    clock_offset(3)
    result = wb.answer("1.1.5.favourite", "Changed my mind")
    assert result.next_exercise.id == "1.2.2"
    assert wb.answer_of("1.1.5.favourite") == "Changed my mind"
    first2, responded2 = _progress(ctx, "1.1.5")
    assert first2 == first and responded2 > responded


def test_module_row_appears_when_its_last_required_exercise_is_answered(walker, ctx):
    walker.answer_through("1.1.4")
    assert _module(ctx, "1.1") is None
    ex = walker.wb.content.by_id["1.1.5"]
    for prompt in ex.prompts[:-1]:
        assert walker.answer_prompt(prompt.id).module_completed is False
        assert _module(ctx, "1.1") is None
    result = walker.answer_prompt(ex.prompts[-1].id)
    assert result.module_completed is True and result.module_id == "1.1"
    first, last = _module(ctx, "1.1")
    assert first == last == _progress(ctx, "1.1.5")[0]
    assert walker.wb.status().completed_modules == ["1.1"]


def test_first_completed_at_is_kept_and_last_modified_at_moves(walker, ctx, clock_offset):
    walker.answer_through("1.2.1")
    first, last = _module(ctx, "1.1")
    clock_offset(2)
    result = walker.wb.answer("1.1.2.top10-reflection", "An edit")
    assert result.module_completed is False
    first2, last2 = _module(ctx, "1.1")
    assert first2 == first and last2 > last
    # A save in another module leaves this one alone.
    clock_offset(4)
    walker.wb.answer("1.2.1.past-places", "Another edit")
    assert _module(ctx, "1.1") == (first2, last2)
    # A tool save from the workbook counts as an edit of its module too.
    clock_offset(6)
    walker.answer_prompt("1.1.3.stories")
    assert _module(ctx, "1.1")[1] > last2 and _module(ctx, "1.1")[0] == first


def test_optional_prompt_is_not_needed(walker, ctx):
    ctx.db.execute(
        "UPDATE prompts SET config_json = ? WHERE id = '1.1.2.top10-reflection'",
        (json.dumps({"max_length": 2000, "optional": True}),),
    )
    invalidate(ctx.db)
    walker.answer_exercise("1.1.1")
    result = walker.answer_prompt("1.1.2.skills")
    assert result.exercise_answered is True and result.next_exercise.id == "1.1.3"
    # An optional text may be left empty.
    assert walker.wb.answer("1.1.2.top10-reflection", "").exercise_answered is True
    # A required prompt may not.
    walker.answer_exercise("1.1.3")
    with pytest.raises(UserInputError, match=r"1\.1\.4\.type-reflection: must not be empty"):
        walker.wb.answer("1.1.4.type-reflection", "   ")


def test_optional_exercise_does_not_block_progress_or_completion(walker, ctx):
    ctx.db.execute("UPDATE exercise_sequence SET is_required = 0 WHERE exercise_id = '1.1.2'")
    invalidate(ctx.db)
    wb = walker.wb
    walker.answer_exercise("1.1.1")
    assert wb.status().next_exercise.id == "1.1.2"
    walker.answer_exercise("1.1.3")  # skipping the optional 1.1.2 is allowed
    assert wb.status().next_exercise.id == "1.1.4"
    walker.answer_exercise("1.1.4")
    result = walker.answer_exercise("1.1.5")
    assert result.module_completed is True
    assert wb.is_tool_unlocked("skills-browser") is False  # its exercise was skipped
    # The skipped exercise stays answerable, and answering it touches the completed module.
    walker.answer_exercise("1.1.2")
    assert wb.is_tool_unlocked("skills-browser") is True
    assert _module(ctx, "1.1")[1] >= _module(ctx, "1.1")[0]


def test_a_locked_tool_cannot_be_used(walker, ctx):
    from dreamtree_desktop.tools import flow
    from dreamtree_desktop.tools._common import ToolLockedError

    wb = walker.wb
    assert wb.is_tool_unlocked("flow-tracker") is False
    with pytest.raises(ToolLockedError):
        flow.log(ctx, "Sketching", 2, 5)
    walker.answer_through("1.3.1")
    walker.answer_prompt("1.3.2.flow-logs")  # used inside its exercise: allowed, still locked
    assert wb.is_tool_unlocked("flow-tracker") is False
    assert "flow-tracker" not in wb.status().unlocked_tools
    result = walker.answer_prompt("1.3.2.first-look")
    assert result.unlocked_tool == "flow-tracker"
    assert wb.is_tool_unlocked("flow-tracker") is True
    assert "flow-tracker" in wb.status().unlocked_tools
    flow.log(ctx, "Sketching", 2, 5)
    overview = {t.id: t for t in wb.tools_overview()}
    assert overview["flow-tracker"].unlocked and not overview["job-prospector"].unlocked
    assert overview["job-prospector"].unlocked_by == "3.5.1"


def test_touch_module_moves_only_completed_modules(walker, ctx, clock_offset):
    assert progression.touch_module(ctx, "1.1") is False
    walker.answer_through("1.1.5")
    first, last = _module(ctx, "1.1")
    clock_offset(2)
    assert walker.wb.touch_module("1.1.3") is True  # an exercise id (a row's origin) works too
    assert _module(ctx, "1.1")[0] == first and _module(ctx, "1.1")[1] > last
    assert progression.touch_module(ctx, "1.2") is False
    assert _module(ctx, "1.2") is None
