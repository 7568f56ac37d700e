from __future__ import annotations

import datetime as dt

import pytest

from dreamtree_desktop.clock import format_iso, utcnow
from dreamtree_desktop.tools import competencies

from .toolhelp import count, rows, tombstoned

ORDER = [
    "analytical-thinking",
    "achievement-focus",
    "drafting-skills",
    "flexible-thinking",
    "managing-resources",
    "teamwork-and-team-leadership",
    "client-focus",
    "diplomatic-sensitivity",
    "influencing",
    "negotiating",
    "organizational-knowledge",
    "developing-talent",
    "organizational-alignment",
    "strategic-networking",
    "strategic-thinking",
]


def _save_all(ctx, scores: list[int]) -> None:
    for comp_id, score in zip(ORDER, scores, strict=True):
        competencies.save_score(ctx, comp_id, score)


def test_questions_in_order_shuffled_stably_and_labels_hidden(uctx) -> None:
    qs = competencies.questions(uctx)
    assert [q["competency_id"] for q in qs] == ORDER
    assert qs == competencies.questions(uctx)
    for q in qs:
        assert q["definition"] and len(q["options"]) == 5
        assert all(set(o) == {"option_id", "description"} for o in q["options"])
    levels = {r["id"]: r["level"] for r in rows(uctx, "competency_levels")}
    orders = [[levels[o["option_id"]] for o in q["options"]] for q in qs]
    assert all(sorted(o) == [1, 2, 3, 4, 5] for o in orders)
    assert any(o != [1, 2, 3, 4, 5] for o in orders)
    other = [[levels[o["option_id"]] for o in q["options"]] for q in competencies.questions(uctx, "another")]
    assert other != orders


def test_save_choice_maps_option_back_to_level(uctx, rejects) -> None:
    q = competencies.questions(uctx)[0]
    level4 = uctx.db.scalar(
        "SELECT id FROM competency_levels WHERE competency_id = ? AND level = 4", (q["competency_id"],)
    )
    competencies.save_choice(uctx, q["competency_id"], level4)
    assert rows(uctx, "user_competency_scores")[0]["score"] == 4
    assert competencies.questions(uctx)[0]["selected"] == level4
    other_comp = uctx.db.scalar(
        "SELECT id FROM competency_levels WHERE competency_id = 'influencing' LIMIT 1"
    )
    rejects(competencies.save_choice, uctx, q["competency_id"], other_comp, match="option_id")
    rejects(competencies.save_choice, uctx, "made-up", level4, match="competency_id")


def test_save_score_upserts_and_rejects(uctx, rejects) -> None:
    first = competencies.save_score(uctx, "negotiating", 2)
    assert competencies.save_score(uctx, "negotiating", 5) == first
    assert [(r["competency_id"], r["score"]) for r in rows(uctx, "user_competency_scores")] == [
        ("negotiating", 5)
    ]
    rejects(competencies.save_score, uctx, "negotiating", 6, match="level")
    rejects(competencies.save_score, uctx, "negotiating", 0, match="level")
    rejects(competencies.save_score, uctx, "negotiating", "3", match="level")
    rejects(competencies.save_score, uctx, "haggling", 3, match="competency_id")
    competencies.delete(uctx, "negotiating")
    assert count(uctx, "user_competency_scores") == 0
    assert tombstoned(uctx, "user_competency_scores", first)


def test_results_where_floor_thresholds_matter(uctx) -> None:
    # delivery all 4 (avg 4.0), interpersonal 4,4,4,3,3 (3.6), strategic all 3 (3.0): overall 54/15 = 3.6.
    _save_all(uctx, [4, 4, 4, 4, 4, 4, 4, 4, 4, 3, 3, 3, 3, 3, 3])
    r = competencies.results(uctx)
    assert r is not None
    assert r.category_averages == {"delivery": 4.0, "interpersonal": 3.6, "strategic": 3.0}
    assert r.overall == pytest.approx(3.6)
    assert r.overall_level == 4
    # strength threshold floor(3.6 + 0.3) = 3: every score, even the 3s below the average, is a strength.
    assert [s[0] for s in r.strengths] == ORDER
    # improvement threshold floor(3.6 - 0.3) = 3: the six 3s.
    assert [i[0] for i in r.improvements] == ORDER[9:]
    assert r.improvements[0] == ("negotiating", "Negotiating", 3)
    assert r.reassessment_due is False


def test_results_spread_scores(uctx) -> None:
    # sum 42 -> 2.8: strengths >= floor(3.1) = 3, improvements <= floor(2.5) = 2, level round(2.8) = 3.
    scores = [5, 1, 3, 2, 4, 2, 3, 3, 2, 1, 4, 3, 2, 5, 2]
    assert sum(scores) == 42
    _save_all(uctx, scores)
    r = competencies.results(uctx)
    assert r.overall == pytest.approx(2.8) and r.overall_level == 3
    assert r.category_averages["delivery"] == pytest.approx(17 / 6)
    assert r.category_averages["interpersonal"] == pytest.approx(13 / 5)
    assert r.category_averages["strategic"] == pytest.approx(12 / 4)
    assert [s[2] for s in r.strengths] == [5, 3, 4, 3, 3, 4, 3, 5]
    assert [i[2] for i in r.improvements] == [1, 2, 2, 2, 1, 2, 2]


def test_overall_level_rounds_half_up(uctx) -> None:
    competencies.save_score(uctx, "negotiating", 2)
    competencies.save_score(uctx, "influencing", 3)
    assert competencies.results(uctx).overall_level == 3


def test_reassessment_due_after_a_year(uctx) -> None:
    assert competencies.results(uctx) is None
    _save_all(uctx, [3] * 15)
    old = format_iso(utcnow() - dt.timedelta(days=300))
    with uctx.db.transaction():
        uctx.db.execute(
            "UPDATE user_competency_scores SET assessed_at = ? WHERE competency_id = 'influencing'", (old,)
        )
    r = competencies.results(uctx)
    assert r.assessed_at == old and r.reassessment_due is False
    older = format_iso(utcnow() - dt.timedelta(days=370))
    with uctx.db.transaction():
        uctx.db.execute(
            "UPDATE user_competency_scores SET assessed_at = ? WHERE competency_id = 'negotiating'", (older,)
        )
    r = competencies.results(uctx)
    assert r.assessed_at == older and r.reassessment_due is True
    # Re-scoring refreshes assessed_at.
    competencies.save_score(uctx, "negotiating", 4)
    assert competencies.results(uctx).reassessment_due is False
