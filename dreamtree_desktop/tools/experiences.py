"""Experiences: jobs, education, projects and other chapters, with the skills each one used."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..context import UserContext
from ..errors import UserInputError
from ..rules import fields
from ..rules import records as rules
from ..topics import causes, tool_write
from . import _common as c
from .skills import check_skill_ids

TOOL_ID = "experiences"
TABLE = "user_experiences"
TYPES = rules.EXPERIENCE_TYPES
FIELDS = ("title", "organization", "experience_type", "start_date", "end_date", "description", "tasks",
          "skill_ids")
MAX_TASKS = rules.MAX_TASKS


partial_date = fields.partial_date


def check_tasks(value: Any) -> list[str]:
    """A list of one-line tasks ("Trained new staff"); a text of lines is read as a list too."""
    if isinstance(value, list):
        value = [t for t in value if not (isinstance(t, str) and not t.strip())]
    elif isinstance(value, str):
        value = [line for line in value.splitlines() if line.strip()]
    tasks = c.string_list(value, "tasks", max_items=MAX_TASKS)
    for task in tasks:
        if "\n" in task or "\r" in task:
            raise UserInputError("tasks: each task is one line.")
        if "\x00" in task:
            raise UserInputError("tasks must not contain NUL characters.")
        if len(task) > c.MAX_SHORT:
            raise UserInputError(f"tasks: a task is at most {c.MAX_SHORT} characters.")
    return tasks


def _join_tasks(tasks: list[str]) -> str | None:
    # Stored one per line: readable in an export, and a task never spans lines.
    return "\n".join(tasks) if tasks else None


def split_tasks(stored: str | None) -> list[str]:
    return [line for line in (stored or "").split("\n") if line.strip()]


def _validate(ctx: UserContext, d: dict[str, Any]) -> dict[str, Any]:
    c.check_keys(d, FIELDS, "The experience")
    return rules.check_record(TABLE, {**d, "tasks": _join_tasks(check_tasks(d.get("tasks")))})


def _set_skills(ctx: UserContext, experience_id: str, skill_ids: list[str]) -> None:
    c.delete_children(ctx, "user_experience_skills", "experience_id", experience_id,
                      keep=lambda row: row["skill_id"] in skill_ids)
    have = {r[0] for r in ctx.db.query(
        "SELECT skill_id FROM user_experience_skills WHERE experience_id = ?", (experience_id,))}
    for skill_id in skill_ids:
        if skill_id not in have:
            c.insert_row(ctx, "user_experience_skills",
                         {"experience_id": experience_id, "skill_id": skill_id})


def _skill_ids(ctx: UserContext, experience_id: str) -> list[str]:
    return [r[0] for r in ctx.db.query(
        "SELECT skill_id FROM user_experience_skills WHERE experience_id = ? ORDER BY created_at, rowid",
        (experience_id,))]


@causes(*tool_write(TOOL_ID))
def create(ctx: UserContext, data: Mapping[str, Any], origin: str | None = None) -> str:
    origin = c.require_unlocked(ctx, TOOL_ID, origin)
    d = c.require_mapping(data, "The experience")
    values = _validate(ctx, d)
    skill_ids = check_skill_ids(ctx, d.get("skill_ids"), "skill_ids")
    with ctx.db.transaction():
        row_id = c.insert_row(ctx, TABLE, {**values, "origin": origin})
        _set_skills(ctx, row_id, skill_ids)
    return row_id


@causes(*tool_write(TOOL_ID))
def update(ctx: UserContext, row_id: str, data: Mapping[str, Any], origin: str | None = None) -> None:
    """Change the fields given; skill_ids, when given, replaces the linked skills."""
    c.require_unlocked(ctx, TOOL_ID, origin)
    current = c.fetch_row(ctx, TABLE, row_id, "experience")
    d = c.require_mapping(data, "The experience")
    merged = {k: current[k] for k in FIELDS if k in current} | d
    if "tasks" not in d:
        merged["tasks"] = split_tasks(current.get("tasks"))
    values = _validate(ctx, merged)
    skill_ids = check_skill_ids(ctx, d["skill_ids"], "skill_ids") if "skill_ids" in d else None
    with ctx.db.transaction():
        c.update_row(ctx, TABLE, row_id, values)
        if skill_ids is not None:
            _set_skills(ctx, row_id, skill_ids)


@causes(*tool_write(TOOL_ID))
def delete(ctx: UserContext, row_id: str, origin: str | None = None) -> None:
    c.require_unlocked(ctx, TOOL_ID, origin)
    c.fetch_row(ctx, TABLE, row_id, "experience")
    with ctx.db.transaction():
        c.delete_children(ctx, "user_experience_skills", "experience_id", row_id)
        c.delete_row(ctx, TABLE, row_id)


def _out(ctx: UserContext, row: dict[str, Any]) -> dict[str, Any]:
    row.pop("user_id", None)
    row["skill_ids"] = _skill_ids(ctx, row["id"])
    row["tasks"] = split_tasks(row.get("tasks"))
    return row


def get(ctx: UserContext, row_id: str) -> dict[str, Any]:
    return _out(ctx, c.fetch_row(ctx, TABLE, row_id, "experience"))


def list_(ctx: UserContext, experience_type: str | None = None) -> list[dict[str, Any]]:
    """Most recent first: current ones (no end date), then by end and start date."""
    kind = c.enum(experience_type, "experience_type", TYPES)
    where, params = ("experience_type = ?", [kind]) if kind else ("", [])
    rows = c.list_rows(ctx, TABLE, "COALESCE(end_date, '9999') DESC, start_date DESC, created_at",
                       where, params)
    return [_out(ctx, r) for r in rows]


def all_tasks(ctx: UserContext) -> list[str]:
    """Every task of every experience, in the experiences' order (most recent first)."""
    rows = c.list_rows(ctx, TABLE, "COALESCE(end_date, '9999') DESC, start_date DESC, created_at")
    return [task for row in rows for task in split_tasks(row.get("tasks"))]


def suggest_skills(ctx: UserContext, limit: int = 20) -> list[dict[str, Any]]:
    """Transferable skills the tasks' verbs point at (see tools.taskverbs), best matches first."""
    from .taskverbs import suggest

    return suggest(ctx, all_tasks(ctx), limit=limit)


def apply_prompt_value(ctx: UserContext, value: Any, origin: str | None, config: Mapping[str, Any]
                       ) -> list[str]:
    """value: a list of experience dicts (with "id" to edit an existing one)."""
    return c.sync_records(ctx, value, origin, what="experience", table=TABLE,
                          create=create, update=update, delete=delete)


def count_for_origin(ctx: UserContext, origin: str | None) -> int:
    """Experiences are one collection that later exercises extend: all of them count."""
    return c.count_rows(ctx, TABLE)
