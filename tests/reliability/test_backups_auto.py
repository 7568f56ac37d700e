"""Automatic backups before import, revision restore, migration and re-key: each leaves a backup
named for its reason that opens with the folder's current key and holds the state from just
before. Restoring a backup through `dreamtree doctor --restore-backup` brings that state back.

(Doctor reporting a damaged database and offering a backup, and periodic rotation, are in
test_storage_faults.py.)
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from rel_helpers import (
    BACKUP_PASSWORD,
    EMAIL,
    PASSWORD,
    PII_PROMPT,
    PLAIN_PROMPT,
    PYTHON,
    ROOT,
    clean_env,
    cli,
    doctor_ok,
    folder_digest,
    make_answered_folder,
    user_digest,
)

from dreamtree_desktop.accounts import claim
from dreamtree_desktop.appdata import AppData, open_app_data
from dreamtree_desktop.clock import set_offset
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.engine.workbook import Workbook
from dreamtree_desktop.paths import DB_FILENAME, VAULT_FILENAME
from dreamtree_desktop.storage import migrations
from dreamtree_desktop.storage.backups import KEEP, BackupInfo, list_backups, make_backup

pytestmark = pytest.mark.reliability

PRIVATE = "kept in every copy"
SKIP = ("auth", "user_settings")  # what turning the lock on or off itself rewrites


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("backups") / "data"
    make_answered_folder(folder, standalone=40, private=PRIVATE)
    return folder


@pytest.fixture
def folder(template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(template, target)
    return target


@pytest.fixture(scope="module")
def other_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Another user's sealed export (different answers and rows), so an import changes things."""
    base = tmp_path_factory.mktemp("other")
    make_answered_folder(base / "data", standalone=30, label="other", private="someone else")
    with open_app_data(base / "data") as app:
        Workbook(UserContext.from_app(app)).answer(PLAIN_PROMPT, "the other device's newer answer")
    path = base / "other.json"
    done = cli(base / "data", "export", "--out", str(path),
               env={"DREAMTREE_BACKUP_PASSWORD": BACKUP_PASSWORD})
    assert done.returncode == 0, done.stderr
    return path


def _backups(folder: Path) -> list[BackupInfo]:
    return list_backups(folder / "backups")


def _new_backup(folder: Path, before: list[BackupInfo], reason: str) -> BackupInfo:
    known = {b.path.name for b in before}
    made = [b for b in _backups(folder) if b.path.name not in known]
    assert [b.reason for b in made] == [reason], [b.path.name for b in made]
    return made[0]


@contextmanager
def opened_backup(folder: Path, backup: Path, tmp_path: Path,
                  password: str | None = None) -> Iterator[AppData]:
    """The backup as the database of a copy of the folder (same key files), opened read-write."""
    copy = tmp_path / f"open-{backup.stem}"
    copy.mkdir()
    for name in ("device.key", VAULT_FILENAME):
        if (folder / name).exists():
            shutil.copy2(folder / name, copy / name)
    shutil.copy2(backup, copy / DB_FILENAME)
    for suffix in ("-wal", "-shm"):  # a replaced database is kept with its WAL
        if Path(f"{backup}{suffix}").exists():
            shutil.copy2(f"{backup}{suffix}", copy / f"{DB_FILENAME}{suffix}")
    with open_app_data(copy, password) as app:
        assert app.db.integrity_problems() == [] and app.db.cipher_integrity_problems() == []
        yield app


# -- a backup before each risky operation ------------------------------------------------------
def test_import_backs_up_first_and_the_backup_holds_the_state_before(folder: Path, other_export: Path,
                                                                     tmp_path: Path) -> None:
    before_digest = folder_digest(folder)
    before = _backups(folder)
    done = cli(folder, "import", str(other_export), "--force", "--json",
               env={"DREAMTREE_PASSWORD": BACKUP_PASSWORD})
    assert done.returncode == 0, done.stderr
    backup = _new_backup(folder, before, "import")
    assert json.loads(done.stdout)["backup"] == str(backup.path)
    assert folder_digest(folder) != before_digest
    with opened_backup(folder, backup.path, tmp_path) as app:
        assert user_digest(app) == before_digest


def test_revision_restore_backs_up_first(folder: Path, other_export: Path, tmp_path: Path) -> None:
    done = cli(folder, "import", str(other_export), "--force", env={"DREAMTREE_PASSWORD": BACKUP_PASSWORD})
    assert done.returncode == 0, done.stderr
    listing = cli(folder, "revisions", "list", "--json")
    assert listing.returncode == 0, listing.stderr
    revisions = json.loads(listing.stdout)
    assert revisions, "merging another user's workbook keeps the losing modules as revisions"
    before_digest = folder_digest(folder)
    before = _backups(folder)
    done = cli(folder, "revisions", "restore", revisions[0]["id"])
    assert done.returncode == 0, done.stderr
    backup = _new_backup(folder, before, "restore-revision")
    assert folder_digest(folder) != before_digest
    with opened_backup(folder, backup.path, tmp_path) as app:
        assert user_digest(app) == before_digest


def test_a_migration_backs_up_first(folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A newer app with one more schema step opens the folder: the copy made first is the old
    schema, and the current app restores it through the CLI."""
    before_digest = folder_digest(folder)
    real = migrations.load_steps()
    extra = migrations.Step(len(real) + 1, "reliability_probe",
                            "CREATE TABLE reliability_probe(id TEXT PRIMARY KEY);")
    monkeypatch.setattr(migrations, "load_steps", lambda: [*real, extra])
    before = _backups(folder)
    with open_app_data(folder) as app:
        assert app.db.user_version == len(real) + 1
    backup = _new_backup(folder, before, f"before-migration-{len(real)}-to-{len(real) + 1}")
    monkeypatch.undo()
    with opened_backup(folder, backup.path, tmp_path) as app:
        assert app.db.user_version == len(real)
        assert user_digest(app) == before_digest
    # The real (older) app refuses the migrated file untouched, and restores the backup.
    done = cli(folder, "doctor", "--json")
    assert done.returncode == 2 and "newer version" in done.stderr
    done = cli(folder, "doctor", "--restore-backup", backup.path.name)
    assert done.returncode == 0, done.stderr
    assert doctor_ok(folder)["schema_version"] == len(real)
    assert folder_digest(folder) == before_digest


@pytest.mark.slow
def test_lock_on_and_off_back_up_first_under_the_new_key(folder: Path, tmp_path: Path) -> None:
    with open_app_data(folder) as app:
        claim(app, EMAIL, PASSWORD, lock=False)
    data = folder_digest(folder)
    env = {"DREAMTREE_PASSWORD": PASSWORD}
    for state, reason, password in (("on", "before-lock-on", PASSWORD), ("off", "before-lock-off", None)):
        before = _backups(folder)
        done = cli(folder, "account", "lock", state, env=env)
        assert done.returncode == 0, done.stderr
        backup = _new_backup(folder, before, reason)
        # Re-encrypted with the new database key: the folder's current key files open it.
        with opened_backup(folder, backup.path, tmp_path, password) as app:
            assert user_digest(app, skip_tables=SKIP) == user_digest_of(folder, password)
            assert Workbook(UserContext.from_app(app)).answer_of(PII_PROMPT) == PRIVATE
    assert folder_digest(folder) == data


def user_digest_of(folder: Path, password: str | None) -> str:
    with open_app_data(folder, password) as app:
        return user_digest(app, skip_tables=SKIP)


# -- restoring through the CLI -----------------------------------------------------------------
def test_restoring_a_backup_through_the_cli_brings_back_that_state(folder: Path) -> None:
    with open_app_data(folder) as app:
        backup = make_backup(app.db, app.backup_dir, app.keys.db_key, reason="manual")
        saved = user_digest(app)
        wb = Workbook(UserContext.from_app(app))
        wb.answer(PLAIN_PROMPT, "written after the backup")
        wb.answer(PII_PROMPT, "also after the backup")
    listed = cli(folder, "doctor", "--json")
    assert backup.name in json.loads(listed.stdout)["backups"]
    done = cli(folder, "doctor", "--restore-backup", backup.name)
    assert done.returncode == 0, done.stderr
    assert "Restored" in done.stdout
    doctor_ok(folder)
    assert folder_digest(folder) == saved
    with open_app_data(folder) as app:
        assert Workbook(UserContext.from_app(app)).answer_of(PII_PROMPT) == PRIVATE
    aside = [p for p in folder.iterdir() if p.name.startswith(f"{DB_FILENAME}.replaced-")]
    assert len(aside) == 1, "the database it replaced is kept beside it"
    # Work goes on after the restore.
    done = cli(folder, "workbook", "answer", PLAIN_PROMPT, json.dumps("after the restore"))
    assert done.returncode == 0, done.stderr


@pytest.mark.slow
def test_restoring_a_backup_of_a_password_locked_folder(folder: Path) -> None:
    with open_app_data(folder) as app:
        claim(app, EMAIL, PASSWORD, lock=True)
    with open_app_data(folder, PASSWORD) as app:
        backup = make_backup(app.db, app.backup_dir, app.keys.db_key, reason="manual")
        saved = user_digest(app)
        Workbook(UserContext.from_app(app)).answer(PII_PROMPT, "after the backup")
    env = {"DREAMTREE_PASSWORD": PASSWORD}
    done = cli(folder, "doctor", "--restore-backup", backup.name, env=env)
    assert done.returncode == 0, done.stderr
    doctor_ok(folder, PASSWORD)
    assert folder_digest(folder, PASSWORD) == saved


def test_restoring_an_unknown_backup_changes_nothing(folder: Path) -> None:
    cli(folder, "doctor")  # settle the folder: closed, WAL checkpointed
    before = (folder / DB_FILENAME).read_bytes()
    for name in ("nope.db", "../dreamtree.db", "backups", "/etc/passwd", ".."):
        done = cli(folder, "doctor", "--restore-backup", name)
        assert done.returncode == 2, (name, done.stderr)
        assert (folder / DB_FILENAME).read_bytes() == before, name
    assert not [p for p in folder.iterdir() if ".replaced-" in p.name]


def test_the_database_a_restore_replaces_is_kept_whole_after_a_crash(folder: Path, tmp_path: Path) -> None:
    """After a crash, the last saves live only in the WAL. Restoring a backup keeps the replaced
    database 'beside it'; that copy must hold those saves too, or the user cannot go back."""
    with open_app_data(folder) as app:
        backup = make_backup(app.db, app.backup_dir, app.keys.db_key, reason="manual")
    script = (
        "import os, signal, sys;"
        "from dreamtree_desktop.appdata import open_app_data;"
        "from dreamtree_desktop.context import UserContext;"
        "from dreamtree_desktop.engine.workbook import Workbook;"
        "app = open_app_data(sys.argv[1]);"
        "Workbook(UserContext.from_app(app)).answer(sys.argv[2], 'saved just before the crash');"
        "print('saved', flush=True);"
        "os.kill(os.getpid(), signal.SIGKILL)"
    )
    done = subprocess.run([PYTHON, "-c", script, str(folder), PLAIN_PROMPT], capture_output=True, text=True,
                          env=clean_env(), cwd=ROOT, timeout=120)
    assert done.returncode == -signal.SIGKILL and done.stdout.strip() == "saved"
    assert (folder / f"{DB_FILENAME}-wal").stat().st_size > 0, "the save is in the WAL"
    restored = cli(folder, "doctor", "--restore-backup", backup.name)
    assert restored.returncode == 0, restored.stderr
    aside = next(p for p in folder.iterdir() if p.name.startswith(f"{DB_FILENAME}.replaced-")
                 and not p.name.endswith(("-wal", "-shm")))
    with opened_backup(folder, aside, tmp_path) as app:
        assert Workbook(UserContext.from_app(app)).answer_of(PLAIN_PROMPT) == "saved just before the crash"


def test_a_damaged_backup_is_refused_and_the_database_kept(folder: Path) -> None:
    with open_app_data(folder) as app:
        backup = make_backup(app.db, app.backup_dir, app.keys.db_key, reason="manual")
    cli(folder, "doctor")
    data = backup.read_bytes()
    backup.write_bytes(data[: len(data) // 2] + os.urandom(len(data) - len(data) // 2))
    before = (folder / DB_FILENAME).read_bytes()
    done = cli(folder, "doctor", "--restore-backup", backup.name)
    assert done.returncode == 2, done.stderr
    assert (folder / DB_FILENAME).read_bytes() == before
    doctor_ok(folder)


# -- backups that a kill or a skewed clock would have lost -------------------------------------
def test_a_backup_cut_short_by_a_kill_is_cleaned_up_by_the_next(folder: Path) -> None:
    left = [folder / "backups" / ".20260101T000000000000Z-import.db.k3x9q1.tmp",  # what export_copy
            folder / "backups" / ".20260101T000000000000Z-import.db.partial"]  # leaves when killed
    left[0].parent.mkdir(exist_ok=True)
    for partial in left:
        partial.write_bytes(os.urandom(4096))
    with open_app_data(folder) as app:
        make_backup(app.db, app.backup_dir, app.keys.db_key, reason="manual")
    assert not any(partial.exists() for partial in left)


@pytest.mark.slow
def test_the_backup_just_made_survives_rotation_after_the_clock_ran_ahead(folder: Path) -> None:
    """Backups named while the clock ran a year ahead sort as the newest; the backup an import
    makes once the clock is right must still be kept (it is the one the import points to)."""
    with open_app_data(folder) as app:
        try:
            set_offset(365 * 24 * 3600)
            for i in range(KEEP):
                make_backup(app.db, app.backup_dir, app.keys.db_key, reason=f"future {i}")
        finally:
            set_offset(0)
        made = make_backup(app.db, app.backup_dir, app.keys.db_key, reason="import")
    assert made.exists()
    assert len(_backups(folder)) == KEEP


@pytest.mark.slow
def test_a_replaced_database_kept_with_its_wal_survives_a_later_re_key(folder: Path, tmp_path: Path) -> None:
    """The copy a restore keeps aside (with its WAL, after a crash) is re-encrypted by `lock on`
    like every backup; the stale WAL must not be left beside the re-encrypted file."""
    with open_app_data(folder) as app:
        claim(app, EMAIL, PASSWORD, lock=False)
        backup = make_backup(app.db, app.backup_dir, app.keys.db_key, reason="manual")
    script = (
        "import os, signal, sys;"
        "from dreamtree_desktop.appdata import open_app_data;"
        "from dreamtree_desktop.context import UserContext;"
        "from dreamtree_desktop.engine.workbook import Workbook;"
        "app = open_app_data(sys.argv[1]);"
        "Workbook(UserContext.from_app(app)).answer(sys.argv[2], 'only in the WAL');"
        "os.kill(os.getpid(), signal.SIGKILL)"
    )
    done = subprocess.run([PYTHON, "-c", script, str(folder), PLAIN_PROMPT], capture_output=True, text=True,
                          env=clean_env(), cwd=ROOT, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert cli(folder, "doctor", "--restore-backup", backup.name).returncode == 0
    done = cli(folder, "account", "lock", "on", env={"DREAMTREE_PASSWORD": PASSWORD})
    assert done.returncode == 0, done.stderr
    aside = next(p for p in folder.iterdir() if p.name.startswith(f"{DB_FILENAME}.replaced-")
                 and not p.name.endswith(("-wal", "-shm")))
    with opened_backup(folder, aside, tmp_path, PASSWORD) as app:
        assert Workbook(UserContext.from_app(app)).answer_of(PLAIN_PROMPT) == "only in the WAL"
