"""Answers routed by target, PII sealing, and every kind of bad input refused with nothing written."""

from __future__ import annotations

import json

import pytest

from dreamtree_desktop.engine.content import PromptDef
from dreamtree_desktop.engine.values import check_value
from dreamtree_desktop.errors import UserInputError
from dreamtree_desktop.security.envelope import is_envelope


def _row(ctx, sql, *params):
    return ctx.db.one(sql, (ctx.user_id, *params))


def test_text_and_json_answers_go_to_user_responses(walker, ctx):
    walker.answer_through("1.2.3")
    row = _row(
        ctx,
        "SELECT exercise_id, response_text, created_at, updated_at FROM user_responses "
        "WHERE user_id = ? AND prompt_id = '1.1.2.top10-reflection'",
    )
    assert row["exercise_id"] == "1.1.2" and row["response_text"] == "Answer to 1.1.2.top10-reflection"
    walker.answer_prompt("1.2.4.needs")  # a list answer aimed at user_responses: JSON text
    stored = _row(
        ctx, "SELECT response_text FROM user_responses WHERE user_id = ? AND prompt_id = '1.2.4.needs'"
    )[0]
    assert json.loads(stored) == ["1.2.4.needs item 1", "1.2.4.needs item 2", "1.2.4.needs item 3"]
    assert walker.wb.answer_of("1.2.4.needs") == json.loads(stored)
    choice = _row(
        ctx, "SELECT response_text FROM user_responses WHERE user_id = ? AND prompt_id = '1.2.3.team-shape'"
    )
    assert choice[0] == walker.wb.answer_of("1.2.3.team-shape")
    assert choice[0] in walker.wb.content.prompts["1.2.3.team-shape"].config["options"]
    # One row per prompt: an edit updates it.
    walker.wb.answer("1.1.2.top10-reflection", "Second thoughts")
    assert (
        ctx.db.scalar(
            "SELECT count(*) FROM user_responses WHERE user_id = ? AND prompt_id = ?",
            (ctx.user_id, "1.1.2.top10-reflection"),
        )
        == 1
    )


def test_sliders_are_stored_as_json_numbers(walker, ctx):
    walker.answer_through("2.4.1")
    walker.wb.answer("2.4.2.time", 7)
    assert (
        _row(ctx, "SELECT response_text FROM user_responses WHERE user_id = ? AND prompt_id = '2.4.2.time'")[
            0
        ]
        == "7"
    )
    assert walker.wb.answer_of("2.4.2.time") == 7


def test_list_answers_fill_a_named_list_owned_by_the_exercise(walker, ctx):
    walker.answer_through("1.1.3")
    wb = walker.wb
    wb.answer("1.1.4.soft-skills", ["patient", "steady", "curious", "careful", "kind"])
    lists = ctx.db.query("SELECT id, name, context, origin FROM user_lists WHERE user_id = ?", (ctx.user_id,))
    assert [(r[1], r[2], r[3]) for r in lists] == [("soft-skills", "1.1.4", "1.1.4")]
    list_id = lists[0][0]
    items = ctx.db.query(
        "SELECT id, content, position FROM user_list_items WHERE list_id = ? ORDER BY position", (list_id,)
    )
    assert [(r[1], r[2]) for r in items] == [
        ("patient", 1),
        ("steady", 2),
        ("curious", 3),
        ("careful", 4),
        ("kind", 5),
    ]
    # A ranking orders the recalled items and fills its own list.
    assert wb.ranking_items("1.1.4.soft-skills-rank") == ["patient", "steady", "curious", "careful", "kind"]
    wb.answer("1.1.4.soft-skills-rank", ["kind", "curious", "patient", "steady", "careful"])
    assert wb.recall("lists.soft-skills-ranked") == ["kind", "curious", "patient", "steady", "careful"]
    # Editing replaces the items; surplus rows go and leave tombstones.
    wb.answer("1.1.4.soft-skills", ["patient", "bold", "curious", "careful", "kind", "warm"])
    wb.answer("1.1.4.soft-skills", ["patient", "bold", "curious", "careful", "kind"])
    now = ctx.db.query(
        "SELECT id, content FROM user_list_items WHERE list_id = ? ORDER BY position", (list_id,)
    )
    assert [r[1] for r in now] == ["patient", "bold", "curious", "careful", "kind"]
    assert [r[0] for r in now] == [r[0] for r in items]  # rows reused by position
    assert (
        ctx.db.scalar(
            "SELECT count(*) FROM tombstones WHERE user_id = ? AND table_name = 'user_list_items'",
            (ctx.user_id,),
        )
        == 1
    )
    assert wb.answer_of("1.1.4.soft-skills") == ["patient", "bold", "curious", "careful", "kind"]


def test_checkboxes_count_as_answered_either_way(walker, ctx):
    walker.answer_through("1.4.4")
    wb = walker.wb
    ex = wb.content.by_id["1.5.1"]
    wb.answer("1.5.1.focus-skill", "Listening")
    result = None
    for prompt in ex.prompts:
        if prompt.input_type == "checkbox":
            result = wb.answer(prompt.id, False)
    assert result is not None and result.exercise_answered is True
    rows = ctx.db.query(
        "SELECT prompt_id, exercise_id, checked FROM user_checklists WHERE user_id = ?", (ctx.user_id,)
    )
    assert len(rows) == 6 and {r[2] for r in rows} == {0} and {r[1] for r in rows} == {"1.5.1"}
    wb.answer("1.5.1.review", True)
    assert wb.answer_of("1.5.1.review") is True and wb.answer_of("1.5.1.feedback") is False


def test_column_targets_create_their_row(walker, ctx):
    walker.answer_through("2.1.1")
    assert _row(ctx, "SELECT * FROM user_values WHERE user_id = ?") is None
    walker.wb.answer("2.1.2.work-values", "Craft, autonomy, kind colleagues")
    row = _row(ctx, "SELECT work_values, life_values FROM user_values WHERE user_id = ?")
    assert tuple(row) == ("Craft, autonomy, kind colleagues", None)
    walker.answer_through("2.5.2")
    walker.wb.answer("2.5.3.value-proposition", "I turn messy rotas into calm weeks")
    assert (
        _row(ctx, "SELECT value_proposition FROM user_profile WHERE user_id = ?")[0]
        == "I turn messy rotas into calm weeks"
    )
    assert walker.wb.recall("profile.value_proposition") == "I turn messy rotas into calm weeks"


def test_budget_columns_stay_encrypted(walker, ctx):
    walker.answer_through("1.2.3")
    wb = walker.wb
    walker.answer_prompt("1.2.4.needs")
    walker.answer_prompt("1.2.4.budget")
    wb.answer("1.2.4.benefits", "Health cover and a pension")
    stored = _row(ctx, "SELECT benefits_needed, hourly_batna FROM user_budget WHERE user_id = ?")
    assert is_envelope(stored[0]) and "Health" not in stored[0]
    assert is_envelope(stored[1])
    assert wb.answer_of("1.2.4.benefits") == "Health cover and a pension"
    # 180,050 cents a month -> 2,160,600 a year -> 1,039 cents an hour (sample.BUDGET_LINES).
    assert wb.recall("budget.batna") == {
        "monthly_expenses": "1,800.50",
        "annual_needs": "21,606.00",
        "hourly_batna": "10.39",
    }


def test_personality_goes_to_user_settings(walker, ctx):
    walker.answer_through("1.1.3")
    walker.wb.answer("1.1.4.personality", "INTJ")
    assert _row(ctx, "SELECT personality_type FROM user_settings WHERE user_id = ?")[0] == "INTJ"
    assert walker.wb.recall("personality")["code"] == "INTJ"


def test_tool_prompts_write_rows_with_the_exercise_as_origin(walker, ctx):
    walker.answer_exercise("1.1.1")
    rows = ctx.db.query(
        "SELECT title, origin FROM user_experiences WHERE user_id = ? ORDER BY title", (ctx.user_id,)
    )
    assert [tuple(r) for r in rows] == [
        ("Experience 1", "1.1.1"),
        ("Experience 2", "1.1.1"),
        ("Experience 3", "1.1.1"),
    ]
    answer = walker.wb.answer_of("1.1.1.experiences")
    assert answer["count"] == 3 and answer["items"] == ["Experience 1", "Experience 2", "Experience 3"]


def test_pii_prompt_is_stored_sealed(walker, ctx):
    walker.answer_through("1.3.2")
    secret = "My sister Ada taught me to fix bicycles"
    walker.wb.answer("1.4.1.who", secret)
    row = _row(
        ctx, "SELECT id, response_text FROM user_responses WHERE user_id = ? AND prompt_id = '1.4.1.who'"
    )
    assert is_envelope(row[1]) and "Ada" not in row[1]
    assert ctx.unseal("user_responses", "response_text", row[0], row[1]) == secret
    assert walker.wb.answer_of("1.4.1.who") == secret
    assert walker.wb.exercise("1.4.1").prompts[0].answer == secret
    # A non-PII answer is plain.
    plain = _row(
        ctx, "SELECT response_text FROM user_responses WHERE user_id = ? AND prompt_id = '1.3.2.first-look'"
    )
    assert not is_envelope(plain[0])


def test_responded_at_recorded(walker, ctx):
    walker.answer_exercise("1.1.1")
    first, responded = _row(
        ctx,
        "SELECT first_responded_at, responded_at FROM exercise_progress "
        "WHERE user_id = ? AND exercise_id = '1.1.1'",
    )
    assert first == responded and first.endswith("Z")
    assert walker.wb.exercise("1.1.1").responded_at == responded


# -- bad input -------------------------------------------------------------------------------------------
BAD = [
    ("2.4.2.time", 11, "out of range"),
    ("2.4.2.time", 0, "out of range"),
    ("2.4.2.time", 5.5, "whole number"),
    ("2.4.2.time", True, "must be a number"),
    ("2.4.2.time", "7", "must be a number"),
    ("2.4.1.other-paths", ["a list"], "must be text"),
    ("2.4.1.other-paths", 42, "must be text"),
    ("2.4.1.other-paths", "x" * 2001, "limit is 2,000"),
    ("2.4.1.other-paths", "x" * 100_001, "characters long"),
    ("2.4.1.other-paths", "", "must not be empty"),
    ("1.2.3.who-to-serve", "two\nlines", "single line"),
    ("1.2.3.team-shape", "In a crowd", "not one of the options"),
    ("1.2.3.team-shape", ["In a pair, with one close collaborator"], "must be one of the options"),
    ("2.4.1.timeline", "not a list", "must be a list"),
    ("2.4.1.timeline", ["one", "two"], "from 5 to 15 items"),
    ("2.4.1.timeline", [f"m{i}" for i in range(16)], "from 5 to 15 items"),
    ("2.4.1.timeline", ["a", "b", " ", "d", "e"], "item 3 is empty"),
    ("2.4.1.timeline", ["a", "b", 3, "d", "e"], "item 3 must be text"),
    ("1.5.1.review", "yes", "true or false"),
    ("1.5.1.review", 1, "true or false"),
    ("1.3.1.work-factors", {"items": "Skills"}, "1.3.1.work-factors"),
    ("1.3.1.work-factors", ["Skills", "People"], "1.3.1.work-factors"),
    ("1.1.4.soft-skills-rank", ["only", "these"], "must order exactly these items"),
    ("1.1.1.experiences", [{"title": "Fine"}, {"organization": "no title"}], "title"),
    ("1.1.1.experiences", "Barista", "1.1.1.experiences"),
    ("1.1.4.personality", "ABCD", "1.1.4.personality"),
]


@pytest.mark.parametrize(
    ("prompt_id", "value", "fragment"), BAD, ids=[f"{b[0]}-{n}" for n, b in enumerate(BAD)]
)
def test_bad_input_is_refused_naming_the_field_and_nothing_written(
    walker, ctx, fingerprint, prompt_id, value, fragment
):
    walker.answer_through("2.4.1")  # everything up to 2.4.2 is open
    before = fingerprint()
    with pytest.raises(UserInputError) as err:
        walker.wb.answer(prompt_id, value)
    assert prompt_id in str(err.value)
    assert fragment in str(err.value)
    assert err.value.exit_code == 2
    assert fingerprint() == before


def test_unknown_prompt_and_exercise_are_refused(wb, fingerprint):
    before = fingerprint()
    with pytest.raises(UserInputError, match=r"no prompt '9\.9\.9\.nothing'"):
        wb.answer("9.9.9.nothing", "hello")
    with pytest.raises(UserInputError, match=r"no exercise '9\.9\.9'"):
        wb.exercise("9.9.9")
    with pytest.raises(UserInputError, match="prompt"):
        wb.answer_of("nope")
    assert fingerprint() == before


def test_date_values_are_checked():
    prompt = PromptDef(
        "9.1.1.when", "9.1.1", "9.1", 1, "date", "When?", {}, "user_responses", None, None, None, False
    )
    assert check_value(prompt, "2026-02-28") == "2026-02-28"
    for bad in ("2026-02-30", "28/02/2026", "2026-2-1", 20260228):
        with pytest.raises(UserInputError, match=r"9\.1\.1\.when"):
            check_value(prompt, bad)


def test_number_step_and_multi_choice_are_checked():
    number = PromptDef(
        "9.1.1.n",
        "9.1.1",
        "9.1",
        1,
        "number",
        "How many?",
        {"min": 0, "max": 10, "step": 0.5},
        "user_responses",
        None,
        None,
        None,
        False,
    )
    assert check_value(number, 2.5) == 2.5 and check_value(number, 3.0) == 3
    with pytest.raises(UserInputError, match="not a step"):
        check_value(number, 2.25)
    multi = PromptDef(
        "9.1.1.m",
        "9.1.1",
        "9.1",
        1,
        "multi_choice",
        "Which?",
        {"options": ["a", "b", "c"], "max": 2},
        "user_responses",
        None,
        None,
        None,
        False,
    )
    assert check_value(multi, ["c", "a"]) == ["a", "c"]
    for bad, fragment in (
        (["a", "a"], "twice"),
        (["a", "b", "c"], "choose from"),
        (["z"], "not one of"),
        ([], "choose"),
    ):
        with pytest.raises(UserInputError, match=fragment):
            check_value(multi, bad)


def test_tool_records_made_in_the_panel_are_confirmed_with_none(walker, ctx):
    from dreamtree_desktop.tools import experiences

    wb = walker.wb
    experiences.create(ctx, {"title": "Barista"}, origin="1.1.1")
    result = wb.answer("1.1.1.experiences", None)  # "keep the records as the panel left them"
    assert result.exercise_answered is False and wb.exercise("1.1.1").prompts[0].answered is False
    for title in ("Editor", "Coach"):
        experiences.create(ctx, {"title": title}, origin="1.1.1")
    assert wb.exercise("1.1.1").prompts[0].answered is True
    result = wb.answer("1.1.1.experiences", None)
    assert result.exercise_answered is True and result.unlocked_tool == "experiences"
    assert ctx.db.scalar("SELECT count(*) FROM user_experiences WHERE user_id = ?", (ctx.user_id,)) == 3
