"""The failure reframer. A reframe is kept as a user_stories row with story_type 'reframe'.

Field mapping (reframer field -> user_stories column), also in docs/tools.md:
  situation -> situation, feelings -> obstacle, next_step -> action, silver_lining -> result,
  what_to_change -> evaluation, lesson -> discovery, reframed_statement -> title.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..context import UserContext
from ..errors import UserInputError
from ..topics import causes, tool_write
from . import _common as c

TOOL_ID = "failure-reframer"
TABLE = "user_stories"
MAPPING = {
    "situation": "situation",
    "feelings": "obstacle",
    "next_step": "action",
    "silver_lining": "result",
    "what_to_change": "evaluation",
    "lesson": "discovery",
    "reframed_statement": "title",
}
FIELDS = tuple(MAPPING)
_IS_REFRAME = "story_type = 'reframe'"


def _validate(d: Mapping[str, Any]) -> dict[str, Any]:
    c.check_keys(d, FIELDS, "The reframe")
    columns = {col: c.text(d.get(field), field) for field, col in MAPPING.items()}
    if not any(columns.values()):
        raise UserInputError("A reframe needs at least one field filled in (situation, lesson, ...).")
    return columns


def _fetch(ctx: UserContext, row_id: str) -> dict[str, Any]:
    row = c.find_row(ctx, TABLE, row_id)
    if row is None or row["story_type"] != "reframe":
        raise UserInputError("There is no reframe with that id.")
    return row


def _out(row: Mapping[str, Any]) -> dict[str, Any]:
    out = {field: row[col] for field, col in MAPPING.items()}
    out.update(id=row["id"], origin=row["origin"], created_at=row["created_at"], updated_at=row["updated_at"])
    return out


@causes(*tool_write(TOOL_ID))
def create(ctx: UserContext, data: Mapping[str, Any], origin: str | None = None) -> str:
    origin = c.require_unlocked(ctx, TOOL_ID, origin)
    values = _validate(c.require_mapping(data, "The reframe"))
    with ctx.db.transaction():
        return c.insert_row(ctx, TABLE, {**values, "story_type": "reframe", "origin": origin})


@causes(*tool_write(TOOL_ID))
def update(ctx: UserContext, row_id: str, data: Mapping[str, Any], origin: str | None = None) -> None:
    c.require_unlocked(ctx, TOOL_ID, origin)
    current = _out(_fetch(ctx, row_id))
    d = c.require_mapping(data, "The reframe")
    values = _validate({k: current[k] for k in FIELDS} | d)
    with ctx.db.transaction():
        c.update_row(ctx, TABLE, row_id, values)


@causes(*tool_write(TOOL_ID))
def delete(ctx: UserContext, row_id: str, origin: str | None = None) -> None:
    c.require_unlocked(ctx, TOOL_ID, origin)
    _fetch(ctx, row_id)
    with ctx.db.transaction():
        c.delete_children(ctx, "user_story_skills", "story_id", row_id)
        c.delete_row(ctx, TABLE, row_id)


def get(ctx: UserContext, row_id: str) -> dict[str, Any]:
    return _out(_fetch(ctx, row_id))


def list_(ctx: UserContext) -> list[dict[str, Any]]:
    return [_out(r) for r in c.list_rows(ctx, TABLE, "created_at DESC, rowid DESC", _IS_REFRAME)]


def apply_prompt_value(ctx: UserContext, value: Any, origin: str | None, config: Mapping[str, Any]
                       ) -> list[str]:
    """value: a list of reframe dicts, or one reframe dict."""
    if isinstance(value, Mapping):
        value = [value]
    return c.sync_records(ctx, value, origin, what="reframe", table=TABLE, create=create, update=update,
                          delete=delete, scope=_IS_REFRAME)


def count_for_origin(ctx: UserContext, origin: str | None) -> int:
    """Reframes written in that exercise (each exercise asks for a new one)."""
    return len(c.ids_for_origin(ctx, TABLE, origin, _IS_REFRAME))
