"""Competency self-assessment: fifteen competencies, each answered by picking the one of five level
descriptions that sounds most like the user, shown shuffled and without their level numbers.

Results follow the data architecture (3.17, 13): category and overall averages, strengths
(score >= floor(avg + 0.3)), improvements (score <= floor(avg - 0.3)) and a re-assessment once
the oldest score is more than a year old. The thresholds use exact fractions, so an average such
as 2.7 gives floor(3.0) = 3 rather than a floating-point 2.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ..clock import now_iso, utcnow
from ..context import UserContext
from ..errors import UserInputError
from ..topics import causes, tool_write
from . import _common as c

TOOL_ID = "competency-assessment"
TABLE = "user_competency_scores"
CATEGORIES = ("delivery", "interpersonal", "strategic")
_ORDER = "CASE category WHEN 'delivery' THEN 1 WHEN 'interpersonal' THEN 2 ELSE 3 END, sort_order"


@dataclass
class CompetencyResults:
    category_averages: dict[str, float]
    overall: float
    overall_level: int
    strengths: list[tuple[str, str, int]] = field(default_factory=list)      # (id, name, score)
    improvements: list[tuple[str, str, int]] = field(default_factory=list)
    assessed_at: str | None = None          # the oldest assessment
    reassessment_due: bool = False


def competencies(ctx: UserContext) -> list[dict[str, Any]]:
    return [dict(r) for r in ctx.db.query(
        f"SELECT id, name, definition, category, sort_order FROM competencies ORDER BY {_ORDER}")]


def _rng(seed: str, competency_id: str) -> random.Random:
    digest = hashlib.sha256(f"{seed}\x1f{competency_id}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def questions(ctx: UserContext, seed: str | None = None) -> list[dict[str, Any]]:
    """Each competency with its definition and its five level descriptions in a shuffled order that
    is stable per user (seed defaults to the user id). Options carry an opaque option_id, never the
    level; "selected" is the option matching the user's current score, if any."""
    seed = ctx.user_id if seed is None else str(seed)
    current = {r["competency_id"]: r["score"] for r in ctx.db.query(
        "SELECT competency_id, score FROM user_competency_scores WHERE user_id = ?", (ctx.user_id,))}
    out = []
    for comp in competencies(ctx):
        levels = [dict(r) for r in ctx.db.query(
            "SELECT id, level, description FROM competency_levels WHERE competency_id = ? ORDER BY level",
            (comp["id"],))]
        _rng(seed, comp["id"]).shuffle(levels)
        selected = next((lv["id"] for lv in levels if lv["level"] == current.get(comp["id"])), None)
        out.append({
            "competency_id": comp["id"], "name": comp["name"], "definition": comp["definition"],
            "category": comp["category"],
            "options": [{"option_id": lv["id"], "description": lv["description"]} for lv in levels],
            "selected": selected,
        })
    return out


def _competency(ctx: UserContext, competency_id: Any) -> dict[str, Any]:
    row = ctx.db.one("SELECT id, name, category FROM competencies WHERE id = ?", (competency_id,)) \
        if isinstance(competency_id, str) else None
    if row is None:
        raise UserInputError("competency_id does not name a competency.")
    return dict(row)


@causes(*tool_write(TOOL_ID))
def save_score(ctx: UserContext, competency_id: str, level: int, origin: str | None = None) -> str:
    """Set the user's level (1-5) for one competency, stamping assessed_at; returns the score row id."""
    c.require_unlocked(ctx, TOOL_ID, origin)
    _competency(ctx, competency_id)
    score = c.integer(level, "level", 1, 5, required=True)
    with ctx.db.transaction():
        existing = ctx.db.scalar(
            "SELECT id FROM user_competency_scores WHERE user_id = ? AND competency_id = ?",
            (ctx.user_id, competency_id))
        if existing is not None:
            ctx.db.execute("UPDATE user_competency_scores SET score = ?, assessed_at = ? WHERE id = ?",
                           (score, now_iso(), existing))
            return str(existing)
        return c.insert_row(ctx, TABLE, {"competency_id": competency_id, "score": score,
                                         "assessed_at": now_iso()})


def save_choice(ctx: UserContext, competency_id: str, option_id: str, origin: str | None = None) -> str:
    """Record the option the user picked (from questions()); the level is looked up here."""
    _competency(ctx, competency_id)
    level = ctx.db.scalar("SELECT level FROM competency_levels WHERE id = ? AND competency_id = ?",
                          (option_id, competency_id))
    if level is None:
        raise UserInputError("option_id is not one of this competency's options.")
    return save_score(ctx, competency_id, int(level), origin=origin)


def scores(ctx: UserContext) -> list[dict[str, Any]]:
    """The user's scores in competency order: {id, competency_id, name, category, score, assessed_at}."""
    rows = ctx.db.query(
        "SELECT s.id, s.competency_id, c.name, c.category, s.score, s.assessed_at "
        "FROM user_competency_scores s "
        "JOIN competencies c ON c.id = s.competency_id WHERE s.user_id = ? ORDER BY "
        + _ORDER.replace("category", "c.category").replace("sort_order", "c.sort_order"), (ctx.user_id,))
    return [dict(r) for r in rows]


list_ = scores


@causes(*tool_write(TOOL_ID))
def delete(ctx: UserContext, competency_id: str, origin: str | None = None) -> None:
    c.require_unlocked(ctx, TOOL_ID, origin)
    row_id = ctx.db.scalar("SELECT id FROM user_competency_scores WHERE user_id = ? AND competency_id = ?",
                           (ctx.user_id, competency_id))
    if row_id is None:
        raise UserInputError("competency_id has no score to delete.")
    c.delete_row(ctx, TABLE, row_id)


def _floor(value: Fraction) -> int:
    return math.floor(value)


def _entry(row: Mapping[str, Any]) -> tuple[str, str, int]:
    return (str(row["competency_id"]), str(row["name"]), int(row["score"]))


def compute(rows: Sequence[Mapping[str, Any]], one_year_ago: str) -> CompetencyResults | None:
    """The pure calculation over score rows ({competency_id, name, category, score, assessed_at})."""
    if not rows:
        return None
    total = Fraction(sum(int(r["score"]) for r in rows), len(rows))
    by_cat: dict[str, list[int]] = {}
    for r in rows:
        by_cat.setdefault(r["category"], []).append(int(r["score"]))
    averages = {cat: float(Fraction(sum(v), len(v))) for cat in CATEGORIES if (v := by_cat.get(cat))}
    strong = _floor(total + Fraction(3, 10))
    weak = _floor(total - Fraction(3, 10))
    oldest = min(str(r["assessed_at"]) for r in rows)
    return CompetencyResults(
        category_averages=averages,
        overall=float(total),
        overall_level=_floor(total + Fraction(1, 2)),
        strengths=[_entry(r) for r in rows if int(r["score"]) >= strong],
        improvements=[_entry(r) for r in rows if int(r["score"]) <= weak],
        assessed_at=oldest,
        # MIN(assessed_at) < DATE('now', '-1 year'), compared as text.
        reassessment_due=oldest < one_year_ago,
    )


def results(ctx: UserContext) -> CompetencyResults | None:
    """None until at least one competency is scored."""
    cutoff = str(ctx.db.scalar("SELECT DATE(?, '-1 year')", (utcnow().date().isoformat(),)))
    return compute(scores(ctx), cutoff)


def apply_prompt_value(ctx: UserContext, value: Any, origin: str | None, config: Mapping[str, Any]
                       ) -> list[str]:
    """value: {competency_id: level 1-5} covering all fifteen competencies. Returns score row ids."""
    if value is None:
        return [r["id"] for r in scores(ctx)]
    d = c.require_mapping(value, "The competency answer")
    known = [comp["id"] for comp in competencies(ctx)]
    c.check_keys(d, known, "The competency answer")
    missing = [k for k in known if k not in d]
    if missing:
        raise UserInputError(f"The competency answer is missing {len(missing)} of {len(known)} competencies "
                             f"(first: {missing[0]}).")
    for comp_id in known:
        c.integer(d[comp_id], comp_id, 1, 5, required=True)
    with ctx.db.transaction():
        return [save_score(ctx, comp_id, d[comp_id], origin=origin) for comp_id in known]


def count_for_origin(ctx: UserContext, origin: str | None) -> int:
    """How many competencies have a score (the assessment asks for all fifteen)."""
    return c.count_rows(ctx, TABLE)
