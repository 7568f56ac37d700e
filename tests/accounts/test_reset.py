"""Forgotten password: PII becomes LOST_MARKER, everything else is kept; with the lock
on, the locked database is set aside and the folder starts fresh."""

from __future__ import annotations

import json

import pytest
from acct_helpers import (
    EMAIL_STORED,
    NEW_PASSWORD,
    PASSWORD,
    Folder,
    cli,
    non_pii_rows,
    stored_pii,
)

from dreamtree_desktop.accounts import RESET_MESSAGE, reset_password, unsealed_pii
from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.context import LOST, UserContext
from dreamtree_desktop.errors import UserInputError
from dreamtree_desktop.pii import LOST_MARKER
from dreamtree_desktop.security.keywrap import unwrap_with_password
from dreamtree_desktop.security.unlock import unlock_vault
from dreamtree_desktop.security.vault import key_opens
from dreamtree_desktop.storage.keystore import read_device_keys

SPEC_MESSAGE = (
    "Your encrypted personal data (financial info, contact details, and private reflections) cannot be "
    "recovered without your original password. All other progress has been preserved."
)


def test_reset_message_is_the_specs() -> None:
    assert RESET_MESSAGE == SPEC_MESSAGE


def test_reset_in_place_with_lock_off(unlocked: Folder) -> None:
    with open_app_data(unlocked.path) as app:
        rows_before = non_pii_rows(app)
        old_data_key = bytes(app.keys.data_key)
        old_db_key = bytes(app.keys.db_key)

    result = cli(unlocked.path, "reset-password", "--yes", new_password=NEW_PASSWORD)
    assert result.returncode == 0, result.stderr
    assert SPEC_MESSAGE in result.stdout
    assert f"{len(unlocked.seeded.pii)} personal field(s)" in result.stdout
    assert not (unlocked.path / "device.key.new").exists()

    device = read_device_keys(unlocked.path)
    assert bytes(device.data_key) != old_data_key
    assert bytes(device.db_key) == old_db_key
    with open_app_data(unlocked.path) as app:
        assert non_pii_rows(app) == rows_before
        assert set(stored_pii(app, unlocked.seeded).values()) == {LOST_MARKER}
        ctx = UserContext.from_app(app)
        assert unsealed_pii(ctx) == []
        for cell, stored in stored_pii(app, unlocked.seeded).items():
            assert ctx.unseal(*cell, stored) is LOST
        auth = app.db.one("SELECT password_hash, wrapped_data_key FROM auth")
        assert bytes(unwrap_with_password(auth["wrapped_data_key"], NEW_PASSWORD)) == bytes(device.data_key)
        # New personal data seals under the new key and reads back.
        cid = unlocked.seeded.contact_ids[0]
        sealed = ctx.seal("user_contacts", "name", cid, "A new contact")
        assert ctx.unseal("user_contacts", "name", cid, sealed) == "A new contact"
        assert app.db.scalar("SELECT email FROM emails WHERE is_active = 1") == EMAIL_STORED
    assert cli(unlocked.path, "unlock", password=PASSWORD).returncode == 3
    assert cli(unlocked.path, "unlock", password=NEW_PASSWORD).returncode == 0


def test_reset_needs_confirmation(unlocked: Folder) -> None:
    before = (unlocked.path / "device.key").read_bytes()
    result = cli(unlocked.path, "reset-password", new_password=NEW_PASSWORD)
    assert result.returncode == 2
    assert SPEC_MESSAGE in result.stdout
    assert "--yes" in result.stderr
    assert (unlocked.path / "device.key").read_bytes() == before
    with open_app_data(unlocked.path) as app:
        with pytest.raises(UserInputError, match="confirm"):
            reset_password(app, NEW_PASSWORD, confirmed=False)
        assert LOST_MARKER not in stored_pii(app, unlocked.seeded).values()


def test_reset_with_weak_password_changes_nothing(unlocked: Folder) -> None:
    before = (unlocked.path / "device.key").read_bytes()
    result = cli(unlocked.path, "reset-password", "--yes", new_password="short")
    assert result.returncode == 2
    assert (unlocked.path / "device.key").read_bytes() == before
    with open_app_data(unlocked.path) as app:
        assert LOST_MARKER not in stored_pii(app, unlocked.seeded).values()


def test_reset_anonymous_is_refused(anonymous: Folder) -> None:
    result = cli(anonymous.path, "reset-password", "--yes", new_password=NEW_PASSWORD)
    assert result.returncode == 2
    assert "anonymous" in result.stderr


def test_reset_locked_folder_sets_the_database_aside(locked: Folder) -> None:
    no_email = cli(locked.path, "reset-password", "--yes", new_password=NEW_PASSWORD)
    assert no_email.returncode == 2 and "email" in no_email.stderr
    assert (locked.path / "vault.json").exists()

    result = cli(locked.path, "reset-password", "--yes", "--email", "Sam.Rivera@example.org",
                 new_password=NEW_PASSWORD)
    assert result.returncode == 0, result.stderr
    # Nothing of the locked database stays here: the reset must not say progress was preserved.
    assert "preserved" not in result.stdout and "start fresh" in result.stdout
    assert "JSON backup" in result.stdout and "cloud account" in result.stdout
    asides = [p for p in locked.path.iterdir() if p.name.startswith("locked-")]
    assert len(asides) == 1
    aside = asides[0]
    assert {p.name for p in aside.iterdir()} >= {"dreamtree.db", "vault.json", "backups"}

    # The locked database is intact and still opens with the old password, from where it was put.
    keys = unlock_vault(aside, PASSWORD)
    try:
        assert key_opens(aside / "dreamtree.db", keys.db_key)
        for backup in (aside / "backups").glob("*.db"):
            assert key_opens(backup, keys.db_key)
    finally:
        keys.wipe()

    # The folder starts fresh: claimed with the email, locked with the new password, no old data.
    status = json.loads(cli(locked.path, "status", "--json", password=NEW_PASSWORD).stdout)
    assert status["state"] == "claimed" and status["email"] == EMAIL_STORED
    assert status["lock_with_password"] is True
    with open_app_data(locked.path, NEW_PASSWORD) as app:
        assert app.user_id != locked.seeded.user_id
        assert app.db.scalar("SELECT count(*) FROM user_contacts") == 0
        assert app.db.scalar("SELECT count(*) FROM user_stories") == 0
    assert cli(locked.path, "unlock", password=PASSWORD).returncode == 3
