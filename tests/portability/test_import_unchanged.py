"""An import that would change nothing writes nothing: no backup, no stamps, nothing queued for
the next sync, the database file byte for byte as it was."""

from __future__ import annotations

import json
from pathlib import Path

from dreamtree_cli import run_dreamtree

from dreamtree_desktop.appdata import open_app_data

from .conftest import BACKUP_PASSWORD, db_fingerprint
from .factory import Made
from .test_legacy import _legacy

NOTHING = "Nothing to import: the file matches what is stored."
ENV = {"DREAMTREE_BACKUP_PASSWORD": BACKUP_PASSWORD, "DREAMTREE_PASSWORD": BACKUP_PASSWORD}


def _state(folder: Path) -> tuple[str, list[str]]:
    return db_fingerprint(folder), sorted(p.name for p in (folder / "backups").glob("*"))


def _queued(folder: Path) -> int:
    with open_app_data(folder) as app:
        return int(app.db.scalar("SELECT count(*) FROM sync_changes"))


def test_reimporting_your_own_backup_writes_nothing(populated: tuple[Path, Made], tmp_path: Path) -> None:
    folder, _ = populated
    path = tmp_path / "mine.json"
    assert run_dreamtree("export", "--out", str(path), env=ENV, data_dir=folder).returncode == 0
    before = _state(folder)
    for _ in range(3):
        done = run_dreamtree("import", str(path), env=ENV, data_dir=folder)
        assert done.returncode == 0, done.stderr
        assert NOTHING in done.stdout
        assert "backed up" not in done.stdout
    assert _state(folder) == before

    as_json = run_dreamtree("import", str(path), "--json", env=ENV, data_dir=folder)
    report = json.loads(as_json.stdout)
    assert report["unchanged"] is True and report["applied"] is False
    assert _state(folder) == before


def test_a_changed_backup_still_applies(populated: tuple[Path, Made], tmp_path: Path) -> None:
    folder, _ = populated
    path = tmp_path / "mine.json"
    assert run_dreamtree("export", "--out", str(path), env=ENV, data_dir=folder).returncode == 0
    doc = json.loads(path.read_text(encoding="utf-8"))
    flow = doc["standalone"].get("user_flow_logs") or next(
        unit["rows"]["user_flow_logs"] for unit in doc["modules"].values() if unit["rows"].get("user_flow_logs")
    )
    flow[0]["activity"] = "Rewired the garden shed"
    flow[0]["updated_at"] = "2026-01-01T00:00:00.000Z"
    path.write_text(json.dumps(doc), encoding="utf-8")
    backups = len(_state(folder)[1])
    done = run_dreamtree("import", str(path), env=ENV, data_dir=folder)
    assert done.returncode == 0, done.stderr
    assert NOTHING not in done.stdout and "backed up" in done.stdout
    assert len(_state(folder)[1]) == backups + 1
    with open_app_data(folder) as app:
        assert app.db.scalar("SELECT count(*) FROM user_flow_logs WHERE activity = 'Rewired the garden shed'") == 1


def test_reimporting_a_legacy_file_writes_nothing(data_dir: Path, tmp_path: Path) -> None:
    with open_app_data(data_dir) as app:
        skill_id = app.db.scalar("SELECT id FROM skills WHERE is_custom = 0 ORDER BY id LIMIT 1")
    path = tmp_path / "legacy.json"
    path.write_text(json.dumps(_legacy(skill_id)), encoding="utf-8")
    first = run_dreamtree("import", str(path), data_dir=data_dir)
    assert first.returncode == 0, first.stderr
    queued = _queued(data_dir)
    before = _state(data_dir)
    again = run_dreamtree("import", str(path), data_dir=data_dir)
    assert again.returncode == 0, again.stderr
    assert NOTHING in again.stdout
    assert "Note: " in again.stdout  # what the file holds that cannot be stored is still named
    assert _state(data_dir) == before
    assert _queued(data_dir) == queued


def test_reimporting_a_plaintext_backup_writes_nothing(populated: tuple[Path, Made], tmp_path: Path) -> None:
    folder, _ = populated
    path = tmp_path / "plain.json"
    assert run_dreamtree("export", "--out", str(path), "--plaintext-pii", data_dir=folder).returncode == 0
    before = _state(folder)
    done = run_dreamtree("import", str(path), data_dir=folder)
    assert done.returncode == 0, done.stderr
    assert NOTHING in done.stdout
    assert _state(folder) == before
