"""A resume an import brings in passes the builder's own rule: an email, website or entry date
the form refuses is refused in a backup (exit 2, naming the field, nothing written) and left
out of a 1.1 file with a note; a resume the app saved still comes back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from dreamtree_cli import run_dreamtree

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.portability import export_document
from dreamtree_desktop.portability.exporter import wrap_for_backup
from dreamtree_desktop.tools import resume

from .conftest import BACKUP_PASSWORD, db_fingerprint

ORIGIN = "3.2.3"  # the exercise that opens the resume builder
GOOD = {
    "basics": {"name": "Ada", "email": "ada@example.com", "url": "https://ada.example.com"},
    "work": [{"name": "Mill", "position": "Analyst", "startDate": "2019-03", "endDate": "2021"}],
}
BAD: dict[str, tuple[dict[str, Any], str]] = {
    "email": ({**GOOD, "basics": {**GOOD["basics"], "email": "ada at home"}}, "basics.email"),
    "entry date": (
        {**GOOD, "work": [{**GOOD["work"][0], "startDate": "March 2019"}]},
        "work[0].startDate",
    ),
}


def _backup_with(folder: Path, value: dict[str, Any], out: Path) -> Path:
    """A backup whose resume was stored sealed as given, past the builder's rule (as an older
    build or another tool could have written it)."""
    with open_app_data(folder) as app:
        ctx = UserContext.from_app(app)
        resume.save(ctx, {"basics": {"name": "placeholder"}}, ORIGIN)
        sealed = ctx.seal("user_profile", "resume_json", ctx.user_id, json.dumps(value))
        with ctx.db.transaction():
            ctx.db.execute("UPDATE user_profile SET resume_json = ? WHERE user_id = ?", (sealed, ctx.user_id))
        doc = export_document(ctx)
        wrap_for_backup(doc, ctx.data_key, BACKUP_PASSWORD)
    out.write_text(json.dumps(doc), encoding="utf-8")
    return out


def _target(folder: Path) -> Path:
    with open_app_data(folder) as app:
        ctx = UserContext.from_app(app)
        resume.save(ctx, {"basics": {"name": "Mine"}}, ORIGIN)
    return folder


@pytest.mark.parametrize("kind", sorted(BAD))
def test_a_backup_with_a_resume_the_builder_refuses_changes_nothing(kind: str, tmp_path: Path) -> None:
    value, named = BAD[kind]
    path = _backup_with(tmp_path / "source", value, tmp_path / "bad.json")
    target = _target(tmp_path / "target")
    before = db_fingerprint(target)
    done = run_dreamtree("import", str(path), env={"DREAMTREE_PASSWORD": BACKUP_PASSWORD}, data_dir=target)
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert named in done.stderr and "resume_json" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert db_fingerprint(target) == before


def test_a_resume_saved_by_the_app_comes_back_from_its_backup(tmp_path: Path) -> None:
    source = tmp_path / "source"
    with open_app_data(source) as app:
        ctx = UserContext.from_app(app)
        resume.save(ctx, GOOD, ORIGIN)
        doc = export_document(ctx)
        wrap_for_backup(doc, ctx.data_key, BACKUP_PASSWORD)
    path = tmp_path / "good.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    target = tmp_path / "target"
    with open_app_data(target):
        pass
    done = run_dreamtree("import", str(path), env={"DREAMTREE_PASSWORD": BACKUP_PASSWORD}, data_dir=target)
    assert done.returncode == 0, done.stderr
    with open_app_data(target) as app:
        assert resume.saved(UserContext.from_app(app)) == GOOD


def _legacy(tools: list[dict[str, Any]], answers: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"version": "1.1", "exported_at": "2024-01-15T10:30:00Z", "modules": answers or {},
            "tool_instances": tools}


def _resume_tool(value: dict[str, Any]) -> dict[str, Any]:
    return {"id": "c0ffee00-0000-4000-8000-0000000000b1", "tool_type": "resume-builder", "origin": None,
            "content_json": value, "created_at": "2024-01-11T16:00:00Z"}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_a_legacy_resume_the_builder_refuses_is_left_out_and_named(kind: str, tmp_path: Path) -> None:
    value, named = BAD[kind]
    target = _target(tmp_path / "target")
    story = {"id": "c0ffee00-0000-4000-8000-0000000000b2", "tool_type": "soared-story", "origin": None,
             "content_json": {"title": "Kept", "situation": "A flood"}, "created_at": "2024-01-11T16:00:00Z"}
    path = tmp_path / "legacy.json"
    path.write_text(json.dumps(_legacy([_resume_tool(value), story])), encoding="utf-8")
    done = run_dreamtree("import", str(path), "--json", data_dir=target)
    assert done.returncode == 0, done.stderr
    notes = "\n".join(json.loads(done.stdout)["notes"])
    assert "tool_instances[0]" in notes and named in notes, notes
    with open_app_data(target) as app:
        ctx = UserContext.from_app(app)
        assert resume.saved(ctx) == {"basics": {"name": "Mine"}}
        assert ctx.db.scalar("SELECT count(*) FROM user_stories") == 1


def test_a_legacy_file_holding_only_a_refused_resume_changes_nothing(tmp_path: Path) -> None:
    value, named = BAD["email"]
    target = _target(tmp_path / "target")
    before = db_fingerprint(target)
    path = tmp_path / "legacy.json"
    path.write_text(json.dumps(_legacy([_resume_tool(value)])), encoding="utf-8")
    done = run_dreamtree("import", str(path), data_dir=target)
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert named in done.stderr, done.stderr
    assert db_fingerprint(target) == before


def test_a_legacy_resume_the_builder_accepts_is_stored(tmp_path: Path) -> None:
    target = tmp_path / "target"
    path = tmp_path / "legacy.json"
    path.write_text(json.dumps(_legacy([_resume_tool(GOOD)])), encoding="utf-8")
    done = run_dreamtree("import", str(path), data_dir=target)
    assert done.returncode == 0, done.stderr
    with open_app_data(target) as app:
        assert resume.saved(UserContext.from_app(app)) == GOOD
