"""Delete with a way back (tools.undo) and the several-row edits of tools.edits, on a real database."""

from __future__ import annotations

from dreamtree_desktop.context import UserContext
from dreamtree_desktop.tools import (
    career_options,
    companies,
    contacts,
    edits,
    experiences,
    idea_trees,
    jobs,
    lists,
    stories,
    undo,
)


def test_company_comes_back_linked_to_its_contacts_and_jobs(uctx: UserContext) -> None:
    company = companies.create(uctx, {"name": "Green Roots", "status": "meeting", "url": "https://gr.example"})
    person = contacts.create(uctx, {"name": "Priya", "company_id": company})
    job = jobs.create(uctx, {"title": "Designer", "company_id": company})
    record = undo.delete_for_undo(uctx, "company", company, None)
    assert companies.list_(uctx) == []
    assert contacts.get(uctx, person)["company_id"] is None and jobs.get(uctx, job)["company_id"] is None
    new_id = undo.restore(uctx, record)
    back = companies.get(uctx, new_id)
    assert (back["name"], back["status"], back["url"]) == ("Green Roots", "meeting", "https://gr.example")
    assert contacts.get(uctx, person)["company_id"] == new_id and jobs.get(uctx, job)["company_id"] == new_id


def test_option_comes_back_in_its_place_and_a_story_drops_a_gone_experience(uctx: UserContext) -> None:
    ids = [career_options.create(uctx, {"title": t}) for t in ("A", "B", "C")]
    career_options.rank(uctx, ids)
    record = undo.delete_for_undo(uctx, "career_option", ids[1], None)
    undo.restore(uctx, record)
    assert [o["title"] for o in career_options.list_(uctx)] == ["A", "B", "C"]

    exp = experiences.create(uctx, {"title": "Barista", "experience_type": "job"})
    story = stories.create(uctx, {"situation": "A queue", "experience_id": exp}, "1.1.1")
    record = undo.delete_for_undo(uctx, "story", story, None)
    experiences.delete(uctx, exp)
    back = stories.get(uctx, undo.restore(uctx, record))
    assert back["situation"] == "A queue" and back["experience_id"] is None and back["origin"] == "1.1.1"


def test_list_restore_and_tree_rename(uctx: UserContext) -> None:
    list_id = edits.restore_list(uctx, "values", None, None, ["Honesty", "Craft"], False)
    assert [i["content"] for i in lists.get(uctx, list_id)["items"]] == ["Honesty", "Craft"]
    tree_id = idea_trees.create(uctx, {"root": "Gardens", "children": [{"text": "Soil", "children": []}]})
    root = idea_trees.tree(uctx, tree_id)
    assert root is not None
    edits.rename_tree_node(uctx, tree_id, root["children"][0]["id"], "Compost", None)
    renamed = idea_trees.tree(uctx, tree_id)
    assert renamed is not None and [c["text"] for c in renamed["children"]] == ["Compost"]
