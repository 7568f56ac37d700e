"""Competency results and the yearly re-assessment (docs/workbook-answers.md).

Category averages and the overall average are plain means of the 1-5 scores. Strengths are the
competencies scoring at least floor(overall + 0.3); improvements score at most
floor(overall - 0.3). Re-assessment is due once the oldest score is more than a year old: as
as `MIN(assessed_at) < DATE('now', '-1 year')`, from the day after its anniversary.
"""

from __future__ import annotations

import datetime as _dt
import math
from fractions import Fraction

from ..clock import parse_iso, today_local
from ..context import UserContext
from .views import CompetencyResults, CompetencyScore

CATEGORY_ORDER = ("delivery", "interpersonal", "strategic")


def one_year_after(day: _dt.date) -> _dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def reassess_on(first_assessed: _dt.date) -> _dt.date:
    """The first day re-assessment is due for a score given on `first_assessed`."""
    return one_year_after(first_assessed) + _dt.timedelta(days=1)


def competency_results(ctx: UserContext, today: _dt.date | None = None) -> CompetencyResults | None:
    """The user's results, or None before any competency has a score."""
    rows = ctx.db.query(
        "SELECT c.id, c.name, c.category, s.score, s.assessed_at FROM user_competency_scores s "
        "JOIN competencies c ON c.id = s.competency_id WHERE s.user_id = ? "
        "ORDER BY CASE c.category WHEN 'delivery' THEN 1 WHEN 'interpersonal' THEN 2 ELSE 3 END, "
        "c.sort_order, c.id",
        (ctx.user_id,),
    )
    if not rows:
        return None
    scores = [CompetencyScore(r[0], r[1], r[2], int(r[3])) for r in rows]
    by_category: dict[str, list[int]] = {}
    for s in scores:
        by_category.setdefault(s.category, []).append(s.score)
    order = sorted(by_category, key=lambda c: (CATEGORY_ORDER.index(c) if c in CATEGORY_ORDER else 99, c))
    averages = {cat: float(Fraction(sum(by_category[cat]), len(by_category[cat]))) for cat in order}
    # Exact arithmetic: a float average such as 3.7 must not slip under its threshold.
    mean = Fraction(sum(s.score for s in scores), len(scores))
    strength_at = math.floor(mean + Fraction(3, 10))
    improve_at = math.floor(mean - Fraction(3, 10))
    strengths = [(s.id, s.name, s.score) for s in scores if s.score >= strength_at]
    improvements = [(s.id, s.name, s.score) for s in scores if s.score <= improve_at]
    stamps = [r[4] for r in rows]
    first, last = min(stamps), max(stamps)
    due_on = reassess_on(_local_day(first))
    day = today or today_local()
    return CompetencyResults(
        category_averages=averages,
        overall=float(mean),
        overall_level=math.floor(mean + Fraction(1, 2)),
        strengths=strengths,
        improvements=improvements,
        assessed_at=first,
        reassessment_due=day >= due_on,
        strength_threshold=strength_at,
        improvement_threshold=improve_at,
        scores=scores,
        last_assessed_at=last,
        reassess_on=due_on.isoformat(),
    )


def reassessment_due(ctx: UserContext, today: _dt.date | None = None) -> bool:
    """True when the oldest competency score is more than a year old (one indexed query)."""
    oldest = ctx.db.scalar(
        "SELECT min(assessed_at) FROM user_competency_scores WHERE user_id = ?", (ctx.user_id,)
    )
    if oldest is None:
        return False
    return (today or today_local()) >= reassess_on(_local_day(oldest))


def _local_day(stamp: str) -> _dt.date:
    try:
        return parse_iso(stamp).astimezone().date()
    except ValueError:
        return _dt.date.fromisoformat(stamp[:10])
