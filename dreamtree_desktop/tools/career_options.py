"""Career options: at most three paths, each scored 1-10 on coherence, work needs, life needs and
unknowns, and ranked 1-3."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..context import UserContext
from ..errors import UserInputError
from ..rules import records as rules
from ..topics import causes, tool_write
from . import _common as c

TOOL_ID = "career-options"
TABLE = "user_career_options"
MAX_OPTIONS = rules.MAX_CAREER_OPTIONS
SCORES = rules.CAREER_SCORES
FIELDS = ("title", "description", "rank", *SCORES)


def total_score(option: Mapping[str, Any]) -> int | None:
    """coherence + work needs + life needs + (11 - unknowns): 4..40, higher is better.

    Unknowns count against an option (10 = a great deal still to find out), so they are inverted.
    None until all four scores are given.
    """
    values = [option.get(k) for k in SCORES]
    if any(v is None for v in values):
        return None
    coherence, work, life, unknowns = (int(v) for v in values if v is not None)
    return coherence + work + life + (11 - unknowns)


def _validate(d: Mapping[str, Any]) -> dict[str, Any]:
    c.check_keys(d, FIELDS, "The career option")
    return rules.check_record(TABLE, d)


@causes(*tool_write(TOOL_ID))
def create(ctx: UserContext, data: Mapping[str, Any], origin: str | None = None) -> str:
    origin = c.require_unlocked(ctx, TOOL_ID, origin)
    values = _validate(c.require_mapping(data, "The career option"))
    if c.count_rows(ctx, TABLE) >= MAX_OPTIONS:
        raise UserInputError(f"You can keep at most {MAX_OPTIONS} career options; remove one first.")
    c.check_rank_free(ctx, TABLE, values["rank"], None, "career option")
    with ctx.db.transaction():
        return c.insert_row(ctx, TABLE, {**values, "origin": origin})


@causes(*tool_write(TOOL_ID))
def update(ctx: UserContext, row_id: str, data: Mapping[str, Any], origin: str | None = None) -> None:
    c.require_unlocked(ctx, TOOL_ID, origin)
    current = c.fetch_row(ctx, TABLE, row_id, "career option")
    values = _validate({k: current[k] for k in FIELDS} | c.require_mapping(data, "The career option"))
    c.check_rank_free(ctx, TABLE, values["rank"], row_id, "career option")
    with ctx.db.transaction():
        c.update_row(ctx, TABLE, row_id, values)


@causes(*tool_write(TOOL_ID))
def delete(ctx: UserContext, row_id: str, origin: str | None = None) -> None:
    c.require_unlocked(ctx, TOOL_ID, origin)
    c.fetch_row(ctx, TABLE, row_id, "career option")
    with ctx.db.transaction():
        c.delete_row(ctx, TABLE, row_id)
        c.compact_ranks(ctx, TABLE)


@causes(*tool_write(TOOL_ID))
def rank(ctx: UserContext, ordered_ids: list[str], origin: str | None = None) -> list[str]:
    """Rank these options 1..n; any others follow."""
    c.require_unlocked(ctx, TOOL_ID, origin)
    return c.apply_ranks(ctx, TABLE, ordered_ids, "career option")


def _out(row: dict[str, Any]) -> dict[str, Any]:
    row.pop("user_id", None)
    row["total_score"] = total_score(row)
    return row


def get(ctx: UserContext, row_id: str) -> dict[str, Any]:
    return _out(c.fetch_row(ctx, TABLE, row_id, "career option"))


def list_(ctx: UserContext) -> list[dict[str, Any]]:
    """Ranked ones first, in rank order, then the rest as added."""
    return [_out(r) for r in c.list_rows(ctx, TABLE, "rank IS NULL, rank, created_at, rowid")]


def _match_title(ctx: UserContext) -> Any:
    def match(item: dict[str, Any]) -> str | None:
        title = item.get("title")
        if not isinstance(title, str) or not title.strip():
            return None
        for row in c.list_rows(ctx, TABLE, "created_at"):
            if row["title"].casefold() == title.strip().casefold():
                return str(row["id"])
        return None
    return match


def apply_prompt_value(ctx: UserContext, value: Any, origin: str | None, config: Mapping[str, Any]
                       ) -> list[str]:
    """value: a list of options (at most three). An item without "id" whose title matches an
    existing option updates it (2.4.2 scores the options 2.3.3 wrote). When any item carries a
    rank, the ranks in the value replace all ranks (options given none become unranked)."""
    if value is None:
        return _sync(ctx, None, origin)
    items = c.record_list(value, "career option", max_items=MAX_OPTIONS)
    ranks: list[int | None] = []
    stripped: list[Any] = []
    for index, item in enumerate(items, start=1):
        given = None
        if isinstance(item, Mapping) and "rank" in item:
            try:
                given = c.integer(item["rank"], "rank", 1, MAX_OPTIONS)
            except UserInputError as exc:
                raise c.prefixed(f"career option {index}", exc) from None
            item = {k: v for k, v in item.items() if k != "rank"}
        ranks.append(given)
        stripped.append(item)
    chosen = [r for r in ranks if r is not None]
    if len(set(chosen)) != len(chosen):
        raise UserInputError("rank: two career options have the same rank.")
    with ctx.db.transaction():
        kept = _sync(ctx, stripped, origin)
        if any(isinstance(item, Mapping) and "rank" in item for item in items):
            ctx.db.execute("UPDATE user_career_options SET rank = NULL WHERE user_id = ?", (ctx.user_id,))
            for row_id, given in zip(kept, ranks, strict=True):
                if given is not None:
                    c.update_row(ctx, TABLE, row_id, {"rank": given})
    return kept


def _sync(ctx: UserContext, items: Any, origin: str | None) -> list[str]:
    return c.sync_records(ctx, items, origin, what="career option", table=TABLE, create=create, update=update,
                          delete=delete, match=_match_title(ctx))


def count_for_origin(ctx: UserContext, origin: str | None) -> int:
    """The three options are revisited (2.3.3 writes them, 2.4.2 scores them): all of them count."""
    return c.count_rows(ctx, TABLE)
