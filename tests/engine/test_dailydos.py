"""Daily Dos: resume card, reminders per tool table and frequency, follow-ups,
re-assessment, and the reminders setting. Tools are unlocked by recording their unlocking
exercise (the rule is: unlocked when that exercise has an exercise_progress row)."""

from __future__ import annotations

import datetime as _dt

import pytest

from dreamtree_desktop.clock import format_iso, now_iso
from dreamtree_desktop.engine.dailydos import daily_dos
from dreamtree_desktop.ids import new_id

T = _dt.date(2026, 3, 10)
REMINDER_TOOLS = {
    "flow-tracker": "1.3.2",
    "failure-reframer": "2.2.1",
    "budget-calculator": "1.2.4",
    "soared-story": "1.1.3",
    "networking-prep": "3.3.4",
    "job-prospector": "3.5.1",
}


def unlock(ctx, *tools):
    for tool in tools:
        ex = REMINDER_TOOLS[tool]
        ctx.db.execute(
            "INSERT INTO exercise_progress(user_id, exercise_id, full_exercise_id, first_responded_at, "
            "responded_at) VALUES (?, ?, ?, ?, ?)",
            (ctx.user_id, ex, f"{ex}.v1", now_iso(), now_iso()),
        )


def at(day: _dt.date, hour: int = 12) -> str:
    """A UTC timestamp for local `hour` o'clock on `day`."""
    return format_iso(_dt.datetime.combine(day, _dt.time(hour)).astimezone())


def ids(ctx, day=T):
    return [d.id for d in daily_dos(ctx, day)]


def insert(ctx, table, **values):
    values = {"id": new_id(), "user_id": ctx.user_id, **values}
    values.setdefault("created_at", at(T - _dt.timedelta(days=400)))
    values.setdefault("updated_at", values["created_at"])
    ctx.db.execute(
        f"INSERT INTO {table} ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
        list(values.values()),
    )
    return values["id"]


def test_resume_card_while_incomplete(wb, ctx):
    items = daily_dos(ctx, T)
    assert [(d.id, d.kind, d.title, d.subtitle, d.target) for d in items] == [
        ("resume-workbook", "resume", "Resume Workbook", wb.content.by_id["1.1.1"].title, "1.1.1")
    ]


def test_locked_tools_give_no_reminders(ctx):
    assert ids(ctx) == ["resume-workbook"]
    unlock(ctx, "flow-tracker")
    assert ids(ctx) == ["resume-workbook", "flow-tracker"]


def test_reminder_card_fields(ctx):
    unlock(ctx, "flow-tracker")
    card = daily_dos(ctx, T)[1]
    assert (card.kind, card.title, card.target) == ("tool", "Flow Log", "flow-tracker")
    assert card.subtitle.startswith("Note one activity from today")


def test_flow_tracker_is_daily_by_logged_date(ctx):
    unlock(ctx, "flow-tracker")
    insert(
        ctx,
        "user_flow_logs",
        activity="Filing",
        energy=0,
        focus=3,
        logged_date=(T - _dt.timedelta(days=1)).isoformat(),
    )
    assert "flow-tracker" in ids(ctx)
    insert(ctx, "user_flow_logs", activity="Sketching", energy=2, focus=5, logged_date=T.isoformat())
    assert "flow-tracker" not in ids(ctx)
    assert "flow-tracker" in ids(ctx, T + _dt.timedelta(days=1))


@pytest.mark.parametrize(
    ("tool", "table", "fields", "column", "window"),
    [
        ("failure-reframer", "user_stories", {"story_type": "reframe", "title": "r"}, "created_at", 7),
        ("soared-story", "user_stories", {"story_type": "challenge", "title": "s"}, "created_at", 30),
        ("budget-calculator", "user_budget", {}, "updated_at", 30),
        ("networking-prep", "user_contacts", {"name": "sealed"}, "updated_at", 0),
        ("networking-prep", "user_companies", {"name": "Acme"}, "updated_at", 0),
        ("job-prospector", "user_jobs", {"title": "Gardener"}, "updated_at", 0),
    ],
)
def test_each_tool_is_checked_against_its_own_table_and_window(ctx, tool, table, fields, column, window):
    unlock(ctx, tool)
    assert tool in ids(ctx)  # never used: due
    last_use = T - _dt.timedelta(days=window)
    stamp = at(last_use, 0) if window else at(T, 0)
    values = dict(fields, **{column: stamp})
    if table == "user_budget":
        values.pop("id", None)
        ctx.db.execute(
            "INSERT INTO user_budget(user_id, created_at, updated_at) VALUES (?, ?, ?)",
            (ctx.user_id, values.get("created_at", stamp), values.get("updated_at", stamp)),
        )
    else:
        insert(ctx, table, **values)
    assert tool not in ids(ctx)  # used at the first moment of the window
    assert tool in ids(ctx, T + _dt.timedelta(days=1))  # one day later the window has moved past it


def test_reframes_and_stories_do_not_count_for_each_other(ctx):
    unlock(ctx, "failure-reframer", "soared-story")
    insert(ctx, "user_stories", story_type="challenge", title="s", created_at=at(T))
    assert ids(ctx)[1:] == ["failure-reframer"]
    insert(ctx, "user_stories", story_type="reframe", title="r", created_at=at(T - _dt.timedelta(days=40)))
    assert ids(ctx)[1:] == ["failure-reframer"]


def test_order_is_daily_weekly_monthly(ctx):
    unlock(ctx, *REMINDER_TOOLS)
    assert ids(ctx) == [
        "resume-workbook",
        "flow-tracker",
        "networking-prep",
        "job-prospector",
        "failure-reframer",
        "budget-calculator",
        "soared-story",
    ]


def test_job_follow_ups_when_due_and_not_closed(ctx):
    unlock(ctx, "job-prospector")
    due = insert(
        ctx,
        "user_jobs",
        title="Gardener",
        follow_up_on=T.isoformat(),
        application_status="applied",
        updated_at=at(T),
    )
    insert(
        ctx,
        "user_jobs",
        title="Later",
        follow_up_on=(T + _dt.timedelta(days=1)).isoformat(),
        updated_at=at(T),
    )
    late = insert(
        ctx,
        "user_jobs",
        title="Arborist",
        follow_up_on=(T - _dt.timedelta(days=2)).isoformat(),
        application_status="interviewing",
        updated_at=at(T),
    )
    insert(
        ctx,
        "user_jobs",
        title="Closed",
        follow_up_on=T.isoformat(),
        application_status="closed",
        updated_at=at(T),
    )
    items = [d for d in daily_dos(ctx, T) if d.kind == "follow_up"]
    assert [(d.id, d.title, d.target, d.item_id) for d in items] == [
        (f"follow-up:{late}", "Follow up: Arborist", "job-prospector", late),
        (f"follow-up:{due}", "Follow up: Gardener", "job-prospector", due),
    ]
    assert "today" in items[1].subtitle and "2026-03-08" in items[0].subtitle


def test_reassess_card_after_a_year(ctx):
    comp = ctx.db.scalar("SELECT id FROM competencies ORDER BY sort_order LIMIT 1")
    ctx.db.execute(
        "INSERT INTO user_competency_scores(id, user_id, competency_id, score, assessed_at) "
        "VALUES (?, ?, ?, 3, ?)",
        (new_id(), ctx.user_id, comp, at(_dt.date(2025, 3, 10))),
    )
    assert "reassess-competencies" not in ids(ctx, _dt.date(2026, 3, 10))  # exactly a year: not yet
    items = daily_dos(ctx, _dt.date(2026, 3, 11))
    assert (items[-1].id, items[-1].kind, items[-1].target) == (
        "reassess-competencies",
        "reassess",
        "competency-assessment",
    )


def test_reminders_off_keeps_only_the_resume_card(ctx):
    unlock(ctx, *REMINDER_TOOLS)
    insert(ctx, "user_jobs", title="Gardener", follow_up_on=T.isoformat())
    ctx.db.execute("UPDATE user_settings SET reminders_enabled = 0 WHERE user_id = ?", (ctx.user_id,))
    assert ids(ctx) == ["resume-workbook"]


def test_no_resume_card_once_complete(walker):
    walker.answer_all()
    assert "resume-workbook" not in ids(walker.ctx, walker.sample.today)
