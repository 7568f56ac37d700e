"""SOARED stories: Situation, Obstacle, Action, Result, Evaluation, Discovery."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..context import UserContext
from ..rules import records as rules
from ..topics import causes, tool_write
from . import _common as c
from .skills import check_skill_ids

TOOL_ID = "soared-story"
TABLE = "user_stories"
SOARED = rules.SOARED
TYPES = rules.STORY_TYPES
FIELDS = ("title", *SOARED, "story_type", "experience_id", "skill_ids")


def validate(ctx: UserContext, d: Mapping[str, Any], *, default_type: str = "challenge") -> dict[str, Any]:
    c.check_keys(d, FIELDS, "The story")
    out = rules.check_record(TABLE, {**d, "story_type": c.or_default(d.get("story_type"), default_type)})
    out["experience_id"] = c.owned_id(ctx, "user_experiences", d.get("experience_id"), "experience_id",
                                      "experiences")
    return out


def set_skills(ctx: UserContext, story_id: str, skill_ids: list[str]) -> None:
    c.delete_children(ctx, "user_story_skills", "story_id", story_id,
                      keep=lambda row: row["skill_id"] in skill_ids)
    have = {r[0] for r in ctx.db.query("SELECT skill_id FROM user_story_skills WHERE story_id = ?",
                                       (story_id,))}
    for skill_id in skill_ids:
        if skill_id not in have:
            c.insert_row(ctx, "user_story_skills", {"story_id": story_id, "skill_id": skill_id})


def skill_ids_of(ctx: UserContext, story_id: str) -> list[str]:
    return [r[0] for r in ctx.db.query(
        "SELECT skill_id FROM user_story_skills WHERE story_id = ? ORDER BY created_at, rowid", (story_id,))]


@causes(*tool_write(TOOL_ID))
def create(ctx: UserContext, data: Mapping[str, Any], origin: str | None = None) -> str:
    origin = c.require_unlocked(ctx, TOOL_ID, origin)
    d = c.require_mapping(data, "The story")
    values = validate(ctx, d)
    skill_ids = check_skill_ids(ctx, d.get("skill_ids"), "skill_ids")
    with ctx.db.transaction():
        row_id = c.insert_row(ctx, TABLE, {**values, "origin": origin})
        set_skills(ctx, row_id, skill_ids)
    return row_id


@causes(*tool_write(TOOL_ID))
def update(ctx: UserContext, row_id: str, data: Mapping[str, Any], origin: str | None = None) -> None:
    c.require_unlocked(ctx, TOOL_ID, origin)
    current = c.fetch_row(ctx, TABLE, row_id, "story")
    d = c.require_mapping(data, "The story")
    merged = {k: current[k] for k in FIELDS if k in current} | d
    values = validate(ctx, merged, default_type=current["story_type"] or "challenge")
    skill_ids = check_skill_ids(ctx, d["skill_ids"], "skill_ids") if "skill_ids" in d else None
    with ctx.db.transaction():
        c.update_row(ctx, TABLE, row_id, values)
        if skill_ids is not None:
            set_skills(ctx, row_id, skill_ids)


@causes(*tool_write(TOOL_ID))
def delete(ctx: UserContext, row_id: str, origin: str | None = None) -> None:
    c.require_unlocked(ctx, TOOL_ID, origin)
    c.fetch_row(ctx, TABLE, row_id, "story")
    with ctx.db.transaction():
        c.delete_children(ctx, "user_story_skills", "story_id", row_id)
        c.delete_row(ctx, TABLE, row_id)


def _out(ctx: UserContext, row: dict[str, Any]) -> dict[str, Any]:
    row.pop("user_id", None)
    row["skill_ids"] = skill_ids_of(ctx, row["id"])
    return row


def get(ctx: UserContext, row_id: str) -> dict[str, Any]:
    return _out(ctx, c.fetch_row(ctx, TABLE, row_id, "story"))


def list_(ctx: UserContext, story_type: str | None = None, experience_id: str | None = None
          ) -> list[dict[str, Any]]:
    """Newest first; every type unless story_type is given."""
    kind = c.enum(story_type, "story_type", TYPES)
    clauses, params = [], []
    if kind:
        clauses.append("story_type = ?")
        params.append(kind)
    if experience_id is not None:
        clauses.append("experience_id = ?")
        params.append(experience_id)
    rows = c.list_rows(ctx, TABLE, "created_at DESC, rowid DESC", " AND ".join(clauses), params)
    return [_out(ctx, r) for r in rows]


def apply_prompt_value(ctx: UserContext, value: Any, origin: str | None, config: Mapping[str, Any]
                       ) -> list[str]:
    """value: a list of story dicts (with "id" to edit an existing one)."""
    return c.sync_records(ctx, value, origin, what="story", table=TABLE, create=create, update=update,
                          delete=delete, scope="story_type IS NOT 'reframe'")


def count_for_origin(ctx: UserContext, origin: str | None) -> int:
    """Stories written in that exercise (each exercise asks for new ones)."""
    return len(c.ids_for_origin(ctx, TABLE, origin, "story_type IS NOT 'reframe'"))
