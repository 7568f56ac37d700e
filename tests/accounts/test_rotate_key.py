"""`dreamtree account rotate-key`: a new data key, every sealed value re-encrypted, the old key
opening nothing written from now on; a crash at any step leaves a folder that opens."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from acct_helpers import cli

from dreamtree_desktop.accounts.rotate import rotate_data_key
from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.security import vault
from dreamtree_desktop.security.envelope import decrypt_value
from dreamtree_desktop.security.errors import EnvelopeError
from dreamtree_desktop.tools import budget, contacts


class Crash(Exception):
    pass


def _seed(folder: Path) -> dict[str, str]:
    with open_app_data(folder) as app:
        ctx = UserContext.from_app(app)
        app.db.execute("DELETE FROM exercise_sequence WHERE unlocks_tool IS NOT NULL")
        budget.save(ctx, [{"label": "Rent", "monthly_cents": 90_000}], notes="tight month")
        contact = contacts.create(ctx, {"name": "Ada Quill", "notes": "met at a meetup"})
        return {"contact": contact, "uid": app.user_id}


def _readable(folder: Path, seeded: dict[str, str]) -> None:
    with open_app_data(folder) as app:
        ctx = UserContext.from_app(app)
        assert budget.get(ctx)["notes"] == "tight month"
        assert contacts.get(ctx, seeded["contact"])["name"] == "Ada Quill"


def _old_data_key(folder: Path) -> bytes:
    return bytes.fromhex(json.loads((folder / "device.key").read_text())["data_key"])


def test_rotate_key_reencrypts_and_the_old_key_opens_nothing(data_dir: Path) -> None:
    seeded = _seed(data_dir)
    old_key = _old_data_key(data_dir)
    done = cli(data_dir, "rotate-key", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["resealed"] == 7  # five budget values, two of the contact
    assert _old_data_key(data_dir) != old_key
    _readable(data_dir, seeded)
    with open_app_data(data_dir) as app:
        stored = app.db.scalar("SELECT name FROM user_contacts WHERE id = ?", (seeded["contact"],))
        assert app.db.scalar("SELECT 1 FROM app_meta WHERE key = 'data_key_rotated_at'")
    with pytest.raises(EnvelopeError):
        decrypt_value(old_key, stored, user_id=seeded["uid"], table="user_contacts", column="name",
                      row_id=seeded["contact"])


@pytest.mark.parametrize("point", ["rotate:staged", "rotate:committed"])
def test_a_crash_during_rotation_leaves_a_folder_that_opens(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, point: str
) -> None:
    seeded = _seed(data_dir)
    before = _old_data_key(data_dir)

    def crash(name: str) -> None:
        if name == point:
            raise Crash(name)

    monkeypatch.setattr(vault, "fault_point", crash)
    with open_app_data(data_dir) as app, pytest.raises(Crash):
        rotate_data_key(app)
    # What a kill at that point leaves on disk: the staged key file, and the database as it is.
    assert (data_dir / "device.key.new").exists()
    copy = tmp_path / "copy"
    shutil.copytree(data_dir, copy)
    monkeypatch.undo()
    _readable(copy, seeded)
    _readable(data_dir, seeded)
    changed = _old_data_key(data_dir) != before
    assert changed == (point == "rotate:committed")


def test_a_claimed_account_gets_the_new_key_wrapped_under_its_password(data_dir: Path) -> None:
    from dreamtree_desktop.security.keywrap import unwrap_with_password

    seeded = _seed(data_dir)
    password = "tangerine-violin-42"
    claimed = cli(data_dir, "claim", "--email", "sam@example.org", "--no-lock", password=password)
    assert claimed.returncode == 0, claimed.stderr
    wrong = cli(data_dir, "rotate-key", password="not the password at all")
    assert wrong.returncode == 3
    old_key = _old_data_key(data_dir)
    done = cli(data_dir, "rotate-key", password=password)
    assert done.returncode == 0, done.stderr
    new_key = _old_data_key(data_dir)
    assert new_key != old_key
    with open_app_data(data_dir) as app:
        wrapped = app.db.scalar("SELECT wrapped_data_key FROM auth WHERE user_id = ?", (app.user_id,))
    assert bytes(unwrap_with_password(wrapped, password)) == new_key
    assert cli(data_dir, "unlock", password=password).returncode == 0
    _readable(data_dir, seeded)


def test_a_backup_made_before_the_rotation_is_not_restored_over_the_new_key(data_dir: Path) -> None:
    from dreamtree_cli import run_dreamtree

    from dreamtree_desktop.storage.backups import backup_if_due

    seeded = _seed(data_dir)
    with open_app_data(data_dir) as app:
        before = backup_if_due(app.db, app.backup_dir, app.keys.db_key, every_hours=0)
    assert before is not None
    assert cli(data_dir, "rotate-key").returncode == 0
    db_bytes = (data_dir / "dreamtree.db").read_bytes()
    refused = run_dreamtree("doctor", "--restore-backup", before.name, data_dir=data_dir)
    assert refused.returncode == 2, refused.stderr
    assert "before the key was rotated" in refused.stderr and "Nothing was replaced" in refused.stderr
    assert (data_dir / "dreamtree.db").read_bytes() == db_bytes
    assert not list(data_dir.glob("dreamtree.db.replaced-*"))
    _readable(data_dir, seeded)
    # A backup made after the rotation restores as before.
    with open_app_data(data_dir) as app:
        after = backup_if_due(app.db, app.backup_dir, app.keys.db_key, every_hours=0)
    assert after is not None
    assert run_dreamtree("doctor", "--restore-backup", after.name, data_dir=data_dir).returncode == 0
    _readable(data_dir, seeded)
