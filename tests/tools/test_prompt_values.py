"""The engine's side of the contract: apply_prompt_value / count_for_origin through the registry,
with every tool still locked (the workbook has already checked access when origin is given)."""

from __future__ import annotations

import itertools
import json

import pytest

from dreamtree_desktop.errors import UserInputError
from dreamtree_desktop.security.envelope import is_envelope
from dreamtree_desktop.tools import budget, contacts, lists, registry

from .toolhelp import count, rows, snapshot, tombstoned


def _prompt(ctx, prompt_id: str) -> tuple[object, str, dict]:
    row = ctx.db.one("SELECT * FROM prompts WHERE id = ?", (prompt_id,))
    config = json.loads(row["config_json"])
    if row["target_list"]:
        config["list"] = row["target_list"]
    config["pii"] = bool(row["is_pii"])
    return registry.module_for(config["tool"], row["target_table"]), row["exercise_id"], config


def answer(ctx, prompt_id: str, value) -> list[str]:
    module, origin, config = _prompt(ctx, prompt_id)
    return module.apply_prompt_value(ctx, value, origin, config)


def counted(ctx, prompt_id: str) -> int:
    module, origin, _ = _prompt(ctx, prompt_id)
    return module.count_for_origin(ctx, origin)


def test_every_tool_prompt_has_a_module(ctx) -> None:
    for row in ctx.db.query("SELECT id, config_json, target_table FROM prompts WHERE input_type = 'tool'"):
        tool = json.loads(row["config_json"])["tool"]
        module = registry.module_for(tool, row["target_table"])
        assert callable(module.apply_prompt_value) and callable(module.count_for_origin), row["id"]
    assert registry.module_for("networking-prep", "user_contacts") is contacts
    assert registry.module_for("budget-calculator") is budget


def test_experiences_sync(ctx) -> None:
    ids = answer(
        ctx,
        "1.1.1.experiences",
        [
            {"title": "Barista", "experience_type": "job"},
            {"title": "Editor", "experience_type": "project"},
            {"title": "BSc", "experience_type": "education"},
        ],
    )
    assert counted(ctx, "1.1.1.experiences") == 3
    assert {r["origin"] for r in rows(ctx, "user_experiences")} == {"1.1.1"}
    # Answer again: one edited (by id), one dropped, one new.
    again = answer(
        ctx,
        "1.1.1.experiences",
        [
            {"id": ids[0], "title": "Head barista"},
            {"id": ids[2]},
            {"title": "Volunteer", "experience_type": "other"},
        ],
    )
    assert again[:2] == [ids[0], ids[2]]
    assert {r["title"] for r in rows(ctx, "user_experiences")} == {"Head barista", "BSc", "Volunteer"}
    assert tombstoned(ctx, "user_experiences", ids[1])["origin"] == "1.1.1"
    # Re-answering with the same value changes nothing.
    assert answer(ctx, "1.1.1.experiences", None) == again


def test_bad_item_writes_nothing(ctx) -> None:
    answer(ctx, "1.1.1.experiences", [{"title": "Barista"}])
    before = snapshot(ctx)
    with pytest.raises(UserInputError, match=r"^experience 2: title is required"):
        answer(ctx, "1.1.1.experiences", [{"title": "Ok"}, {"organization": "No title"}])
    with pytest.raises(UserInputError, match="must be a list"):
        answer(ctx, "1.1.1.experiences", {"title": "not a list"})
    with pytest.raises(UserInputError, match="no experience"):
        answer(ctx, "1.1.1.experiences", [{"id": "someone-elses", "title": "x"}])
    assert snapshot(ctx) == before


def test_skills_by_name_and_top10(ctx) -> None:
    ids = answer(
        ctx,
        "1.1.2.skills",
        [
            {"skill": "write reports", "mastery": 4, "evidence": "Monthly report"},
            {"skill": "Listen actively", "mastery": 5},
        ],
    )
    assert len(ids) == 2 and counted(ctx, "1.1.2.skills") == 2
    answer(ctx, "1.1.2.skills", {"top10": ["Listen actively", "Write reports"]})
    assert {r["rank"] for r in rows(ctx, "user_skills")} == {1, 2}
    answer(ctx, "1.1.2.skills", [{"skill": "Listen actively", "mastery": 3}])
    assert [r["mastery"] for r in rows(ctx, "user_skills")] == [3]
    with pytest.raises(UserInputError, match="skill 1: skill: there is no skill named"):
        answer(ctx, "1.1.2.skills", [{"skill": "Juggling chainsaws"}])


def test_stories_reframes_and_counts_per_origin(ctx) -> None:
    answer(ctx, "1.1.3.stories", [{"action": "A"}, {"result": "B"}, {"situation": "C"}])
    assert counted(ctx, "1.1.3.stories") == 3
    answer(ctx, "2.2.1.reframe", {"situation": "Failed exam", "lesson": "Start early"})
    assert counted(ctx, "2.2.1.reframe") == 1 and counted(ctx, "2.2.3.weekly-reframe") == 0
    answer(ctx, "2.2.3.weekly-reframe", [{"situation": "Late again"}])
    assert counted(ctx, "2.2.3.weekly-reframe") == 1
    assert counted(ctx, "1.1.3.stories") == 3
    assert count(ctx, "user_stories", "story_type = 'reframe'") == 2


def test_flow_logs_count_per_exercise(ctx) -> None:
    answer(
        ctx,
        "1.3.2.flow-logs",
        [
            {"activity": "Writing", "energy": 2, "focus": 5},
            {"activity": "Email", "energy": -1, "focus": 2},
            {"activity": "Cooking", "energy": 1, "focus": 4, "logged_date": "2025-01-02"},
        ],
    )
    assert counted(ctx, "1.3.2.flow-logs") == 3 and counted(ctx, "1.5.4.flow-log") == 0


def test_budget_prompt(ctx) -> None:
    assert answer(
        ctx,
        "1.2.4.budget",
        {"lines": [{"label": "Rent", "monthly_cents": 150000}, {"label": "Food", "monthly_cents": 45050}]},
    ) == [ctx.user_id]
    assert budget.get(ctx)["hourly_batna"] == 1125
    assert counted(ctx, "1.2.4.budget") == 1
    assert is_envelope(rows(ctx, "user_budget")[0]["hourly_batna"])


def test_locations_in_rank_order(ctx) -> None:
    ids = answer(ctx, "1.2.1.locations", [{"name": "Lisbon"}, {"name": "Leeds", "rank": 1}, {"name": "Oslo"}])
    assert [(r["name"], r["rank"]) for r in rows(ctx, "user_locations", "1 ORDER BY rank")] == [
        ("Lisbon", 1),
        ("Leeds", 2),
        ("Oslo", 3),
    ]
    answer(ctx, "1.2.1.locations", [{"id": ids[2]}, {"id": ids[0]}])
    assert [(r["name"], r["rank"]) for r in rows(ctx, "user_locations", "1 ORDER BY rank")] == [
        ("Oslo", 1),
        ("Lisbon", 2),
    ]
    assert counted(ctx, "1.2.1.locations") == 2


def test_ranking_grid_list_prompt(ctx) -> None:
    options = ["Skills", "Knowledge", "Environment", "People", "Compensation"]
    ranked = ["People", "Skills", "Compensation", "Environment", "Knowledge"]
    ids = answer(ctx, "1.3.1.work-factors", ranked)
    assert len(ids) == 5 and lists.texts(ctx, "work-factors") == ranked
    assert counted(ctx, "1.3.1.work-factors") == 5
    choices = [
        [a, b, a if ranked.index(a) < ranked.index(b) else b] for a, b in itertools.combinations(options, 2)
    ]
    answer(ctx, "1.3.1.work-factors", {"items": options, "choices": choices})
    assert lists.texts(ctx, "work-factors") == ranked
    with pytest.raises(UserInputError, match="each of the options"):
        answer(ctx, "1.3.1.work-factors", ["People", "Skills"])


def test_list_prompt_through_lists_module(ctx) -> None:
    config = {"list": "habits-to-start", "min_items": 2, "max_items": 3}
    ids = lists.apply_prompt_value(ctx, ["Walk", "Read"], "1.5.2", config)
    assert lists.texts(ctx, "habits-to-start") == ["Walk", "Read"]
    assert lists.count_for_origin(ctx, "1.5.2") == 2
    assert lists.apply_prompt_value(ctx, None, "1.5.2", config) == ids
    with pytest.raises(UserInputError, match="at least 2"):
        lists.apply_prompt_value(ctx, ["Walk"], "1.5.2", config)
    sealed = lists.apply_prompt_value(ctx, ["Mum", "Dad"], "1.4.1", {"list": "family", "pii": True})
    assert all(is_envelope(r["content"]) for r in rows(ctx, "user_list_items", "id IN (?, ?)", tuple(sealed)))


def test_career_options_written_then_scored(ctx) -> None:
    ids = answer(ctx, "2.3.3.options", [{"title": "Teacher"}, {"title": "Chef"}, {"title": "Developer"}])
    scored = answer(
        ctx,
        "2.4.2.scoring",
        [
            {
                "title": "teacher",
                "coherence_score": 8,
                "work_needs_score": 6,
                "life_needs_score": 5,
                "unknowns_score": 6,
                "rank": 2,
            },
            {
                "id": ids[1],
                "coherence_score": 9,
                "work_needs_score": 4,
                "life_needs_score": 4,
                "unknowns_score": 9,
                "rank": 3,
            },
            {
                "title": "Developer",
                "coherence_score": 7,
                "work_needs_score": 8,
                "life_needs_score": 7,
                "unknowns_score": 4,
                "rank": 1,
            },
        ],
    )
    assert scored == ids
    assert count(ctx, "user_career_options") == 3
    # Matched by title ignoring case; the title is then written as given.
    assert {r["title"]: r["rank"] for r in rows(ctx, "user_career_options")} == {
        "teacher": 2,
        "Chef": 3,
        "Developer": 1,
    }
    assert counted(ctx, "2.4.2.scoring") == 3
    # Replacing one option within the three allowed.
    answer(ctx, "2.3.3.options", [{"id": ids[0]}, {"id": ids[2]}, {"title": "Baker"}])
    assert {r["title"] for r in rows(ctx, "user_career_options")} == {"teacher", "Developer", "Baker"}


def test_companies_contacts_jobs(ctx) -> None:
    companies = answer(ctx, "3.3.4.companies", [{"name": f"Org {n}"} for n in range(5)])
    people = answer(
        ctx, "3.3.4.contacts", [{"name": "Ann", "company_id": companies[0]}, {"name": "Bob"}, {"name": "Cy"}]
    )
    assert counted(ctx, "3.3.4.companies") == 5 and counted(ctx, "3.3.4.contacts") == 3
    answer(
        ctx,
        "3.4.1.research",
        [{"id": c, "research_notes": "Looked them up", "status": "researching"} for c in companies],
    )
    assert counted(ctx, "3.4.1.research") == 5
    assert {r["research_notes"] for r in rows(ctx, "user_companies")} == {"Looked them up"}
    answer(ctx, "3.4.2.contacts", [{"name": "Dee"}, {"name": "Eve"}])
    assert counted(ctx, "3.4.2.contacts") == 5
    assert all(is_envelope(r["name"]) for r in rows(ctx, "user_contacts"))
    assert {p["name"] for p in contacts.list_(ctx)} == {"Ann", "Bob", "Cy", "Dee", "Eve"}
    assert len(people) == 3
    jobs = answer(ctx, "3.5.1.jobs", [{"title": "Officer", "company_id": companies[1]}])
    answer(
        ctx,
        "3.5.5.pipeline",
        [{"id": jobs[0], "application_status": "interviewing", "follow_up_on": "2025-05-01"}],
    )
    assert rows(ctx, "user_jobs")[0]["application_status"] == "interviewing"
    assert counted(ctx, "3.5.5.pipeline") == 1


def test_idea_tree_prompt(ctx) -> None:
    value = {
        "root": "Cooking",
        "children": [{"text": "bread", "children": ["flour", "oven", "yeast"]}, "market", "family"],
    }
    tree_ids = answer(ctx, "2.3.1.roots", value)
    assert len(tree_ids) == 1 and counted(ctx, "2.3.1.roots") == 1
    again = answer(
        ctx, "2.3.1.roots", [{"id": tree_ids[0], **value}, {"root": "Garden", "children": ["bread"]}]
    )
    assert again[0] == tree_ids[0] and counted(ctx, "2.3.1.roots") == 2
    # "bread" is one node shared by both trees.
    assert count(ctx, "user_idea_nodes", "content = 'bread'") == 1


def test_dashboard_personality_competencies_resume(ctx) -> None:
    first = answer(ctx, "2.1.1.dashboard", {"work": 6, "play": 4, "love": 8, "health": 5})
    again = answer(ctx, "2.1.1.dashboard", {"work": 7, "play": 4, "love": 8, "health": 5, "notes": "better"})
    assert first == again and counted(ctx, "2.1.1.dashboard") == 1
    assert rows(ctx, "user_profile")[0]["life_dashboard_work"] == 7

    assert answer(ctx, "1.1.4.personality", "intj") == [ctx.user_id]
    assert rows(ctx, "user_settings")[0]["personality_type"] == "INTJ"
    assert counted(ctx, "1.1.4.personality") == 1

    comp_ids = [r[0] for r in ctx.db.query("SELECT id FROM competencies")]
    with pytest.raises(UserInputError, match="missing 1 of 15"):
        answer(ctx, "2.5.1.assessment", {c: 3 for c in comp_ids[1:]})
    with pytest.raises(UserInputError, match="analytical-thinking must be"):
        answer(ctx, "2.5.1.assessment", {c: (9 if c == "analytical-thinking" else 3) for c in comp_ids})
    assert count(ctx, "user_competency_scores") == 0
    assert len(answer(ctx, "2.5.1.assessment", {c: 3 for c in comp_ids})) == 15
    assert counted(ctx, "2.5.1.assessment") == 15

    assert counted(ctx, "3.2.3.resume") == 0
    answer(ctx, "3.2.3.resume", {"basics": {"name": "Sam"}})
    assert counted(ctx, "3.2.3.resume") == 1
