"""An export never refuses a backup, but names every stored row that breaks the rulebook (such a
file would not import); the import of such a file names the record and how to get the rest in."""

from __future__ import annotations

import json
from pathlib import Path

from dreamtree_cli import run_dreamtree

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.tools import jobs

from .conftest import BACKUP_PASSWORD

ENV = {"DREAMTREE_BACKUP_PASSWORD": BACKUP_PASSWORD, "DREAMTREE_PASSWORD": BACKUP_PASSWORD}


def folder_with_a_bad_job(folder: Path) -> tuple[str, str]:
    """A job whose address the form would refuse, stored as an older version could have left it."""
    with open_app_data(folder) as app:
        ctx = UserContext.from_app(app)
        app.db.execute("DELETE FROM exercise_sequence WHERE unlocks_tool IS NOT NULL")  # every tool open
        good = jobs.create(ctx, {"title": "Clerk", "posting_url": "https://example.org/job"})
        bad = jobs.create(ctx, {"title": "Trap"})
        with app.db.transaction():
            app.db.execute("UPDATE user_jobs SET posting_url = 'javascript:alert(1)' WHERE id = ?", (bad,))
    return good, bad


def test_export_writes_the_backup_and_names_the_bad_row(data_dir: Path, tmp_path: Path) -> None:
    good, bad = folder_with_a_bad_job(data_dir)
    out = tmp_path / "backup.json"
    done = run_dreamtree("export", "--out", str(out), env=ENV, data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    assert "Exported" in done.stdout
    assert f"user_jobs {bad}" in done.stderr and "posting_url" in done.stderr
    assert good not in done.stderr
    assert "dreamtree doctor" in done.stderr and "--quarantine" in done.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert {j["id"] for j in doc["standalone"]["user_jobs"]} == {good, bad}  # never refused

    as_json = run_dreamtree("export", "--out", str(out), "--json", env=ENV, data_dir=data_dir)
    assert as_json.returncode == 0, as_json.stderr
    problems = json.loads(as_json.stdout)["problems"]
    assert [(p["table"], p["row_id"]) for p in problems] == [("user_jobs", bad)]


def test_a_clean_export_warns_of_nothing(data_dir: Path, tmp_path: Path) -> None:
    with open_app_data(data_dir) as app:
        app.db.execute("DELETE FROM exercise_sequence WHERE unlocks_tool IS NOT NULL")
        jobs.create(UserContext.from_app(app), {"title": "Clerk", "posting_url": "https://example.org/job"})
    done = run_dreamtree("export", "--out", str(tmp_path / "b.json"), "--json", env=ENV, data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    assert "warning" not in done.stderr
    assert json.loads(done.stdout)["problems"] == []


def test_importing_such_a_backup_names_the_record_and_the_way_out(
    data_dir: Path, tmp_path: Path, other_dir: Path
) -> None:
    _good, bad = folder_with_a_bad_job(data_dir)
    out = tmp_path / "backup.json"
    assert run_dreamtree("export", "--out", str(out), env=ENV, data_dir=data_dir).returncode == 0
    done = run_dreamtree("import", str(out), env=ENV, data_dir=other_dir)
    assert done.returncode == 2, done.stderr
    assert f"user_jobs record {bad}" in done.stderr
    assert "posting_url" in done.stderr and "doctor --quarantine" in done.stderr

    # The way out it names: quarantine in the source folder, export again, import.
    moved = run_dreamtree("doctor", "--quarantine", str(tmp_path / "aside.json"), data_dir=data_dir)
    assert moved.returncode == 0, moved.stderr
    again = run_dreamtree("export", "--out", str(out), env=ENV, data_dir=data_dir)
    assert again.returncode == 0 and "warning" not in again.stderr
    done = run_dreamtree("import", str(out), env=ENV, data_dir=other_dir)
    assert done.returncode == 0, done.stderr
