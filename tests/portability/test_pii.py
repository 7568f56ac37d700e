"""Personal data in exports and imports: never in plain text unless asked, keys adopted or
moved as the identity requires."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dreamtree_cli import run_dreamtree

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.clock import now_iso
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.ids import new_id
from dreamtree_desktop.security.keywrap import wrap_with_password

from .conftest import BACKUP_PASSWORD, db_fingerprint, export_of
from .factory import SECRET_WORDS, populate

LATER = "2025-06-01T10:00:00.000Z"


def _assert_no_secrets(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for word in SECRET_WORDS:
        assert word not in text
    assert "Lyon" not in text


def _export(folder: Path, out: Path, **env: str) -> None:
    done = run_dreamtree("export", "--out", str(out), env=env, data_dir=folder)
    assert done.returncode == 0, done.stderr


def test_backup_password_export_holds_no_plaintext(populated: tuple[Path, object], tmp_path: Path) -> None:
    folder, _ = populated
    out = tmp_path / "backup.json"
    _export(folder, out, DREAMTREE_BACKUP_PASSWORD=BACKUP_PASSWORD)
    _assert_no_secrets(out)
    doc = json.loads(out.read_text())
    assert doc["auth"]["wrapped_by"] == "backup-password"
    assert doc["pii"]["mode"] == "sealed"


def test_claimed_user_export_carries_the_account_key_and_nothing_of_the_account(
    populated: tuple[Path, object], tmp_path: Path
) -> None:
    folder, _ = populated
    with open_app_data(folder) as app:
        stamp = now_iso()
        wrapped = wrap_with_password(app.keys.data_key, "the account password 7")
        app.db.execute("UPDATE users SET is_anonymous = 0")
        app.db.execute(
            "INSERT INTO auth(id, user_id, type, password_hash, wrapped_data_key, created_at, updated_at) "
            "VALUES (?, ?, 'password', '$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2g', ?, ?, ?)",
            (new_id(), app.user_id, wrapped, stamp, stamp),
        )
        app.db.execute(
            "INSERT INTO emails(id, user_id, email, is_active, added_at) VALUES (?, ?, ?, 1, ?)",
            (new_id(), app.user_id, "sam@example.org", stamp),
        )
    out = tmp_path / "claimed.json"
    _export(folder, out)  # no backup password needed
    text = out.read_text()
    _assert_no_secrets(out)
    assert "sam@example.org" not in text and "$argon2id$" not in text
    doc = json.loads(text)
    assert doc["auth"]["wrapped_by"] == "account"
    assert doc["auth"]["wrapped_data_key"] == json.loads(wrapped)


def test_export_without_a_backup_password_is_refused(populated: tuple[Path, object], tmp_path: Path) -> None:
    folder, _ = populated
    out = tmp_path / "nope.json"
    done = run_dreamtree("export", "--out", str(out), data_dir=folder)
    assert done.returncode == 3
    assert "DREAMTREE_BACKUP_PASSWORD" in done.stderr
    assert not out.exists()
    done = run_dreamtree("export", "--out", str(out), env={"DREAMTREE_BACKUP_PASSWORD": "short"}, data_dir=folder)
    assert done.returncode == 2
    assert "10 characters" in done.stderr
    assert not out.exists()


def test_plaintext_export_warns_and_holds_the_values(populated: tuple[Path, object], tmp_path: Path) -> None:
    folder, _ = populated
    out = tmp_path / "plain.json"
    done = run_dreamtree("export", "--out", str(out), "--plaintext-pii", data_dir=folder)
    assert done.returncode == 0
    assert "decrypted" in done.stderr
    assert SECRET_WORDS[1] in out.read_text()


@pytest.fixture
def backup(populated: tuple[Path, object], tmp_path: Path) -> Path:
    folder, _ = populated
    out = tmp_path / "backup.json"
    _export(folder, out, DREAMTREE_BACKUP_PASSWORD=BACKUP_PASSWORD)
    return out


def test_restore_without_the_password_keeps_pii_sealed_until_adopt_key(
    backup: Path, other_dir: Path, tmp_path: Path
) -> None:
    done = run_dreamtree("import", str(backup), "--no-password", "--json", data_dir=other_dir)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["identity"] == "adopted"
    assert report["personal_data"] == "pending"
    file_doc = json.loads(backup.read_text())
    contact = (
        file_doc["standalone"].get("user_contacts") or file_doc["modules"]["3.3"]["rows"]["user_contacts"]
    )
    with open_app_data(other_dir) as app:
        assert app.db.scalar("SELECT value FROM app_meta WHERE key = 'pending_wrapped_data_key'")
        stored = app.db.scalar("SELECT name FROM user_contacts WHERE id = ?", (contact[0]["id"],))
        assert stored == contact[0]["name"]  # the envelope, untouched
        assert app.user_id == file_doc["user"]["id"]
    # Exporting now would mix keys: refused with the way out.
    done = run_dreamtree(
        "export",
        "--out",
        str(tmp_path / "x.json"),
        env={"DREAMTREE_BACKUP_PASSWORD": BACKUP_PASSWORD}, data_dir=other_dir,
    )
    assert done.returncode == 2 and "--adopt-key" in done.stderr
    done = run_dreamtree("import", "--adopt-key", env={"DREAMTREE_PASSWORD": "not the password!"}, data_dir=other_dir)
    assert done.returncode == 3
    done = run_dreamtree("import", "--adopt-key", env={"DREAMTREE_PASSWORD": BACKUP_PASSWORD}, data_dir=other_dir)
    assert done.returncode == 0, done.stderr
    with open_app_data(other_dir) as app:
        ctx = UserContext.from_app(app)
        assert not app.db.scalar("SELECT value FROM app_meta WHERE key = 'pending_wrapped_data_key'")
        row = app.db.one("SELECT id, name FROM user_contacts WHERE id = ?", (contact[0]["id"],))
        assert SECRET_WORDS[1] in ctx.unseal("user_contacts", "name", row["id"], row["name"])
        resume = ctx.unseal(
            "user_profile", "resume_json", ctx.user_id, app.db.scalar("SELECT resume_json FROM user_profile")
        )
        assert "Lyon" in resume
    _export(other_dir, tmp_path / "after.json", DREAMTREE_BACKUP_PASSWORD=BACKUP_PASSWORD)


def test_wrong_password_changes_nothing(backup: Path, populated: tuple[Path, object], tmp_path: Path) -> None:
    target = tmp_path / "target"
    with open_app_data(target) as app:
        populate(UserContext.from_app(app))
    before = db_fingerprint(target)
    done = run_dreamtree("import", str(backup), env={"DREAMTREE_PASSWORD": "wrong password 123"}, data_dir=target)
    assert done.returncode == 3, done.stderr
    assert "wrong password" in done.stderr.lower()
    assert db_fingerprint(target) == before


def _newer_source(tmp_path: Path) -> Path:
    source = tmp_path / "source"
    with open_app_data(source) as app:
        populate(UserContext.from_app(app), stamp=LATER)
    out = tmp_path / "other-user.json"
    _export(source, out, DREAMTREE_BACKUP_PASSWORD=BACKUP_PASSWORD)
    return out


def test_another_users_file_with_its_password_is_resealed_under_the_local_key(
    populated: tuple[Path, object], tmp_path: Path
) -> None:
    folder, _ = populated
    path = _newer_source(tmp_path)
    with open_app_data(folder) as app:
        local_user = app.user_id
    done = run_dreamtree(
        "import", str(path), "--json", "--force", env={"DREAMTREE_PASSWORD": BACKUP_PASSWORD}, data_dir=folder
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["identity"] == "other" and report["personal_data"] == "resealed"
    assert {m["action"] for m in report["modules"].values()} == {"replaced"}
    file_doc = json.loads(path.read_text())
    theirs = file_doc["modules"]["3.3"]["rows"]["user_contacts"][0]
    with open_app_data(folder) as app:
        ctx = UserContext.from_app(app)
        assert app.user_id == local_user
        row = app.db.one("SELECT id, name, user_id FROM user_contacts WHERE id = ?", (theirs["id"],))
        assert row["user_id"] == local_user
        assert row["name"] != theirs["name"]
        assert SECRET_WORDS[1] in ctx.unseal("user_contacts", "name", row["id"], row["name"])
        revisions = app.db.scalar("SELECT count(*) FROM module_revisions")
        assert revisions == len(report["modules"])  # every replaced local module is kept


def test_another_users_file_without_its_password_skips_pii_rows(
    populated: tuple[Path, object], tmp_path: Path
) -> None:
    folder, _ = populated
    path = _newer_source(tmp_path)
    done = run_dreamtree("import", str(path), "--no-password", "--json", "--force", data_dir=folder)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["personal_data"] == "skipped"
    skipped = report["skipped_personal"]
    assert skipped["records"]["user_contacts"] > 0 and skipped["records"]["user_responses"] > 0
    assert "user_budget.monthly_expenses" in skipped["columns"]
    file_doc = json.loads(path.read_text())
    theirs = file_doc["modules"]["3.3"]["rows"]["user_contacts"][0]["id"]
    with open_app_data(folder) as app:
        assert app.db.scalar("SELECT count(*) FROM user_contacts WHERE id = ?", (theirs,)) == 0
        ctx = UserContext.from_app(app)
        for rid, name in app.db.query("SELECT id, name FROM user_contacts"):
            ctx.unseal("user_contacts", "name", rid, name)  # whatever is left opens with the local key
    text = export_of(folder)
    assert text["pii"]["key_id"]
