"""Recall: declared links resolve to the user's earlier answers."""

from __future__ import annotations

import pytest

from dreamtree_desktop.errors import UserInputError


def test_skills_top10_and_experiences(walker):
    wb = walker.wb
    assert wb.recall("skills.top10") == []
    assert wb.recall("experiences") == []
    walker.answer_through("1.1.2")
    top10 = walker.value_for("1.1.2.skills")["top10"]
    assert wb.recall("skills.top10") == top10
    assert wb.recall("experiences") == [
        "Experience 1 (Organisation 1)",
        "Experience 2 (Organisation 2)",
        "Experience 3 (Organisation 3)",
    ]
    assert set(top10) <= set(wb.recall("skills.transferable"))
    assert wb.recall("skills.knowledge") == []


def test_exercise_view_carries_its_recall_links(walker):
    walker.answer_through("1.1.2")
    view = walker.wb.exercise("1.1.3")
    stories = next(p for p in view.prompts if p.id == "1.1.3.stories")
    by_source = {r.source: r for r in stories.recall}
    assert set(by_source) == {"skills.top10", "experiences"}
    top = by_source["skills.top10"]
    assert top.mode == "show" and top.label == "Your top 10 skills"
    assert top.value == walker.wb.recall("skills.top10")
    assert top.text.splitlines()[0] == f"• {top.value[0]}"


def test_prompt_ids_lists_and_values(walker):
    wb = walker.wb
    walker.answer_through("2.1.4")
    assert wb.recall("1.1.5.favourite") == "Answer to 1.1.5.favourite"
    assert wb.recall("1.1.4.soft-skills") == [f"1.1.4.soft-skills item {n}" for n in range(1, 6)]
    assert wb.recall("lists.habits-to-start") == ["1.5.2.start item 1", "1.5.2.start item 2"]
    assert wb.recall("values.work") == "Answer to 2.1.2.work-values"
    assert wb.recall("values.compass") == "Answer to 2.1.4.compass"
    assert wb.recall("life_dashboard") == {
        "work": 6,
        "play": 4,
        "love": 8,
        "health": 7,
        "notes": "Synthetic dashboard.",
    }
    assert wb.recall("personality")["code"] == "ENFP"
    # Tool prompts recall their records' labels.
    assert wb.recall("1.1.3.stories") == ["Story 1 of 1.1.3", "Story 2 of 1.1.3", "Story 3 of 1.1.3"]
    assert wb.recall("stories") == ["Story 1 of 1.1.3", "Story 2 of 1.1.3", "Story 3 of 1.1.3"]


def test_flow_high_activities_prefill_the_idea_tree(walker):
    wb = walker.wb
    walker.answer_through("2.2.3")
    # 1.3.2 logged Sketching (high) / Filing (low) / Sketching; 1.5.4 logged one Sketching.
    assert wb.recall("flow.high_activities")[0].startswith("Sketching")
    assert not any(a.startswith("Filing") for a in wb.recall("flow.high_activities"))
    roots = next(p for p in wb.exercise("2.3.1").prompts if p.id == "2.3.1.roots")
    link = roots.recall[0]
    assert link.source == "flow.high_activities" and link.mode == "prefill"
    assert link.value == wb.recall("flow.high_activities")
    assert len(wb.recall("flow.recent")) == 4


def test_later_sources(walker):
    wb = walker.wb
    walker.answer_all()
    assert wb.recall("career_options") == ["Career option 1", "Career option 2", "Career option 3"]
    assert wb.recall("idea_trees")[0] == "Idea root 1 (2.3.1)"
    assert {"garden", "teach", "build"} <= set(wb.recall("idea_trees"))
    assert wb.recall("locations.ranked") == ["Place 1", "Place 2", "Place 3"]
    assert len(wb.recall("companies")) == 10
    contacts = wb.recall("contacts")
    assert len(contacts) == 8 and contacts[0] == "Contact 1 (3.3.4)"  # sealed in the database
    assert wb.recall("profile.headline") == "Answer to 3.1.2.headline"
    assert wb.recall("lists.posting-keywords") == [f"3.1.1.keywords item {n}" for n in range(1, 6)]


def test_unknown_source_is_refused(wb):
    with pytest.raises(UserInputError, match="Unknown recall source"):
        wb.recall("nothing.here")


def test_every_recall_link_resolves_to_an_answer_after_a_walkthrough(walker) -> None:
    walker.answer_all()
    wb = walker.wb
    empty = []
    for ex in wb.content.exercises:
        for link in ex.recall:
            if wb.recall(link.source) in (None, [], {}, ""):
                empty.append(f"{ex.id}: {link.source}")
    assert empty == []
