from __future__ import annotations

import pytest

from dreamtree_desktop.tools import career_options, locations

from .toolhelp import count, rows, tombstoned


def _ranks(ctx, table: str) -> dict[str, int | None]:
    return {r["name" if table == "user_locations" else "title"]: r["rank"] for r in rows(ctx, table)}


def test_locations_crud_and_rank(uctx, rejects) -> None:
    a = locations.create(uctx, {"name": "Edinburgh", "traits_liked": "Hills", "traits_disliked": "Rent"})
    b = locations.create(uctx, {"name": "Lisbon"}, origin="1.2.1")
    c = locations.create(uctx, {"name": "Leeds", "notes": "Near family"})
    assert _ranks(uctx, "user_locations") == {"Edinburgh": 1, "Lisbon": 2, "Leeds": 3}
    locations.rank(uctx, [c, a])
    assert _ranks(uctx, "user_locations") == {"Leeds": 1, "Edinburgh": 2, "Lisbon": 3}
    assert [p["name"] for p in locations.list_(uctx)] == ["Leeds", "Edinburgh", "Lisbon"]

    locations.update(uctx, a, {"traits_liked": "Hills, festivals"})
    assert locations.get(uctx, a)["traits_liked"] == "Hills, festivals"
    rejects(locations.update, uctx, a, {"rank": 1}, match="rank 1 is already given")
    rejects(locations.create, uctx, {"name": ""}, match="name is required")
    rejects(locations.create, uctx, {"name": "X", "rank": 0}, match="rank")
    rejects(locations.create, uctx, {"name": "X", "climate": "wet"}, match='unknown field "climate"')
    rejects(locations.rank, uctx, [a, a], match="twice")
    rejects(locations.rank, uctx, ["nope"], match="not yours")

    locations.delete(uctx, c)
    assert _ranks(uctx, "user_locations") == {"Edinburgh": 1, "Lisbon": 2}
    assert tombstoned(uctx, "user_locations", c)
    locations.delete(uctx, b)
    assert tombstoned(uctx, "user_locations", b)["origin"] == "1.2.1"


def test_total_score() -> None:
    assert (
        career_options.total_score(
            {"coherence_score": 7, "work_needs_score": 8, "life_needs_score": 7, "unknowns_score": 4}
        )
        == 7 + 8 + 7 + 7
    )
    assert career_options.total_score({"coherence_score": 7}) is None


def test_career_options_crud_max_three_and_rank(uctx, rejects) -> None:
    ids = [
        career_options.create(uctx, {"title": t}, origin="2.3.3") for t in ("Teacher", "Chef", "Developer")
    ]
    rejects(career_options.create, uctx, {"title": "Fourth"}, match="at most 3")
    career_options.update(
        uctx,
        ids[0],
        {"coherence_score": 8, "work_needs_score": 6, "life_needs_score": 5, "unknowns_score": 6, "rank": 2},
    )
    got = career_options.get(uctx, ids[0])
    assert got["rank"] == 2 and got["total_score"] == 8 + 6 + 5 + 5
    rejects(career_options.update, uctx, ids[1], {"rank": 2}, match="rank 2 is already given")
    for bad, match in [
        ({"coherence_score": 11}, "coherence_score"),
        ({"unknowns_score": 0}, "unknowns_score"),
        ({"rank": 4}, "rank"),
        ({"title": None}, "title is required"),
        ({"work_needs_score": "8"}, "work_needs_score"),
    ]:
        rejects(career_options.update, uctx, ids[1], bad, match=match)

    career_options.rank(uctx, [ids[2], ids[1], ids[0]])
    assert [o["title"] for o in career_options.list_(uctx)] == ["Developer", "Chef", "Teacher"]
    assert [o["rank"] for o in career_options.list_(uctx)] == [1, 2, 3]

    career_options.delete(uctx, ids[2])
    assert _ranks(uctx, "user_career_options") == {"Chef": 1, "Teacher": 2}
    assert tombstoned(uctx, "user_career_options", ids[2])["origin"] == "2.3.3"
    assert count(uctx, "user_career_options") == 2
    career_options.create(uctx, {"title": "Baker"})


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({}, "title is required"),
        ({"title": "X", "life_needs_score": 10.5}, "life_needs_score"),
        ({"title": "X", "description": ["a"]}, "description must be text"),
    ],
)
def test_career_option_rejects(uctx, rejects, data, match) -> None:
    rejects(career_options.create, uctx, data, match=match)
