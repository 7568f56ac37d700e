"""A 1.1 file goes through the same rulebook as everything else: an answer or record the app's
forms would refuse is left out with a note naming it, never stored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dreamtree_cli import run_dreamtree

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.portability import Catalog

from .conftest import db_fingerprint


def _prompts(data_dir: Path) -> dict[str, Any]:
    with open_app_data(data_dir) as app:
        catalog = Catalog.load(app.db)
    found: dict[str, Any] = {}
    for p in catalog.prompt_defs.values():
        if p.target_table != "user_responses" or p.is_pii:
            continue
        kind, config = p.input_type, p.config
        if kind == "slider" and isinstance(config.get("max"), int):
            found.setdefault("slider", p)
        elif kind == "single_choice" and config.get("options"):
            found.setdefault("choice", p)
        elif kind in ("text", "long_text") and isinstance(config.get("max_length"), int):
            found.setdefault("limited", p)
        if kind == "long_text":
            found.setdefault("single", p)
    found["two"] = next(
        e
        for e in {p.exercise_id for p in catalog.prompt_defs.values()}
        if sorted(p.input_type for p in catalog.prompt_defs.values() if p.exercise_id == e) == ["long_text", "tool"]
    )
    found["catalog"] = catalog
    return found


def _file(modules: dict[str, Any], tools: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "version": "1.1",
        "exported_at": "2024-01-15T10:30:00Z",
        "modules": modules,
        "tool_instances": tools or [],
        "custom_skills": [
            {"id": "c0ffee00-0000-4000-8000-000000000001", "name": "Beekeeping", "category": "knowledge"},
            {"id": "c0ffee00-0000-4000-8000-000000000002", "name": "beekeeping ", "category": "knowledge"},
        ],
    }


def _exercise(module: str, ex: str, value: Any) -> dict[str, Any]:
    return {module: {"exercises": {ex: {"response_json": value, "responded_at": "2024-01-10T14:22:00Z"}}}}


def test_legacy_answers_that_break_their_prompt_are_left_out_and_named(data_dir: Path, tmp_path: Path) -> None:
    found = _prompts(data_dir)
    slider, choice, limited = found["slider"], found["choice"], found["limited"]
    modules: dict[str, Any] = {}
    cases = [
        (slider, slider.config["max"] + 89),
        (choice, "not one of the options"),
        (limited, "x" * (limited.config["max_length"] + 512)),
    ]
    for prompt, value in cases:
        modules.setdefault(prompt.module_id, {"exercises": {}})["exercises"][prompt.exercise_id] = {
            "response_json": {prompt.id: value},
            "responded_at": "2024-01-10T14:22:00Z",
        }
    story = {"id": "c0ffee00-0000-4000-8000-0000000000a1", "tool_type": "soared-story", "origin": None,
             "content_json": {"title": "No parts at all"}, "created_at": "2024-01-11T16:00:00Z"}
    job = {"id": "c0ffee00-0000-4000-8000-0000000000a2", "tool_type": "job-prospector", "origin": None,
           "content_json": {"title": "Clerk", "posting_url": "javascript:alert(1)"}, "created_at": "2024-01-11T16:00:00Z"}
    path = tmp_path / "bad-answers.json"
    path.write_text(json.dumps(_file(modules, [story, job])), encoding="utf-8")
    done = run_dreamtree("import", str(path), "--json", data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    notes = "\n".join(json.loads(done.stdout)["notes"])
    for prompt, _value in cases:
        assert prompt.id in notes, (prompt.id, notes)
    assert "tool_instances[0]" in notes and "situation" in notes
    assert "tool_instances[1]" in notes and "posting_url" in notes
    assert "listed twice" in notes
    with open_app_data(data_dir) as app:
        db = app.db
        for prompt, _value in cases:
            assert db.scalar("SELECT count(*) FROM user_responses WHERE prompt_id = ?", (prompt.id,)) == 0
            assert db.scalar("SELECT count(*) FROM exercise_progress WHERE exercise_id = ?", (prompt.exercise_id,)) == 0
        assert db.scalar("SELECT count(*) FROM user_stories") == 0
        assert db.scalar("SELECT count(*) FROM user_jobs") == 0
        assert db.scalar("SELECT count(*) FROM skills WHERE is_custom = 1") == 1


def test_a_legacy_answer_keyed_for_two_prompts_goes_to_each_prompt(data_dir: Path, tmp_path: Path) -> None:
    found = _prompts(data_dir)
    catalog = found["catalog"]
    ex = found["two"]
    text_prompt = next(p for p in catalog.prompt_defs.values() if p.exercise_id == ex and p.input_type != "tool")
    tool_prompt = next(p for p in catalog.prompt_defs.values() if p.exercise_id == ex and p.input_type == "tool")
    short = tool_prompt.id.rsplit(".", 1)[1]
    value = {short: ["not for the text prompt"], text_prompt.id.rsplit(".", 1)[1]: "My reflection."}
    path = tmp_path / "two.json"
    path.write_text(json.dumps(_file(_exercise(text_prompt.module_id, ex, value))), encoding="utf-8")
    done = run_dreamtree("import", str(path), "--json", data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    assert tool_prompt.id in "\n".join(json.loads(done.stdout)["notes"])
    with open_app_data(data_dir) as app:
        stored = app.db.scalar("SELECT response_text FROM user_responses WHERE prompt_id = ?", (text_prompt.id,))
    assert stored == "My reflection."


def test_an_identical_legacy_reimport_adds_no_revision_and_no_row(data_dir: Path, tmp_path: Path) -> None:
    found = _prompts(data_dir)
    single = found["single"]
    path = tmp_path / "same.json"
    path.write_text(
        json.dumps(_file(_exercise(single.module_id, single.exercise_id, {single.id: "An answer."}))), encoding="utf-8"
    )
    assert run_dreamtree("import", str(path), data_dir=data_dir).returncode == 0
    with open_app_data(data_dir) as app:
        before = {
            t: app.db.scalar(f"SELECT count(*) FROM {t}")
            for t in ("module_revisions", "user_responses", "exercise_progress", "user_modules")
        }
    done = run_dreamtree("import", str(path), "--json", data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["revisions"] == []
    with open_app_data(data_dir) as app:
        after = {t: app.db.scalar(f"SELECT count(*) FROM {t}") for t in before}
    assert after == before and before["module_revisions"] == 0


def test_a_legacy_file_with_nothing_valid_changes_nothing(data_dir: Path, tmp_path: Path) -> None:
    found = _prompts(data_dir)
    slider = found["slider"]
    bad = {slider.id: slider.config["max"] + 89}
    path = tmp_path / "nothing.json"
    doc = _file(_exercise(slider.module_id, slider.exercise_id, bad))
    doc["custom_skills"] = []
    path.write_text(json.dumps(doc), encoding="utf-8")
    with open_app_data(data_dir):
        pass
    before = db_fingerprint(data_dir)
    done = run_dreamtree("import", str(path), data_dir=data_dir)
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert slider.id in done.stderr
    assert db_fingerprint(data_dir) == before


def test_a_legacy_file_with_no_answers_at_all_is_refused(data_dir: Path, tmp_path: Path) -> None:
    """An empty file, or one that only claims a module complete, brings nothing in: refused with
    exit 2 rather than applied (which would back up and rewrite the folder for nothing)."""
    with open_app_data(data_dir):
        pass
    empty = {"version": "1.1", "exported_at": "2024-01-15T10:30:00Z"}
    claimed = {**empty, "modules": {"1.1": {"first_completed_at": "2024-01-10T14:20:00Z", "exercises": {}}}}
    for name, doc in (("empty", empty), ("claimed", claimed)):
        before = db_fingerprint(data_dir)
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        done = run_dreamtree("import", str(path), data_dir=data_dir)
        assert done.returncode == 2, (name, done.returncode, done.stderr)
        assert "nothing in the file can be imported" in done.stderr
        assert db_fingerprint(data_dir) == before
        assert not (data_dir / "backups").exists() or not list((data_dir / "backups").glob("*-import.db"))
