"""The whole workbook answered in order by a synthetic user, checked against hand-computed
expectations: exercise records, user_modules rows, unlocks, workbook_complete, the thread,
Daily Dos on chosen days and the competency results."""

from __future__ import annotations

import datetime as _dt

import pytest

from dreamtree_desktop.clock import today_local
from dreamtree_desktop.engine.competency import competency_results
from dreamtree_desktop.engine.dailydos import daily_dos
from dreamtree_desktop.engine.sample import SampleAnswers

# Which exercise unlocks which tool (docs/writing-the-workbook.md), written out by hand.
UNLOCKS = {
    "1.1.1": "experiences",
    "1.1.2": "skills-browser",
    "1.1.3": "soared-story",
    "1.1.4": "personality-selector",
    "1.1.5": "list-builder",
    "1.2.4": "budget-calculator",
    "1.3.1": "ranking-grid",
    "1.3.2": "flow-tracker",
    "2.1.1": "life-dashboard",
    "2.2.1": "failure-reframer",
    "2.3.1": "idea-tree",
    "2.4.2": "career-options",
    "2.5.1": "competency-assessment",
    "3.2.3": "resume-builder",
    "3.3.4": "networking-prep",
    "3.5.1": "job-prospector",
}
# The last exercise of each module: the one whose first answer completes it.
MODULE_LAST = {
    "1.1": "1.1.5",
    "1.2": "1.2.4",
    "1.3": "1.3.2",
    "1.4": "1.4.4",
    "1.5": "1.5.4",
    "2.1": "2.1.4",
    "2.2": "2.2.3",
    "2.3": "2.3.3",
    "2.4": "2.4.3",
    "2.5": "2.5.3",
    "3.1": "3.1.2",
    "3.2": "3.2.4",
    "3.3": "3.3.5",
    "3.4": "3.4.2",
    "3.5": "3.5.5",
}
# An exercise counts as answered with its last prompt, except where its last prompt is a tool whose
# records an earlier exercise already made: 2.4.2 scores the three career options 2.3.3 wrote.
ANSWERED_EARLY = {"2.4.2": "2.4.2.work-needs"}


def done_at(ex):
    """The prompt whose answer makes the exercise count: its last prompt that is neither optional
    nor set aside for later (1.4 is all optional: the first answer counts)."""
    if ex.id in ANSWERED_EARLY:
        return ANSWERED_EARLY[ex.id]
    needed = [p.id for p in ex.prompts if not p.optional and not p.later]
    return needed[-1] if needed else ex.prompts[0].id


@pytest.fixture
def walked(walker):
    """The synthetic user after answering every exercise in order (today = T)."""
    walker.today = today_local()
    walker.sample = SampleAnswers(walker.ctx, walker.today)
    exercises = walker.wb.content.exercises
    assert len(exercises) == 53
    for ex in exercises:
        status = walker.wb.status()
        assert status.next_exercise is not None and status.next_exercise.id == ex.id
        flag = walker.ctx.db.scalar("SELECT workbook_complete FROM users WHERE id = ?", (walker.ctx.user_id,))
        assert flag == 0 and status.workbook_complete is False
        counts_at = done_at(ex)
        done = False
        for prompt in ex.prompts:
            result = walker.answer_prompt(prompt.id)
            first = prompt.id == counts_at
            done = done or first
            # The exercise counts as answered once every required prompt has an answer.
            assert result.exercise_answered == done, prompt.id
            assert result.unlocked_tool == (UNLOCKS.get(ex.id) if first else None), prompt.id
            assert result.module_completed == (first and MODULE_LAST[ex.module_id] == ex.id), prompt.id
            assert result.workbook_complete == (done and ex is exercises[-1]), prompt.id
    return walker


def test_every_exercise_and_module_recorded(walked):
    ctx = walked.ctx
    progress = {
        r[0]: (r[1], r[2], r[3])
        for r in ctx.db.query(
            "SELECT exercise_id, full_exercise_id, first_responded_at, responded_at FROM exercise_progress "
            "WHERE user_id = ?",
            (ctx.user_id,),
        )
    }
    assert len(progress) == 53
    for ex in walked.wb.content.exercises:
        full_id, first, last = progress[ex.id]
        assert full_id == f"{ex.id}.v1"
        assert first <= last
    modules = {
        r[0]: (r[1], r[2])
        for r in ctx.db.query(
            "SELECT module_id, first_completed_at, last_modified_at FROM user_modules WHERE user_id = ?",
            (ctx.user_id,),
        )
    }
    assert sorted(modules) == sorted(MODULE_LAST)
    for module_id, last_exercise in MODULE_LAST.items():
        first_completed, last_modified = modules[module_id]
        # Completed when its last exercise was first answered; modified by the saves after that.
        assert first_completed == progress[last_exercise][1]
        assert last_modified == progress[last_exercise][2]
        assert first_completed <= last_modified
    # Modules complete in order.
    ordered = [modules[m][0] for m in MODULE_LAST]
    assert ordered == sorted(ordered)
    assert ctx.db.scalar("SELECT workbook_complete FROM users WHERE id = ?", (ctx.user_id,)) == 1


def test_status_unlocks_and_outline_after_walkthrough(walked):
    wb = walked.wb
    status = wb.status()
    assert status.next_exercise is None
    assert status.completed_modules == list(MODULE_LAST)
    assert sorted(status.unlocked_tools) == sorted(UNLOCKS.values())
    assert (status.answered, status.total, status.percent, status.workbook_complete) == (53, 53, 100, True)
    for tool in UNLOCKS.values():
        assert wb.is_tool_unlocked(tool)
    overview = {t.id: t for t in wb.tools_overview()}
    assert {t for t, info in overview.items() if info.unlocked} == set(UNLOCKS.values())
    assert overview["flow-tracker"].unlocked_by == "1.3.2"
    parts = wb.outline()
    assert [p.state for p in parts] == ["complete"] * 3
    assert all(ex.state == "complete" for p in parts for m in p.modules for ex in m.exercises)


def test_thread_after_walkthrough(walked):
    wb = walked.wb
    content = wb.content
    messages = wb.thread()
    kinds = [(m.kind, m.content_type) for m in messages]
    assert kinds.count(("transition", "part")) == 3
    assert kinds.count(("transition", "module")) == 15
    assert kinds.count(("celebration", "module")) == 15
    assert kinds.count(("celebration", "part")) == 3
    prompts = [p for ex in content.exercises for p in ex.prompts]
    answers = [m for m in messages if m.kind == "answer"]
    assert [m.prompt_id for m in answers] == [p.id for p in prompts]
    assert sum(1 for m in messages if m.kind == "content") == sum(len(ex.blocks) for ex in content.exercises)
    # Every answer follows its own prompt block.
    for i, m in enumerate(messages):
        if m.kind == "answer":
            assert messages[i - 1].kind in ("content", "answer") and messages[i - 1].prompt_id == m.prompt_id
    by_prompt = {m.prompt_id: m.text for m in answers}
    assert by_prompt["1.1.1.experiences"] == "3 experiences"
    assert by_prompt["1.1.3.stories"] == "3 SOARED stories"
    assert by_prompt["2.2.1.reframe"] == "1 reframe"
    assert by_prompt["1.1.4.personality"].startswith("Personality type: ENFP")
    assert by_prompt["1.1.4.soft-skills"].splitlines()[0] == "• 1.1.4.soft-skills item 1"
    assert by_prompt["1.5.1.weekly-practice"] == "Done"
    assert by_prompt["2.4.2.time"] == "5 out of 10"
    assert by_prompt["1.4.1.who"] == "Answer to 1.4.1.who"  # sealed in the database, shown decrypted


def test_daily_dos_on_hand_computed_days(walked):
    ctx, t = walked.ctx, walked.today

    def ids(day: _dt.date) -> list[str]:
        return [d.id for d in daily_dos(ctx, day)]

    jobs = [
        r[0]
        for r in ctx.db.query("SELECT id FROM user_jobs WHERE user_id = ? ORDER BY title", (ctx.user_id,))
    ]
    follow_ups = [f"follow-up:{j}" for j in jobs]  # both jobs follow up on T + 3
    day = _dt.timedelta(days=1)
    # Everything was used on T; nothing is due, and the workbook is complete (no resume card).
    assert ids(t) == []
    # Daily tools fall due the next day: flow logs, networking, jobs (in tools.toml order).
    assert ids(t + day) == ["flow-tracker", "networking-prep", "job-prospector"]
    assert ids(t + 3 * day) == ["flow-tracker", "networking-prep", "job-prospector", *follow_ups]
    # The weekly reframe is due once the last one is more than 7 days old.
    assert ids(t + 7 * day) == ["flow-tracker", "networking-prep", "job-prospector", *follow_ups]
    assert ids(t + 8 * day) == [
        "flow-tracker",
        "networking-prep",
        "job-prospector",
        "failure-reframer",
        *follow_ups,
    ]
    # Monthly budget and SOARED story after 30 days.
    assert "budget-calculator" not in ids(t + 30 * day)
    assert ids(t + 31 * day) == [
        "flow-tracker",
        "networking-prep",
        "job-prospector",
        "failure-reframer",
        "budget-calculator",
        "soared-story",
        *follow_ups,
    ]
    # Competency re-assessment: due from the day after the first anniversary.
    anniversary = (
        t.replace(year=t.year + 1) if (t.month, t.day) != (2, 29) else t.replace(year=t.year + 1, day=28)
    )
    assert "reassess-competencies" not in ids(anniversary)
    assert ids(anniversary + day)[-1] == "reassess-competencies"
    # Logging flow today clears the flow reminder for today.
    from dreamtree_desktop.tools import flow

    flow.log(ctx, "Evening sketch", 2, 5, logged_date=(t + day).isoformat())
    assert "flow-tracker" not in ids(t + day)


def test_competency_results_hand_computed(walked):
    results = competency_results(walked.ctx, walked.today)
    assert results is not None
    # delivery 5 5 4 4 4 3, interpersonal 4 4 3 5 2, strategic 4 3 5 3 (sample.COMPETENCY_SCORES).
    assert results.category_averages == pytest.approx(
        {"delivery": 25 / 6, "interpersonal": 3.6, "strategic": 3.75}
    )
    assert list(results.category_averages) == ["delivery", "interpersonal", "strategic"]
    assert results.overall == pytest.approx(58 / 15)
    assert results.overall_level == 4
    assert (results.strength_threshold, results.improvement_threshold) == (4, 3)
    assert sorted(s for _, _, s in results.strengths) == [4, 4, 4, 4, 4, 4, 5, 5, 5, 5]
    assert sorted(s for _, _, s in results.improvements) == [2, 3, 3, 3, 3]
    assert results.reassessment_due is False
    by_category = {}
    for row in walked.ctx.db.query("SELECT id, category FROM competencies ORDER BY sort_order, id"):
        by_category.setdefault(row[1], []).append(row[0])
    strong = (
        {by_category["delivery"][i] for i in (0, 1, 2, 3, 4)}
        | {by_category["interpersonal"][i] for i in (0, 1, 3)}
        | {by_category["strategic"][i] for i in (0, 2)}
    )
    assert {cid for cid, _, _ in results.strengths} == strong
    assert walked.wb.recall("competency.strengths") == [name for _, name, _ in results.strengths]


def test_edit_after_completion_moves_only_last_modified(walked, clock_offset):
    ctx, wb = walked.ctx, walked.wb
    before = ctx.db.one(
        "SELECT first_completed_at, last_modified_at FROM user_modules WHERE user_id = ? "
        "AND module_id = '1.1'",
        (ctx.user_id,),
    )
    others = [
        tuple(r)
        for r in ctx.db.query(
            "SELECT * FROM user_modules WHERE user_id = ? AND module_id != '1.1' ORDER BY module_id",
            (ctx.user_id,),
        )
    ]
    clock_offset(5)
    result = wb.answer("1.1.2.top10-reflection", "Edited much later.")
    assert result.module_completed is False and result.unlocked_tool is None and result.workbook_complete
    after = ctx.db.one(
        "SELECT first_completed_at, last_modified_at FROM user_modules WHERE user_id = ? "
        "AND module_id = '1.1'",
        (ctx.user_id,),
    )
    assert after[0] == before[0]
    assert after[1] > before[1]
    assert [
        tuple(r)
        for r in ctx.db.query(
            "SELECT * FROM user_modules WHERE user_id = ? AND module_id != '1.1' ORDER BY module_id",
            (ctx.user_id,),
        )
    ] == others
