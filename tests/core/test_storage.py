"""The encrypted store: key handling, permissions, clear errors, one process per folder."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from dreamtree_cli import run_dreamtree

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.errors import AlreadyRunningError, StorageError
from dreamtree_desktop.paths import DB_FILENAME, DEVICE_KEY_FILENAME

ROOT = Path(__file__).resolve().parents[2]


def test_first_launch_creates_an_anonymous_user_and_later_launches_reuse_it(data_dir: Path) -> None:
    with open_app_data(data_dir) as first:
        user_id = first.user_id
        assert first.created
        row = first.db.one("SELECT is_anonymous FROM users WHERE id = ?", (user_id,))
        assert row["is_anonymous"] == 1
        assert first.db.scalar("SELECT count(*) FROM sessions WHERE user_id = ?", (user_id,)) == 1
        settings = first.db.one("SELECT background_color, text_color, font FROM user_settings WHERE user_id = ?",
                                (user_id,))
        assert tuple(settings) == ("cream", "charcoal", "sans")
    with open_app_data(data_dir) as second:
        assert second.user_id == user_id and not second.created
        assert second.db.scalar("SELECT count(*) FROM users") == 1


def test_files_are_private(data_dir: Path) -> None:
    with open_app_data(data_dir):
        pass
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    for name in (DB_FILENAME, DEVICE_KEY_FILENAME):
        assert stat.S_IMODE((data_dir / name).stat().st_mode) == 0o600


def test_pragmas_wal_full_sync_and_foreign_keys(data_dir: Path) -> None:
    with open_app_data(data_dir) as app:
        assert app.db.scalar("PRAGMA journal_mode") == "wal"
        assert app.db.scalar("PRAGMA synchronous") == 2
        assert app.db.scalar("PRAGMA foreign_keys") == 1


def test_the_stdlib_sqlite3_cannot_read_the_database(data_dir: Path) -> None:
    with open_app_data(data_dir):
        pass
    conn = sqlite3.connect(data_dir / DB_FILENAME)
    with pytest.raises(sqlite3.DatabaseError):
        conn.execute("SELECT 1 FROM sqlite_master").fetchall()
    conn.close()


def test_a_wrong_key_gives_a_clear_error_and_changes_nothing(data_dir: Path) -> None:
    with open_app_data(data_dir):
        pass
    key_path = data_dir / DEVICE_KEY_FILENAME
    body = json.loads(key_path.read_text())
    body["db_key"] = "11" * 32
    key_path.write_text(json.dumps(body))
    before = (data_dir / DB_FILENAME).read_bytes()
    with pytest.raises(StorageError, match="key does not match"):
        open_app_data(data_dir)
    assert (data_dir / DB_FILENAME).read_bytes() == before


def test_a_damaged_key_file_is_named(data_dir: Path) -> None:
    with open_app_data(data_dir):
        pass
    (data_dir / DEVICE_KEY_FILENAME).write_text("not json")
    with pytest.raises(StorageError, match=r"key file .* is damaged"):
        open_app_data(data_dir)


def test_a_missing_key_file_with_a_database_is_refused(data_dir: Path) -> None:
    with open_app_data(data_dir):
        pass
    (data_dir / DEVICE_KEY_FILENAME).unlink()
    with pytest.raises(StorageError, match=r"key file .* is missing"):
        open_app_data(data_dir)
    assert not (data_dir / DEVICE_KEY_FILENAME).exists()


@pytest.mark.parametrize("content", [b"", b"garbage" * 10, b"SQLite format 3\x00" + b"\x00" * 4080])
def test_a_foreign_or_truncated_database_file_is_reported_and_kept(data_dir: Path, content: bytes) -> None:
    with open_app_data(data_dir):
        pass
    db_path = data_dir / DB_FILENAME
    db_path.write_bytes(content)
    for suffix in ("-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    if content:
        with pytest.raises(StorageError) as info:
            open_app_data(data_dir)
        assert "damaged" in str(info.value) or "not a DreamTree database" in str(info.value)
        assert db_path.read_bytes() == content
    else:
        # An empty file is what an interrupted first launch leaves; the key file exists, so it
        # opens as a new database rather than being called damaged.
        with open_app_data(data_dir) as app:
            assert app.db.scalar("SELECT count(*) FROM users") == 1


def test_a_second_instance_on_the_same_folder_is_refused(data_dir: Path) -> None:
    with open_app_data(data_dir) as app:
        with pytest.raises(AlreadyRunningError, match="already running"):
            open_app_data(data_dir)
        result = run_dreamtree("--data-dir", str(data_dir), "doctor")
        assert result.returncode == 2
        assert "already running" in result.stderr
        assert app.db.scalar("SELECT count(*) FROM users") == 1


def test_read_only_data_folder_gives_a_clear_message(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        # root ignores permission bits; use a read-only bind-free approach: a file where the folder should be
        blocker = tmp_path / "blocked"
        blocker.write_text("x")
        result = run_dreamtree("--data-dir", str(blocker / "data"), "doctor")
    else:
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o500)
        result = run_dreamtree("--data-dir", str(folder / "data"), "doctor")
    assert result.returncode == 2
    assert "data folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_doctor_is_healthy_on_a_fresh_folder(tmp_path: Path) -> None:
    result = run_dreamtree("--data-dir", str(tmp_path / "fresh"), "doctor", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["healthy"] is True
    assert report["integrity_check"] == report["cipher_integrity_check"] == report["foreign_key_check"] == "ok"


def test_data_dir_from_environment(tmp_path: Path) -> None:
    folder = tmp_path / "from-env"
    result = run_dreamtree("doctor", env={"DREAMTREE_DATA_DIR": str(folder)})
    assert result.returncode == 0, result.stderr
    assert (folder / DB_FILENAME).exists()


def test_version_and_usage_errors() -> None:
    result = run_dreamtree("--version")
    assert result.returncode == 0 and result.stdout.startswith("dreamtree ")
    result = run_dreamtree("no-such-command")
    assert result.returncode == 2


def test_core_imports_no_qt() -> None:
    code = ("import sys, dreamtree_desktop, dreamtree_desktop.appdata, dreamtree_desktop.cli.main;"
            "import dreamtree_desktop.content.loader;"
            "bad = [m for m in sys.modules if m.startswith('PySide6') or m.startswith('shiboken')];"
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout
