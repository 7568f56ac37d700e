from __future__ import annotations

import pytest

from dreamtree_desktop.tools import experiences, reframes, skills, stories

from .toolhelp import count, rows, tombstoned


def test_story_crud(uctx) -> None:
    exp = experiences.create(uctx, {"title": "Barista", "experience_type": "job"})
    sid = skills.resolve(uctx, "listen actively", "skill")
    story_id = stories.create(
        uctx,
        {
            "title": "The queue",
            "situation": "Morning rush",
            "obstacle": "Two staff off sick",
            "action": "Split orders and drinks",
            "result": "Waits halved",
            "evaluation": "Calm under pressure",
            "discovery": "I like fixing processes",
            "experience_id": exp,
            "skill_ids": [sid],
        },
        origin="1.1.3",
    )
    row = rows(uctx, "user_stories", "id = ?", (story_id,))[0]
    assert row["story_type"] == "challenge" and row["experience_id"] == exp and row["origin"] == "1.1.3"
    assert [r["skill_id"] for r in rows(uctx, "user_story_skills", "story_id = ?", (story_id,))] == [sid]

    stories.update(
        uctx, story_id, {"result": "Waits fell from 12 to 5 minutes", "story_type": "other", "skill_ids": []}
    )
    story = stories.get(uctx, story_id)
    assert story["result"] == "Waits fell from 12 to 5 minutes" and story["story_type"] == "other"
    assert story["situation"] == "Morning rush" and story["skill_ids"] == []
    assert [s["id"] for s in stories.list_(uctx, experience_id=exp)] == [story_id]

    stories.delete(uctx, story_id)
    assert count(uctx, "user_stories") == 0
    assert tombstoned(uctx, "user_stories", story_id)["origin"] == "1.1.3"


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"title": "Only a title"}, "at least one of situation"),
        ({"situation": "   "}, "at least one of situation"),
        ({"situation": "x", "story_type": "epic"}, "story_type must be one of"),
        ({"situation": "x", "experience_id": "not-mine"}, "experience_id"),
        ({"situation": "x", "skill_ids": ["nope"]}, "skill_ids"),
        ({"situation": "x" * 100_001}, "situation is too long"),
        ({"situation": 3}, "situation must be text"),
        ({"situation": "x", "moral": "y"}, 'unknown field "moral"'),
    ],
)
def test_story_rejects(uctx, rejects, data, match) -> None:
    rejects(stories.create, uctx, data, match=match)


def test_story_update_cannot_empty_every_field(uctx, rejects) -> None:
    story_id = stories.create(uctx, {"action": "Did it"})
    rejects(stories.update, uctx, story_id, {"action": ""}, match="at least one")


def test_reframe_mapping_round_trip(uctx) -> None:
    data = {
        "situation": "Missed the promotion",
        "feelings": "Embarrassed",
        "lesson": "Ask for feedback early",
        "what_to_change": "Track my wins",
        "silver_lining": "More time to learn",
        "next_step": "Book a 1:1",
        "reframed_statement": "A delay, not a verdict",
    }
    rid = reframes.create(uctx, data, origin="2.2.1")
    row = rows(uctx, "user_stories", "id = ?", (rid,))[0]
    assert row["story_type"] == "reframe" and row["origin"] == "2.2.1"
    assert (
        row["situation"],
        row["obstacle"],
        row["action"],
        row["result"],
        row["evaluation"],
        row["discovery"],
        row["title"],
    ) == (
        "Missed the promotion",
        "Embarrassed",
        "Book a 1:1",
        "More time to learn",
        "Track my wins",
        "Ask for feedback early",
        "A delay, not a verdict",
    )
    got = reframes.get(uctx, rid)
    assert {k: got[k] for k in data} == data

    reframes.update(uctx, rid, {"lesson": "Feedback is a gift"})
    assert reframes.get(uctx, rid)["lesson"] == "Feedback is a gift"
    assert reframes.get(uctx, rid)["feelings"] == "Embarrassed"
    assert [r["id"] for r in reframes.list_(uctx)] == [rid]
    reframes.delete(uctx, rid)
    assert count(uctx, "user_stories") == 0
    assert tombstoned(uctx, "user_stories", rid)


def test_reframes_and_stories_stay_apart(uctx, rejects) -> None:
    story_id = stories.create(uctx, {"action": "Did it"})
    reframe_id = reframes.create(uctx, {"situation": "Went wrong"})
    assert [r["id"] for r in reframes.list_(uctx)] == [reframe_id]
    rejects(reframes.get, uctx, story_id, match="no reframe")
    rejects(reframes.delete, uctx, story_id, match="no reframe")
    assert {s["id"] for s in stories.list_(uctx, "challenge")} == {story_id}


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({}, "at least one field"),
        ({"lesson": ""}, "at least one field"),
        ({"lesson": 3}, "lesson must be text"),
        ({"title": "x"}, 'unknown field "title"'),
    ],
)
def test_reframe_rejects(uctx, rejects, data, match) -> None:
    rejects(reframes.create, uctx, data, match=match)
