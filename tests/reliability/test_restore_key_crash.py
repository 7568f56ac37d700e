"""kill -9 at each step boundary of taking a backup's data key: a restore of a sealed backup onto
a new install (`dreamtree import FILE` with the backup's password) and `dreamtree import
--adopt-key` after a restore made without it.

Each run is the real command in a child process (`rel_child.py step`) that kills itself with
SIGKILL at one named `vault.fault_point`: after the new key file is staged (nothing committed) or
after the transaction committed (the key file not yet replaced). What must hold afterwards is what
the user notices: with no command of theirs, the next open leaves every personal field readable
as written, `export` works, and `doctor` calls the folder healthy; a run cut before its commit
changed nothing and simply runs again.

Beside the kills: a staged key is kept while the database cannot be read, and a staged key that
cannot be renamed into place, or a transaction that fails, leaves nothing unreadable either.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlcipher3
from fault_helpers import remount_read_only, remount_read_write
from rel_helpers import (
    BACKUP_PASSWORD,
    CHILD,
    PII_PROMPT,
    PYTHON,
    cli,
    doctor_ok,
    folder_digest,
    make_answered_folder,
    run_and_kill,
)

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.engine.workbook import Workbook
from dreamtree_desktop.errors import UserInputError
from dreamtree_desktop.portability.exporter import PENDING_KEY
from dreamtree_desktop.portability.importer import Options
from dreamtree_desktop.portability.operation import load_import_file, run_import
from dreamtree_desktop.security.vault import device_data_key_change
from dreamtree_desktop.storage.probe import key_pragma
from dreamtree_desktop.tools import contacts

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

PRIVATE = "the letter I kept from my brother"
ADDED_NAME = "Aunt Mira"
CONTACTS = 30  # contacts with a sealed name, beside the workbook's own personal answers
WITH_KEY = {"DREAMTREE_PASSWORD": BACKUP_PASSWORD}


@pytest.fixture(scope="module")
def backup(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A sealed backup of a user who answered everything; what they wrote (a plaintext export);
    a new install; and the digest of that install after an uninterrupted restore."""
    base = tmp_path_factory.mktemp("restore-key")
    source = base / "source"
    make_answered_folder(source, standalone=CONTACTS * 2, label="friend", private=PRIVATE)
    sealed = base / "backup.json"
    done = cli(source, "export", "--out", str(sealed), env={"DREAMTREE_BACKUP_PASSWORD": BACKUP_PASSWORD})
    assert done.returncode == 0, done.stderr
    fresh = base / "fresh"
    open_app_data(fresh).close()
    (fresh / ".lock").unlink(missing_ok=True)
    finished = base / "finished"
    shutil.copytree(fresh, finished)
    done = cli(finished, "import", str(sealed), "--json", env=WITH_KEY)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["personal_data"] == "adopted-key"
    return {"sealed": sealed, "fresh": fresh, "before": folder_digest(fresh), "after": folder_digest(finished),
            "written": _personal_values(_plain_export(source, base / "written.json"))}


def _plain_export(folder: Path, out: Path) -> dict[str, Any]:
    """`dreamtree export --plaintext-pii`: it must work and find no field it cannot open."""
    done = cli(folder, "export", "--plaintext-pii", "--json", "--out", str(out))
    assert done.returncode == 0, f"export refused: {done.stderr}"
    assert json.loads(done.stdout)["problems"] == [], done.stdout
    return dict(json.loads(out.read_text(encoding="utf-8")))


def _personal_values(doc: dict[str, Any]) -> dict[str, Any]:
    """What the user wrote, personal fields opened: every module and standalone record (module
    1.4's private answers and the contacts' names among them)."""
    written = {"modules": doc["modules"], "standalone": doc["standalone"]}
    text = json.dumps(written)
    assert PRIVATE in text and len(doc["standalone"]["user_contacts"]) == CONTACTS
    return written


def _kill_at(folder: Path, point: str, *args: str) -> None:
    run = run_and_kill([PYTHON, str(CHILD), "step", str(folder), point, *args], 170, env=WITH_KEY)
    assert run.was_killed, f"not killed at {point}: {run.lines} {run.stderr}"
    # The kill came with a staged key file in place: the window this test is about.
    assert (folder / "device.key.new").exists()


def _reads_back_as_written(folder: Path, backup: dict[str, Any], tmp_path: Path, added: str | None = None) -> None:
    """Everything a user would check after the restore, the next open being the export's. `added`:
    a contact written in this folder before the key was adopted (it must read back too)."""
    doc = _plain_export(folder, tmp_path / "check.json")
    if added is not None:
        contacts = doc["standalone"]["user_contacts"]
        assert [c["name"] for c in contacts if c["id"] == added] == [ADDED_NAME]
        doc["standalone"]["user_contacts"] = [c for c in contacts if c["id"] != added]
    assert _personal_values(doc) == backup["written"]
    assert not (folder / "device.key.new").exists()
    with open_app_data(folder) as app:
        assert app.db.scalar("SELECT 1 FROM app_meta WHERE key = ?", (PENDING_KEY,)) is None
        assert Workbook(UserContext.from_app(app)).answer_of(PII_PROMPT) == PRIVATE
    if added is None:
        assert folder_digest(folder) == backup["after"]
    doctor_ok(folder)


def _copy(source: Path, tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(source, target)
    return target


def test_a_restore_killed_after_its_commit_opens_every_personal_field_next_time(
        backup: dict[str, Any], tmp_path: Path) -> None:
    folder = _copy(backup["fresh"], tmp_path)
    _kill_at(folder, "import:committed", "import", str(backup["sealed"]))
    _reads_back_as_written(folder, backup, tmp_path)


def test_a_restore_killed_before_its_commit_changed_nothing_and_runs_again(
        backup: dict[str, Any], tmp_path: Path) -> None:
    folder = _copy(backup["fresh"], tmp_path)
    key_file = (folder / "device.key").read_bytes()
    _kill_at(folder, "import:staged", "import", str(backup["sealed"]))
    assert folder_digest(folder) == backup["before"]
    assert (folder / "device.key").read_bytes() == key_file
    assert not (folder / "device.key.new").exists()
    done = cli(folder, "import", str(backup["sealed"]), env=WITH_KEY)
    assert done.returncode == 0, done.stderr
    _reads_back_as_written(folder, backup, tmp_path)


@pytest.fixture
def restored_without_key(backup: dict[str, Any], tmp_path: Path) -> tuple[Path, str]:
    """A new install that took the backup with --no-password (its personal fields wait for the
    backup's password, `import --adopt-key`), where a contact was added since: sealed under the
    folder's own key, which the adoption moves to the backup's. Returns the folder and its id."""
    folder = _copy(backup["fresh"], tmp_path)
    done = cli(folder, "import", str(backup["sealed"]), "--no-password", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["personal_data"] == "pending"
    with open_app_data(folder) as app:
        added = contacts.create(UserContext.from_app(app), {"name": ADDED_NAME})
    (folder / ".lock").unlink(missing_ok=True)
    return folder, added


def test_adopting_the_key_killed_after_its_commit_needs_no_second_run(
        backup: dict[str, Any], restored_without_key: tuple[Path, str], tmp_path: Path) -> None:
    folder, added = restored_without_key
    _kill_at(folder, "adopt-key:committed", "import", "--adopt-key")
    _reads_back_as_written(folder, backup, tmp_path, added)


def test_adopting_the_key_killed_before_its_commit_still_waits_for_the_password(
        backup: dict[str, Any], restored_without_key: tuple[Path, str], tmp_path: Path) -> None:
    folder, added = restored_without_key
    _kill_at(folder, "adopt-key:staged", "import", "--adopt-key")
    with open_app_data(folder) as app:  # what was written here still opens under the folder's key
        assert contacts.get(UserContext.from_app(app), added)["name"] == ADDED_NAME
    refused = cli(folder, "export", "--out", str(tmp_path / "refused.json"))
    assert refused.returncode == 2 and "--adopt-key" in refused.stderr, refused.stderr
    report = json.loads(cli(folder, "doctor", "--json").stdout)
    assert any("--adopt-key" in p for p in report["problems"]), report
    assert not (folder / "device.key.new").exists()
    done = cli(folder, "import", "--adopt-key", env=WITH_KEY)
    assert done.returncode == 0, done.stderr
    _reads_back_as_written(folder, backup, tmp_path, added)


def test_doctor_names_a_staged_key_the_open_cannot_settle(
        backup: dict[str, Any], small_fs: Callable[[str], Path], tmp_path: Path) -> None:
    point = small_fs("64m")
    folder = point / "data"
    shutil.copytree(backup["fresh"], folder)
    _kill_at(folder, "import:committed", "import", str(backup["sealed"]))
    remount_read_only(point)  # the staged key cannot be moved into place now
    done = cli(folder, "doctor", "--json")
    assert done.returncode == 2, done.stderr
    report = json.loads(done.stdout)
    assert report["healthy"] is False
    assert any("device.key.new" in p and "'dreamtree doctor'" in p for p in report["problems"]), report
    remount_read_write(point)
    doctor = doctor_ok(folder)  # the open that can write finishes the change
    assert doctor["key_changes_finished"] == ["device.key.new"]
    _reads_back_as_written(folder, backup, tmp_path)


def test_a_staged_key_is_kept_while_the_database_cannot_be_read(
        backup: dict[str, Any], tmp_path: Path) -> None:
    """Whether the commit happened is read from the database; a database another program holds
    locked gives no answer, and the staged key (after the commit, the only copy of the key that
    opens the restored fields) must then be kept, not taken for an uncommitted one."""
    folder = _copy(backup["fresh"], tmp_path)
    _kill_at(folder, "import:committed", "import", str(backup["sealed"]))
    db_key = bytes.fromhex(json.loads((folder / "device.key").read_text(encoding="utf-8"))["db_key"])
    holder = sqlcipher3.connect(str(folder / "dreamtree.db"), isolation_level=None)
    try:
        holder.execute(key_pragma(db_key))
        holder.execute("PRAGMA locking_mode = EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        done = cli(folder, "doctor", "--json")
        assert done.returncode == 2, done.stderr
        report = json.loads(done.stdout)
        assert any("cannot be told" in p for p in report["problems"]), report
        assert any("device.key.new" in p for p in report["problems"]), report
        assert (folder / "device.key.new").exists()
    finally:
        holder.close()
    _reads_back_as_written(folder, backup, tmp_path)


def test_a_key_file_cut_before_its_rename_leaves_nothing_behind(backup: dict[str, Any], tmp_path: Path) -> None:
    """Killed with the staged key written to its temp file but not yet renamed: the temp file
    holds keys in the clear. The next open removes it; nothing was applied; the restore runs again."""
    folder = _copy(backup["fresh"], tmp_path)
    run = run_and_kill([PYTHON, str(CHILD), "step", str(folder), "rename:device.key.new", "import",
                        str(backup["sealed"])], 170, env=WITH_KEY)
    assert run.was_killed, f"{run.lines} {run.stderr}"
    left = [p.name for p in folder.glob(".device.key.new.*.tmp")]
    assert len(left) == 1 and not (folder / "device.key.new").exists()
    assert folder_digest(folder) == backup["before"]
    assert not list(folder.glob(".*.tmp")), "the key file's temp copy outlived the next open"
    done = cli(folder, "import", str(backup["sealed"]), env=WITH_KEY)
    assert done.returncode == 0, done.stderr
    _reads_back_as_written(folder, backup, tmp_path)


def test_what_is_written_after_a_failed_key_rename_opens_next_time(backup: dict[str, Any], tmp_path: Path) -> None:
    """The restore commits but the staged key cannot be renamed into place (here `device.key` has
    become a folder): the import reports the error, and a contact the user adds afterwards in the
    same window is sealed under the key the database now uses, so once the folder is put right
    the next open finishes the change and both the restore and the contact read back."""
    folder = _copy(backup["fresh"], tmp_path)
    app = open_app_data(folder)
    try:
        (folder / "device.key").unlink()
        (folder / "device.key").mkdir()
        (folder / "device.key" / "in the way").write_text("x", encoding="utf-8")
        window = UserContext.from_app(app)  # the context a window keeps across the import
        with pytest.raises(OSError):
            run_import(app, load_import_file(backup["sealed"]), Options(), lambda: BACKUP_PASSWORD, ctx=window)
        added = contacts.create(window, {"name": ADDED_NAME})
    finally:
        app.close()
    shutil.rmtree(folder / "device.key")
    _reads_back_as_written(folder, backup, tmp_path, added)


def test_a_key_change_whose_transaction_fails_leaves_the_key_and_data_as_they_were(
        backup: dict[str, Any], tmp_path: Path) -> None:
    """Whatever the transaction of a data key change refuses, nothing of it stays: the rows it
    wrote are rolled back, the staged key file is removed, the folder keeps its key."""
    folder = _copy(backup["fresh"], tmp_path)
    key_file = (folder / "device.key").read_bytes()
    with open_app_data(folder) as app:
        old_key = bytes(app.keys.data_key)
        with (pytest.raises(UserInputError, match="refused"),
              device_data_key_change(folder, app.db, app.keys, bytes(32 * [7]), "test")):
            app.db.execute("INSERT INTO app_meta(key, value) VALUES ('written-then-refused', 'x')")
            raise UserInputError("refused")
        assert bytes(app.keys.data_key) == old_key
        assert app.db.scalar("SELECT count(*) FROM app_meta WHERE key = 'written-then-refused'") == 0
    assert not (folder / "device.key.new").exists()
    assert (folder / "device.key").read_bytes() == key_file
    assert folder_digest(folder) == backup["before"]
