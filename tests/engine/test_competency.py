"""Competency results and the yearly re-assessment, hand-computed."""

from __future__ import annotations

import datetime as _dt

import pytest

from dreamtree_desktop.clock import format_iso
from dreamtree_desktop.engine.competency import competency_results, reassessment_due
from dreamtree_desktop.ids import new_id


def _ids(ctx):
    out = {}
    for row in ctx.db.query("SELECT id, category FROM competencies ORDER BY sort_order, id"):
        out.setdefault(row[1], []).append(row[0])
    return out


def score(ctx, scores, when=_dt.datetime(2026, 1, 5, 12, tzinfo=_dt.UTC)):
    for cid, value in scores.items():
        ctx.db.execute(
            "INSERT INTO user_competency_scores(id, user_id, competency_id, score, assessed_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(user_id, competency_id) DO UPDATE SET "
            "score = excluded.score, assessed_at = excluded.assessed_at",
            (new_id(), ctx.user_id, cid, value, format_iso(when)),
        )


def test_no_scores_no_results(ctx):
    assert competency_results(ctx) is None
    assert reassessment_due(ctx) is False


def test_all_threes(ctx):
    ids = _ids(ctx)
    score(ctx, {cid: 3 for cat in ids.values() for cid in cat})
    r = competency_results(ctx, _dt.date(2026, 2, 1))
    # avg 3: strengths >= floor(3.3) = 3 (all fifteen), improvements <= floor(2.7) = 2 (none).
    assert r.category_averages == {"delivery": 3.0, "interpersonal": 3.0, "strategic": 3.0}
    assert (r.overall, r.overall_level, r.strength_threshold, r.improvement_threshold) == (3.0, 3, 3, 2)
    assert len(r.strengths) == 15 and r.improvements == []


def test_mixed_scores(ctx):
    ids = _ids(ctx)
    d, i, s = ids["delivery"], ids["interpersonal"], ids["strategic"]
    # delivery 1 2 3 4 5 5 (20/6), interpersonal 2 2 2 2 2 (2), strategic 5 4 1 1 (11/4): 41/15 = 2.7333.
    values = (
        dict(zip(d, [1, 2, 3, 4, 5, 5], strict=True))
        | dict.fromkeys(i, 2)
        | dict(zip(s, [5, 4, 1, 1], strict=True))
    )
    score(ctx, values)
    r = competency_results(ctx, _dt.date(2026, 2, 1))
    assert r.category_averages == pytest.approx({"delivery": 20 / 6, "interpersonal": 2.0, "strategic": 2.75})
    assert r.overall == pytest.approx(41 / 15)
    # strengths >= floor(3.0333) = 3; improvements <= floor(2.4333) = 2; level round(2.7333) = 3.
    assert (r.strength_threshold, r.improvement_threshold, r.overall_level) == (3, 2, 3)
    assert [cid for cid, _, _ in r.strengths] == [d[2], d[3], d[4], d[5], s[0], s[1]]
    assert [cid for cid, _, _ in r.improvements] == [d[0], d[1], *i, s[2], s[3]]
    names = {row[0]: row[1] for row in ctx.db.query("SELECT id, name FROM competencies")}
    assert r.strengths[0] == (d[2], names[d[2]], 3)


def test_threshold_uses_exact_arithmetic(ctx):
    # Ten scores averaging exactly 2.3: improvements <= floor(2.0) = 2, though 2.3 - 0.3 in floats
    # is 1.9999999999999998; strengths >= floor(2.6) = 2.
    ids = [cid for cat in _ids(ctx).values() for cid in cat][:10]
    score(ctx, dict(zip(ids, [3, 3, 3, 2, 2, 2, 2, 2, 2, 2], strict=True)))
    r = competency_results(ctx, _dt.date(2026, 2, 1))
    assert r.overall == pytest.approx(2.3) and r.strength_threshold == 2 and r.improvement_threshold == 2
    assert len(r.strengths) == 10 and len(r.improvements) == 7


def test_reassessment_due_after_a_year(ctx):
    ids = _ids(ctx)
    first = _dt.datetime(2025, 6, 15, 12, tzinfo=_dt.UTC)
    score(ctx, {ids["delivery"][0]: 3}, first)
    score(ctx, {ids["delivery"][1]: 4}, first + _dt.timedelta(days=200))
    local_day = first.astimezone().date()
    anniversary = local_day.replace(year=local_day.year + 1)
    r = competency_results(ctx, anniversary)
    assert r.reassessment_due is False and r.reassess_on == (anniversary + _dt.timedelta(days=1)).isoformat()
    assert competency_results(ctx, anniversary + _dt.timedelta(days=1)).reassessment_due is True
    assert reassessment_due(ctx, anniversary) is False
    assert reassessment_due(ctx, anniversary + _dt.timedelta(days=1)) is True
    assert r.assessed_at == format_iso(first) and r.assessed_at < r.last_assessed_at


def test_agrees_with_the_competency_tool(ctx):
    from dreamtree_desktop.tools import competencies

    ids = _ids(ctx)
    values = (
        dict(zip(ids["delivery"], [5, 1, 3, 4, 2, 2], strict=True))
        | dict(zip(ids["interpersonal"], [3, 3, 4, 5, 1], strict=True))
        | dict(zip(ids["strategic"], [2, 4, 4, 3], strict=True))
    )
    score(ctx, values)
    mine, theirs = competency_results(ctx), competencies.results(ctx)
    assert mine.category_averages == pytest.approx(theirs.category_averages)
    assert mine.overall == pytest.approx(theirs.overall) and mine.overall_level == theirs.overall_level
    assert mine.strengths == theirs.strengths and mine.improvements == theirs.improvements
    assert mine.assessed_at == theirs.assessed_at and mine.reassessment_due == theirs.reassessment_due
