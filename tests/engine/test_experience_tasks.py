"""Experiences carry the tasks the person did; 1.1.2 turns the tasks' verbs into skill suggestions."""

from __future__ import annotations

from typing import Any as Walker

import pytest
from dreamtree_cli import run_dreamtree

from dreamtree_desktop.context import UserContext
from dreamtree_desktop.errors import UserInputError
from dreamtree_desktop.portability import apply_document, export_document, validate_document
from dreamtree_desktop.portability.catalog import Catalog
from dreamtree_desktop.tools import experiences
from dreamtree_desktop.tools.taskverbs import base_forms

TASKS = ["Trained new staff", "Handled upset customers", "Organized the stock room", "Planned events"]


def _experience(walker: Walker, tasks: list[str]) -> str:
    walker.wb.answer("1.1.1.experiences", [
        {"title": "Shift lead", "organization": "Garden centre", "tasks": tasks},
        {"title": "Volunteer", "tasks": ["Taught reading to children"]},
        {"title": "Student", "experience_type": "education"},
    ])
    return next(e["id"] for e in experiences.list_(walker.ctx) if e["title"] == "Shift lead")


def test_tasks_are_stored_in_order_and_read_back_as_a_list(walker: Walker) -> None:
    exp_id = _experience(walker, TASKS)
    assert experiences.get(walker.ctx, exp_id)["tasks"] == TASKS
    stored = walker.ctx.db.scalar("SELECT tasks FROM user_experiences WHERE id = ?", (exp_id,))
    assert stored == "\n".join(TASKS)
    # Editing another field keeps the tasks; giving tasks replaces them.
    experiences.update(walker.ctx, exp_id, {"organization": "Nursery"}, origin="1.1.1")
    assert experiences.get(walker.ctx, exp_id)["tasks"] == TASKS
    experiences.update(walker.ctx, exp_id, {"tasks": [" Opened the store ", ""]}, origin="1.1.1")
    assert experiences.get(walker.ctx, exp_id)["tasks"] == ["Opened the store"]


def test_a_bad_task_list_changes_nothing(walker: Walker) -> None:
    exp_id = _experience(walker, TASKS)
    for bad in (["ok", 3], "not\x00text", ["x" * 600]):
        with pytest.raises(UserInputError, match="tasks"):
            experiences.update(walker.ctx, exp_id, {"tasks": bad}, origin="1.1.1")
    assert experiences.get(walker.ctx, exp_id)["tasks"] == TASKS


def test_verbs_come_back_to_their_base_form() -> None:
    assert "train" in base_forms("trained")
    assert "plan" in base_forms("planned")
    assert "organise" in base_forms("organized")
    assert base_forms("taught")[0] == "teach"
    assert "carry" in base_forms("carried")


def test_skills_exercise_suggests_skills_from_the_task_verbs(walker: Walker) -> None:
    _experience(walker, TASKS)
    names = [s["name"] for s in experiences.suggest_skills(walker.ctx)]
    assert names[0] == "Train staff"  # shares both the verb and "staff"
    assert "Teach people to read" in names and "Handle complaints" in names
    assert len(names) <= 20 and sum(n.startswith("Plan ") for n in names) <= 3  # a common verb cannot flood it
    view = walker.wb.exercise("1.1.2")
    skills_prompt = next(p for p in view.prompts if p.id == "1.1.2.skills")
    shown = {r.source: r.value for r in skills_prompt.recall}
    assert shown["skills.suggested"][0] == "Train staff (from: Trained new staff)"
    assert walker.wb.recall("experiences.tasks")[:4] == TASKS


def test_tasks_travel_through_export_and_import(walker: Walker, ctx: UserContext) -> None:
    exp_id = _experience(walker, TASKS)
    catalog = Catalog.load(ctx.db)
    doc = export_document(ctx, catalog)
    records = [r for m in doc["modules"].values() for r in m.get("rows", {}).get("user_experiences", [])]
    assert next(r for r in records if r["id"] == exp_id)["tasks"] == "\n".join(TASKS)
    experiences.update(ctx, exp_id, {"tasks": ["Something else"]}, origin="1.1.1")
    checked = validate_document(doc, catalog)
    apply_document(ctx, checked.doc)
    assert experiences.get(ctx, exp_id)["tasks"] == TASKS


def test_a_legacy_file_with_a_task_list_keeps_the_tasks(tmp_path) -> None:
    import json

    from dreamtree_desktop.appdata import open_app_data
    from dreamtree_desktop.context import UserContext

    exp_id = "6a1f2d7e-0000-4000-8000-0000000000e1"
    legacy = {
        "version": "1.1",
        "exported_at": "2024-01-15T10:30:00Z",
        "modules": {},
        "tool_instances": [{
            "id": exp_id, "tool_type": "experiences", "origin": "1.1.1.v1",
            "content_json": {"title": "Shift lead", "tasks": ["Trained new staff", "  Opened the store ", ""]},
            "created_at": "2024-01-11T16:00:00Z", "updated_at": "2024-01-11T16:30:00Z",
        }],
    }
    path = tmp_path / "legacy.json"
    path.write_text(json.dumps(legacy), encoding="utf-8")
    data_dir = tmp_path / "data"
    done = run_dreamtree("import", str(path), "--json", data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    with open_app_data(data_dir) as app:
        ctx = UserContext.from_app(app)
        assert experiences.get(ctx, exp_id)["tasks"] == ["Trained new staff", "Opened the store"]
