"""Skills: the master list plus the user's own additions, and the user's rated skills (user_skills)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..clock import now_iso
from ..content.skillnames import skill_key
from ..context import UserContext
from ..errors import UserInputError
from ..rules import records as rules
from ..storage.db import Row
from ..topics import causes, tool_write
from . import _common as c

TOOL_ID = "skills-browser"
TABLE = "user_skills"
CATEGORIES = rules.SKILL_CATEGORIES
CATEGORY_LABELS = {
    "transferable": "Transferable skills",
    "self_management": "Self-management skills",
    "knowledge": "Knowledge",
}
MAX_NAME = 200
TOP = rules.TOP_SKILLS

# Master skills, and custom skills this user created.
_VISIBLE = "(is_custom = 0 OR created_by = ?)"


# -- the skills catalogue ------------------------------------------------------------------------
def skill(ctx: UserContext, skill_id: Any) -> dict[str, Any] | None:
    if not isinstance(skill_id, str):
        return None
    row = ctx.db.one(f"SELECT id, name, category, is_custom, review_status FROM skills "
                     f"WHERE id = ? AND {_VISIBLE}", (skill_id, ctx.user_id))
    return None if row is None else dict(row)


def check_skill_ids(ctx: UserContext, value: Any, field: str) -> list[str]:
    """A list of skill ids the user can see, without repeats (order kept)."""
    ids = c.string_list(value, field)
    out: list[str] = []
    for skill_id in ids:
        if skill(ctx, skill_id) is None:
            raise UserInputError(f"{field} names a skill that does not exist.")
        if skill_id not in out:
            out.append(skill_id)
    return out


def resolve(ctx: UserContext, ref: Any, field: str, category: str | None = None) -> str:
    """A skill given by id or by its exact name (case-insensitive); master skills win a tie."""
    name = c.text(ref, field, required=True, max_length=MAX_NAME)
    assert name is not None
    if skill(ctx, name) is not None:
        return name
    folded = name.casefold()
    rows = ctx.db.query(
        f"SELECT id, name, category, is_custom FROM skills WHERE {_VISIBLE} ORDER BY is_custom, name",
        (ctx.user_id,),
    )
    hits = [r for r in rows
            if r["name"].casefold() == folded and (category is None or r["category"] == category)]
    if not hits:
        raise UserInputError(f'{field}: there is no skill named "{name}".',
                             hint="Add it as a custom skill first.")
    masters = [r for r in hits if not r["is_custom"]]
    chosen = masters or hits
    if len(chosen) > 1:
        raise UserInputError(f'{field}: "{name}" matches skills in several categories; give the category.')
    return str(chosen[0]["id"])


def search(ctx: UserContext, text: str | None, category: str | None = None, limit: int = 50
           ) -> list[dict[str, Any]]:
    """Skills whose name contains text (case-insensitive), names starting with it first."""
    needle = c.text(text, "text", max_length=MAX_NAME) or ""
    category = c.enum(category, "category", CATEGORIES)
    checked_limit = c.integer(limit, "limit", 1, 1000, required=True)
    assert checked_limit is not None
    limit = checked_limit
    sql = f"SELECT id, name, category, is_custom FROM skills WHERE {_VISIBLE}"
    params: list[Any] = [ctx.user_id]
    if category:
        sql += " AND category = ?"
        params.append(category)
    folded = needle.casefold()
    hits = []
    for row in ctx.db.query(sql, params):
        name = row["name"].casefold()
        at = name.find(folded)
        if at >= 0:
            hits.append((at != 0, name, dict(row)))
    hits.sort(key=lambda h: (h[0], h[1]))
    return [{**h[2], "is_custom": bool(h[2]["is_custom"])} for h in hits[:limit]]


@causes(*tool_write(TOOL_ID))
def add_custom_skill(ctx: UserContext, name: str, category: str, origin: str | None = None) -> str:
    """A skill missing from the master list; kept pending review."""
    c.require_unlocked(ctx, TOOL_ID, origin)
    cleaned = c.text(name, "name", required=True, max_length=MAX_NAME)
    cat = c.enum(category, "category", CATEGORIES, required=True)
    assert cleaned is not None
    folded = skill_key(cleaned)
    for row in ctx.db.query(f"SELECT name FROM skills WHERE category = ? AND {_VISIBLE}", (cat, ctx.user_id)):
        if skill_key(row["name"]) == folded:
            raise UserInputError(f'name: a skill called "{row["name"]}" already exists in this category.')
    with ctx.db.transaction():
        return c.insert_row(ctx, "skills", {
            "name": cleaned, "category": cat, "is_custom": 1, "created_by": ctx.user_id,
            "review_status": "pending", "created_at": now_iso(),
        })


@causes(*tool_write(TOOL_ID))
def delete_custom_skill(ctx: UserContext, skill_id: str, origin: str | None = None) -> None:
    """Remove one of the user's own skills, with every link to it."""
    c.require_unlocked(ctx, TOOL_ID, origin)
    row = ctx.db.one("SELECT id FROM skills WHERE id = ? AND is_custom = 1 AND created_by = ?",
                     (skill_id, ctx.user_id))
    if row is None:
        raise UserInputError("skill_id does not name one of your custom skills.")
    with ctx.db.transaction():
        for link in ("user_story_skills", "user_experience_skills"):
            c.delete_children(ctx, link, "skill_id", skill_id)
        for us in ctx.db.query("SELECT id FROM user_skills WHERE user_id = ? AND skill_id = ?",
                               (ctx.user_id, skill_id)):
            c.delete_row(ctx, TABLE, us["id"])
        ctx.db.execute("DELETE FROM skills WHERE id = ?", (skill_id,))
        ctx.tombstone("skills", skill_id)


# -- the user's skills ---------------------------------------------------------------------------
_USER_SELECT = (
    "SELECT us.id, us.skill_id, s.name, us.category, us.mastery, us.evidence, us.rank, us.origin, "
    "s.is_custom, us.created_at, us.updated_at FROM user_skills us JOIN skills s ON s.id = us.skill_id "
    "WHERE us.user_id = ?"
)


def _user_dict(row: Row) -> dict[str, Any]:
    out = dict(row)
    out["is_custom"] = bool(out["is_custom"])
    return out


def list_user_skills(ctx: UserContext, category: str | None = None) -> list[dict[str, Any]]:
    category = c.enum(category, "category", CATEGORIES)
    sql = _USER_SELECT
    params: list[Any] = [ctx.user_id]
    if category:
        sql += " AND us.category = ?"
        params.append(category)
    sql += " ORDER BY us.rank IS NULL, us.rank, lower(s.name)"
    return [_user_dict(r) for r in ctx.db.query(sql, params)]


list_ = list_user_skills


def get(ctx: UserContext, row_id: str) -> dict[str, Any]:
    row = ctx.db.one(_USER_SELECT + " AND us.id = ?", (ctx.user_id, row_id))
    if row is None:
        raise UserInputError("There is no skill of yours with that id.")
    return _user_dict(row)


def top10(ctx: UserContext) -> list[dict[str, Any]]:
    return [s for s in list_user_skills(ctx) if s["rank"] is not None]


def buckets(ctx: UserContext) -> dict[int, list[dict[str, Any]]]:
    """The user's rated skills grouped by mastery 1..5 (unrated skills are left out)."""
    out: dict[int, list[dict[str, Any]]] = {level: [] for level in range(1, 6)}
    for s in list_user_skills(ctx):
        if s["mastery"] is not None:
            out[s["mastery"]].append(s)
    return out


def _check_rank_free(ctx: UserContext, rank: int, skill_id: str) -> None:
    holder = ctx.db.scalar("SELECT skill_id FROM user_skills WHERE user_id = ? AND rank = ?",
                           (ctx.user_id, rank))
    if holder is not None and holder != skill_id:
        raise UserInputError(f"rank {rank} is already held by another skill; reorder with the top-10 list.")


@causes(*tool_write(TOOL_ID))
def set_user_skill(ctx: UserContext, skill_id: str, *, mastery: Any = c.KEEP, evidence: Any = c.KEEP,
                   rank: Any = c.KEEP, origin: str | None = None) -> str:
    """Add or change one of the user's skills; arguments left out keep their stored value."""
    origin = c.require_unlocked(ctx, TOOL_ID, origin)
    found = skill(ctx, skill_id)
    if found is None:
        raise UserInputError("skill_id does not name a skill.")
    if found["category"] is None:
        raise UserInputError("skill_id names a skill without a category.")
    values: dict[str, Any] = {}
    if mastery is not c.KEEP:
        values["mastery"] = c.integer(mastery, "mastery", 1, 5)
    if evidence is not c.KEEP:
        values["evidence"] = c.text(evidence, "evidence")
    if rank is not c.KEEP:
        values["rank"] = c.integer(rank, "rank", 1, TOP)
        if values["rank"] is not None:
            _check_rank_free(ctx, values["rank"], skill_id)
    existing = ctx.db.one("SELECT id, origin FROM user_skills WHERE user_id = ? AND skill_id = ?",
                          (ctx.user_id, skill_id))
    with ctx.db.transaction():
        if existing is None:
            return c.insert_row(ctx, TABLE, {"skill_id": skill_id, "category": found["category"],
                                             "origin": origin, **values})
        # A row nobody claimed yet is taken over by the exercise now using it.
        if existing["origin"] is None and origin is not None:
            values["origin"] = origin
        values["category"] = found["category"]
        c.update_row(ctx, TABLE, existing["id"], values)
        return str(existing["id"])


_FIELDS = ("skill_id", "skill", "category", "mastery", "evidence", "rank")


def create(ctx: UserContext, data: Mapping[str, Any], origin: str | None = None) -> str:
    """data: skill_id (or skill: id or exact name, with optional category), mastery, evidence, rank."""
    d = c.require_mapping(data, "The skill")
    c.check_keys(d, _FIELDS, "The skill")
    if "skill_id" in d:
        skill_id = d["skill_id"]
        if skill(ctx, skill_id) is None:
            raise UserInputError("skill_id does not name a skill.")
    else:
        category = c.enum(d.get("category"), "category", CATEGORIES)
        skill_id = resolve(ctx, d.get("skill"), "skill", category)
    return set_user_skill(ctx, skill_id, mastery=d.get("mastery", c.KEEP), evidence=d.get("evidence", c.KEEP),
                          rank=d.get("rank", c.KEEP), origin=origin)


def update(ctx: UserContext, row_id: str, data: Mapping[str, Any], origin: str | None = None) -> None:
    """Change mastery, evidence or rank of one user skill (by its user_skills id)."""
    row = get(ctx, row_id)
    d = c.require_mapping(data, "The skill")
    c.check_keys(d, ("mastery", "evidence", "rank", "skill_id", "skill", "category"), "The skill")
    if d.get("skill_id", row["skill_id"]) != row["skill_id"]:
        raise UserInputError("skill_id cannot change; remove the skill and add the other one.")
    set_user_skill(ctx, row["skill_id"], mastery=d.get("mastery", c.KEEP), evidence=d.get("evidence", c.KEEP),
                   rank=d.get("rank", c.KEEP), origin=origin)


@causes(*tool_write(TOOL_ID))
def delete(ctx: UserContext, row_id: str, origin: str | None = None) -> None:
    c.require_unlocked(ctx, TOOL_ID, origin)
    c.fetch_row(ctx, TABLE, row_id, "skill of yours")
    c.delete_row(ctx, TABLE, row_id)


@causes(*tool_write(TOOL_ID))
def remove_user_skill(ctx: UserContext, skill_id: str, origin: str | None = None) -> None:
    c.require_unlocked(ctx, TOOL_ID, origin)
    row_id = ctx.db.scalar("SELECT id FROM user_skills WHERE user_id = ? AND skill_id = ?",
                           (ctx.user_id, skill_id))
    if row_id is None:
        raise UserInputError("skill_id is not one of your skills.")
    c.delete_row(ctx, TABLE, row_id)


@causes(*tool_write(TOOL_ID))
def set_top10(ctx: UserContext, skill_ids: Sequence[str], origin: str | None = None) -> list[str]:
    """Rank these skills 1..n (adding any not yet among the user's); every other skill loses its rank."""
    origin = c.require_unlocked(ctx, TOOL_ID, origin)
    ids = c.string_list(skill_ids, "top10", max_items=TOP)
    if len(set(ids)) != len(ids):
        raise UserInputError("top10 lists the same skill twice.")
    for skill_id in ids:
        if skill(ctx, skill_id) is None:
            raise UserInputError("top10 names a skill that does not exist.")
    with ctx.db.transaction():
        ctx.db.execute("UPDATE user_skills SET rank = NULL, updated_at = ? WHERE user_id = ? "
                       "AND rank IS NOT NULL", (now_iso(), ctx.user_id))
        return [set_user_skill(ctx, skill_id, rank=n, origin=origin) for n, skill_id in enumerate(ids, 1)]


# -- workbook ------------------------------------------------------------------------------------
def apply_prompt_value(ctx: UserContext, value: Any, origin: str | None, config: Mapping[str, Any]
                       ) -> list[str]:
    """value: [{skill, mastery?, evidence?, category?}] or {"skills": [...], "top10": [ids or names]}."""
    if value is None:
        return c.ids_for_origin(ctx, TABLE, origin)
    if isinstance(value, Mapping):
        c.check_keys(value, ("skills", "top10"), "The skills answer")
        items, top = value.get("skills"), value.get("top10")
    else:
        items, top = value, None
    with ctx.db.transaction():
        kept: list[str] = []
        if items is not None:
            for index, raw in enumerate(c.record_list(items, "skill"), start=1):
                try:
                    d = c.require_mapping(raw, "skill")
                    c.check_keys(d, ("skill", "skill_id", "category", "mastery", "evidence"), "skill")
                    kept.append(create(ctx, d, origin=origin))
                except UserInputError as exc:
                    raise c.prefixed(f"skill {index}", exc) from None
            for row_id in c.ids_for_origin(ctx, TABLE, origin):
                if row_id not in kept:
                    c.delete_row(ctx, TABLE, row_id)
        if top is not None:
            refs = c.record_list(top, "top10", max_items=TOP)
            ids = [resolve(ctx, ref, f"top10 item {n}") for n, ref in enumerate(refs, 1)]
            ranked = set_top10(ctx, ids, origin=origin)
            kept.extend(r for r in ranked if r not in kept)
        return kept


def count_ranked(ctx: UserContext) -> int:
    """How many of the user's skills hold a place in their top ten."""
    return c.count_rows(ctx, TABLE, "rank IS NOT NULL")


def count_for_origin(ctx: UserContext, origin: str | None) -> int:
    """The user's skills are one collection revisited across exercises: all of them count."""
    return c.count_rows(ctx, TABLE)
