"""Disk full, read-only folder, deleted folder, garbage database, missing WAL, two processes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from dreamtree_cli import run_dreamtree
from fault_helpers import ROOT, remount_read_only

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.clock import now_iso
from dreamtree_desktop.errors import StorageError
from dreamtree_desktop.ids import new_id
from dreamtree_desktop.paths import DB_FILENAME
from dreamtree_desktop.storage.backups import backup_if_due, list_backups, make_backup

pytestmark = pytest.mark.reliability


def _log(app, text: str) -> str:  # type: ignore[no-untyped-def]
    row_id = new_id()
    with app.db.transaction():
        app.db.execute(
            "INSERT INTO user_flow_logs(id, user_id, activity, energy, focus, logged_date, created_at, "
            "updated_at) VALUES (?, ?, ?, 1, 4, '2026-01-01', ?, ?)",
            (row_id, app.user_id, text, now_iso(), now_iso()),
        )
    return row_id


def test_disk_full_says_so_and_keeps_everything_saved_before(small_fs: Callable[[str], Path]) -> None:
    folder = small_fs("3m") / "data"
    saved = []
    with open_app_data(folder) as app, pytest.raises(StorageError, match="disk is full"):
        for i in range(10_000):
            saved.append(_log(app, f"entry {i} " + "x" * 900))  # within the rule: doctor checks rows too
    assert len(saved) > 10
    # Still full: opening must work (read and export are possible), and nothing reported saved is lost.
    with open_app_data(folder) as app:
        present = {r[0] for r in app.db.query("SELECT id FROM user_flow_logs")}
        assert set(saved) <= present
        assert app.db.integrity_problems() == []
    result = run_dreamtree("--data-dir", str(folder), "doctor", "--json")
    assert result.returncode == 0, result.stderr


def test_read_only_data_folder_gives_a_clear_message(small_fs: Callable[[str], Path]) -> None:
    point = small_fs("16m")
    folder = point / "data"
    with open_app_data(folder) as app:
        _log(app, "before read-only")
    remount_read_only(point)
    result = run_dreamtree("--data-dir", str(folder), "doctor")
    assert result.returncode == 2
    assert "read-only" in result.stderr
    assert "Traceback" not in result.stderr


def test_data_folder_deleted_while_running_is_detected(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    with open_app_data(folder) as app:
        _log(app, "kept")
        shutil.rmtree(folder)
        with pytest.raises(StorageError, match="deleted or replaced"):
            _log(app, "would vanish")
        # What is open can still be read, so the user can export it.
        assert app.db.scalar("SELECT count(*) FROM user_flow_logs") == 1


def test_garbage_database_is_reported_and_a_backup_restores(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    with open_app_data(folder) as app:
        keep = _log(app, "precious")
        backup = make_backup(app.db, app.backup_dir, app.keys.db_key, reason="manual")
    (folder / DB_FILENAME).write_bytes(os.urandom(8192))
    for suffix in ("-wal", "-shm"):
        Path(f"{folder / DB_FILENAME}{suffix}").unlink(missing_ok=True)
    result = run_dreamtree("--data-dir", str(folder), "doctor", "--json")
    assert result.returncode == 2
    report = json.loads(result.stdout)
    assert report["healthy"] is False and backup.name in report["backups"]
    assert "damaged" in " ".join(report["problems"]) or "does not match" in " ".join(report["problems"])
    result = run_dreamtree("--data-dir", str(folder), "doctor", "--restore-backup", backup.name, "--json")
    assert result.returncode == 0, result.stderr
    with open_app_data(folder) as app:
        assert app.db.scalar("SELECT activity FROM user_flow_logs WHERE id = ?", (keep,)) == "precious"
    assert any(p.name.startswith(f"{DB_FILENAME}.replaced-") for p in folder.iterdir())


def test_wal_removed_while_closed_loses_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    with open_app_data(folder) as app:
        ids = [_log(app, f"e{i}") for i in range(50)]
    Path(f"{folder / DB_FILENAME}-wal").unlink(missing_ok=True)
    Path(f"{folder / DB_FILENAME}-shm").unlink(missing_ok=True)
    with open_app_data(folder) as app:
        assert {r[0] for r in app.db.query("SELECT id FROM user_flow_logs")} == set(ids)
        assert app.db.integrity_problems() == [] and app.db.cipher_integrity_problems() == []


def test_second_process_is_refused_and_nothing_corrupts(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; sys.path.insert(0, sys.argv[2]);"
         "from dreamtree_desktop.appdata import open_app_data;"
         "app = open_app_data(sys.argv[1]); print('open', flush=True); time.sleep(30)",
         str(folder), str(ROOT)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        for _ in range(3):
            result = run_dreamtree("--data-dir", str(folder), "doctor")
            assert result.returncode == 2 and "already running" in result.stderr
    finally:
        holder.kill()
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()
    result = run_dreamtree("--data-dir", str(folder), "doctor", "--json")
    assert result.returncode == 0
    assert json.loads(result.stdout)["healthy"] is True


def test_periodic_backup_rotates_and_restores(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    with open_app_data(folder) as app:
        _log(app, "a")
        first = backup_if_due(app.db, app.backup_dir, app.keys.db_key, every_hours=24)
        assert first is not None
        assert backup_if_due(app.db, app.backup_dir, app.keys.db_key, every_hours=24) is None
        for i in range(12):
            make_backup(app.db, app.backup_dir, app.keys.db_key, reason=f"test {i}")
            time.sleep(0.002)
        assert len(list_backups(app.backup_dir)) == 10
