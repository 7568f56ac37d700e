"""Numbered migration steps, a backup before migrating, refusal of newer databases."""

from __future__ import annotations

from pathlib import Path

import pytest

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.errors import StorageError
from dreamtree_desktop.paths import DB_FILENAME
from dreamtree_desktop.storage import migrations
from dreamtree_desktop.storage.backups import list_backups
from dreamtree_desktop.storage.db import Database
from dreamtree_desktop.storage.keystore import read_device_keys


def test_steps_are_numbered_without_gaps() -> None:
    steps = migrations.load_steps()
    assert [s.number for s in steps] == list(range(1, len(steps) + 1))


def test_a_newer_database_is_refused_untouched(data_dir: Path) -> None:
    with open_app_data(data_dir) as app:
        app.db.execute(f"PRAGMA user_version = {migrations.latest_version() + 5}")
    before = (data_dir / DB_FILENAME).read_bytes()
    with pytest.raises(StorageError, match="newer version of DreamTree"):
        open_app_data(data_dir)
    assert (data_dir / DB_FILENAME).read_bytes() == before


def test_pending_steps_run_in_order_after_a_backup(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with open_app_data(data_dir):
        pass
    real = migrations.load_steps()
    extra = [
        migrations.Step(len(real) + 1, "add_a", "CREATE TABLE zz_a(x INTEGER);"),
        migrations.Step(len(real) + 2, "add_b", "INSERT INTO zz_a VALUES (42);"),
    ]
    monkeypatch.setattr(migrations, "load_steps", lambda: real + extra)
    keys = read_device_keys(data_dir)
    db = Database(data_dir / DB_FILENAME, keys.db_key)
    applied = migrations.migrate(db, data_dir / "backups", keys.db_key)
    assert applied == [len(real) + 1, len(real) + 2]
    assert db.user_version == len(real) + 2
    assert db.scalar("SELECT x FROM zz_a") == 42
    db.close()
    backups = list_backups(data_dir / "backups")
    assert len(backups) == 1 and "before-migration" in backups[0].reason
    restored = Database(backups[0].path, keys.db_key)
    assert restored.user_version == len(real)
    restored.close()


def test_a_failing_step_leaves_the_database_as_it_was(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with open_app_data(data_dir):
        pass
    real = migrations.load_steps()
    broken = migrations.Step(len(real) + 1, "broken", "CREATE TABLE zz_b(x); INSERT INTO nowhere VALUES (1);")
    monkeypatch.setattr(migrations, "load_steps", lambda: [*real, broken])
    keys = read_device_keys(data_dir)
    db = Database(data_dir / DB_FILENAME, keys.db_key)
    with pytest.raises(StorageError, match="left as it was"):
        migrations.migrate(db, data_dir / "backups", keys.db_key)
    assert db.user_version == len(real)
    assert db.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'zz_b'") == 0
    db.close()
