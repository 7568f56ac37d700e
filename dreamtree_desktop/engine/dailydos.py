"""Daily Dos (docs/workbook-answers.md): what is worth doing today, worked out in Python from a few
indexed queries.

- "Resume workbook" while the workbook is incomplete (always shown, even with reminders off).
- "Come back to" one card per prompt set aside for later in an exercise already passed (also
  shown with reminders off: it is part of the workbook, not a reminder).
- One card per unlocked, active tool with a reminder that is due by its own frequency: each tool
  is checked against its own table (LAST_USE): daily tools against today, weekly tools against
  the last 7 days, monthly tools against the last 30.
- Job follow-ups whose date has come, for jobs not closed.
- Competency re-assessment once the scores are more than a year old (docs/workbook-answers.md).

`today` is injectable (tests and `dreamtree dailydos --today`); timestamps are UTC, so a window
starts at local midnight of its first day, converted to UTC.
"""

from __future__ import annotations

import datetime as _dt

from ..clock import format_iso, today_local
from ..context import UserContext
from .competency import reassessment_due
from .content import load
from .progression import load_progress, next_exercise, unlocked_tools, waiting_prompts, workbook_complete
from .views import DailyDo

WINDOW_DAYS = {"daily": 0, "weekly": 7, "monthly": 30}
FREQUENCY_ORDER = {"daily": 0, "weekly": 1, "monthly": 2}

# tool id -> queries that find a use inside the window; each takes (user_id, cutoff). The cutoff
# is a date (YYYY-MM-DD) for "date" checks and a UTC timestamp for "stamp" checks.
LAST_USE: dict[str, list[tuple[str, str]]] = {
    "flow-tracker": [("date", "SELECT 1 FROM user_flow_logs WHERE user_id = ? AND logged_date >= ? LIMIT 1")],
    "failure-reframer": [
        (
            "stamp",
            "SELECT 1 FROM user_stories WHERE user_id = ? AND story_type = 'reframe' "
            "AND created_at >= ? LIMIT 1",
        )
    ],
    "budget-calculator": [("stamp", "SELECT 1 FROM user_budget WHERE user_id = ? AND updated_at >= ?")],
    "soared-story": [
        (
            "stamp",
            "SELECT 1 FROM user_stories WHERE user_id = ? AND (story_type IS NULL OR "
            "story_type != 'reframe') AND created_at >= ? LIMIT 1",
        )
    ],
    "networking-prep": [
        ("stamp", "SELECT 1 FROM user_contacts WHERE user_id = ? AND updated_at >= ? LIMIT 1"),
        ("stamp", "SELECT 1 FROM user_companies WHERE user_id = ? AND updated_at >= ? LIMIT 1"),
    ],
    "job-prospector": [("stamp", "SELECT 1 FROM user_jobs WHERE user_id = ? AND updated_at >= ? LIMIT 1")],
}
JOB_TOOL = "job-prospector"
COMPETENCY_TOOL = "competency-assessment"


def window_start(today: _dt.date, days: int) -> tuple[str, str]:
    """(first day as YYYY-MM-DD, local midnight of that day as a UTC timestamp)."""
    first = today - _dt.timedelta(days=days)
    midnight = _dt.datetime.combine(first, _dt.time.min).astimezone()
    return first.isoformat(), format_iso(midnight)


def is_due(ctx: UserContext, tool_id: str, frequency: str | None, today: _dt.date) -> bool:
    """True when the tool has no use inside its window (tools with no known table are never due)."""
    checks = LAST_USE.get(tool_id)
    if not checks or frequency not in WINDOW_DAYS:
        return False
    day, stamp = window_start(today, WINDOW_DAYS[frequency])
    for kind, sql in checks:
        if ctx.db.one(sql, (ctx.user_id, day if kind == "date" else stamp)) is not None:
            return False
    return True


def _first_line(text: str, limit: int = 140) -> str:
    line = text.strip().split("\n", 1)[0]
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def daily_dos(ctx: UserContext, today: _dt.date | None = None) -> list[DailyDo]:
    today = today or today_local()
    content = load(ctx.db)
    progress = load_progress(ctx)
    items: list[DailyDo] = []
    if not workbook_complete(content, progress):
        nxt = next_exercise(content, progress)
        if nxt is not None:
            items.append(DailyDo("resume-workbook", "resume", "Resume Workbook", nxt.title, nxt.id))
    for ex, prompt in waiting_prompts(content, progress):
        items.append(
            DailyDo(f"later:{prompt.id}", "later", f"Come back to: {ex.title}", _first_line(prompt.text), ex.id,
                    prompt.id)
        )
    enabled = ctx.db.scalar("SELECT reminders_enabled FROM user_settings WHERE user_id = ?", (ctx.user_id,))
    if enabled is not None and not enabled:
        return items
    unlocked = set(unlocked_tools(content, progress))
    reminders = sorted(
        (t for t in content.tools.values() if t.has_reminder and t.id in unlocked),
        key=lambda t: (FREQUENCY_ORDER.get(t.frequency or "", 9), t.sort_order),
    )
    for tool in reminders:
        if is_due(ctx, tool.id, tool.frequency, today):
            items.append(DailyDo(tool.id, "tool", tool.singular_name, tool.reminder_prompt or "", tool.id))
    if JOB_TOOL in unlocked:
        for job_id, title, when in ctx.db.query(
            "SELECT id, title, follow_up_on FROM user_jobs WHERE user_id = ? AND follow_up_on IS NOT NULL "
            "AND follow_up_on <= ? AND (application_status IS NULL OR application_status != 'closed') "
            "ORDER BY follow_up_on, title",
            (ctx.user_id, today.isoformat()),
        ):
            when_text = "today" if when == today.isoformat() else f"since {when}"
            items.append(
                DailyDo(
                    f"follow-up:{job_id}",
                    "follow_up",
                    f"Follow up: {title}",
                    f"A follow-up is due {when_text}.",
                    JOB_TOOL,
                    job_id,
                )
            )
    if reassessment_due(ctx, today):
        items.append(
            DailyDo(
                "reassess-competencies",
                "reassess",
                "Re-assess your competencies",
                "A year has passed since you rated your competencies: see how you have grown.",
                COMPETENCY_TOOL,
            )
        )
    return items
