from __future__ import annotations

import pytest

from dreamtree_desktop.tools import experiences, skills

from .toolhelp import count, rows, tombstoned


def _skill(ctx, name: str) -> str:
    return skills.resolve(ctx, name, "skill")


def test_create_get_update_delete(uctx) -> None:
    s1, s2 = _skill(uctx, "Write reports"), _skill(uctx, "Listen actively")
    exp_id = experiences.create(
        uctx,
        {
            "title": " Barista ",
            "organization": "Corner Café",
            "experience_type": "job",
            "start_date": "2019-06",
            "end_date": "2021-03-15",
            "description": "Busy mornings.",
            "skill_ids": [s1, s2, s1],
        },
        origin="1.1.1",
    )
    row = rows(uctx, "user_experiences", "id = ?", (exp_id,))[0]
    assert row["title"] == "Barista" and row["user_id"] == uctx.user_id and row["origin"] == "1.1.1"
    assert row["start_date"] == "2019-06" and row["end_date"] == "2021-03-15"
    links = rows(uctx, "user_experience_skills", "experience_id = ?", (exp_id,))
    assert sorted(r["skill_id"] for r in links) == sorted([s1, s2])
    assert experiences.get(uctx, exp_id)["skill_ids"] == [s1, s2]

    experiences.update(uctx, exp_id, {"organization": None, "skill_ids": [s2]})
    row = rows(uctx, "user_experiences", "id = ?", (exp_id,))[0]
    assert row["organization"] is None and row["title"] == "Barista"
    assert [r["skill_id"] for r in rows(uctx, "user_experience_skills", "experience_id = ?", (exp_id,))] == [
        s2
    ]
    removed_link = next(r for r in links if r["skill_id"] == s1)["id"]
    assert tombstoned(uctx, "user_experience_skills", removed_link)

    experiences.delete(uctx, exp_id)
    assert count(uctx, "user_experiences") == 0
    assert count(uctx, "user_experience_skills") == 0
    stone = tombstoned(uctx, "user_experiences", exp_id)
    assert stone is not None and stone["origin"] == "1.1.1"


def test_list_filters_and_orders(uctx) -> None:
    old = experiences.create(
        uctx, {"title": "Old job", "experience_type": "job", "start_date": "2010-01", "end_date": "2012-01"}
    )
    current = experiences.create(uctx, {"title": "Now", "experience_type": "job", "start_date": "2020-01"})
    school = experiences.create(uctx, {"title": "BSc", "experience_type": "education"})
    assert [e["id"] for e in experiences.list_(uctx, "job")] == [current, old]
    assert {e["id"] for e in experiences.list_(uctx)} == {old, current, school}


def test_month_end_is_inclusive(uctx) -> None:
    exp_id = experiences.create(
        uctx, {"title": "Short gig", "start_date": "2020-05-10", "end_date": "2020-05"}
    )
    assert experiences.get(uctx, exp_id)["end_date"] == "2020-05"


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({}, "title is required"),
        ({"title": "   "}, "title is required"),
        ({"title": 5}, "title must be text"),
        ({"title": "x" * 501}, "title is too long"),
        ({"title": "A", "experience_type": "hobby"}, "experience_type must be one of"),
        ({"title": "A", "start_date": "2020-13"}, "start_date"),
        ({"title": "A", "start_date": "2020/01"}, "start_date"),
        ({"title": "A", "end_date": "2021-02-30"}, "end_date"),
        ({"title": "A", "start_date": "2021-05", "end_date": "2021-04-30"}, "end_date must not be before"),
        ({"title": "A", "description": "x" * 100_001}, "description is too long"),
        ({"title": "A", "skill_ids": ["nope"]}, "skill_ids"),
        ({"title": "A", "skill_ids": "abc"}, "skill_ids must be a list"),
        ({"title": "A", "colour": "red"}, 'unknown field "colour"'),
    ],
)
def test_create_rejects(uctx, rejects, data, match) -> None:
    rejects(experiences.create, uctx, data, match=match)


def test_update_rejects_and_keeps_row(uctx, rejects) -> None:
    exp_id = experiences.create(uctx, {"title": "A", "start_date": "2020-01"})
    rejects(experiences.update, uctx, exp_id, {"end_date": "2019-12"}, match="end_date")
    rejects(experiences.update, uctx, exp_id, {"title": None}, match="title is required")
    rejects(experiences.update, uctx, "missing", {"title": "B"}, match="no experience")
    rejects(experiences.delete, uctx, "missing", match="no experience")
