"""Lock with password: what is left on disk, what opens the database, switching off and on,
the wrong-password throttle, auto-lock."""

from __future__ import annotations

import json
import sqlite3
import stat

import pytest
from acct_helpers import PASSWORD, WRONG_PASSWORD, Folder, cli, stored_pii

from dreamtree_desktop import clock
from dreamtree_desktop.accounts import (
    idle_lock_minutes,
    lock,
    set_idle_lock_minutes,
    set_lock_with_password,
    verify_password,
)
from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.errors import AuthenticationError, StorageError, UserInputError
from dreamtree_desktop.security.errors import WrongPasswordError
from dreamtree_desktop.security.unlock import unlock_vault
from dreamtree_desktop.security.vault import (
    FAILURES_FILENAME,
    UnlockDelayError,
    UnlockThrottle,
    delay_after,
    key_bound_files,
    key_opens,
    read_vault,
)
from dreamtree_desktop.storage.db import Database
from dreamtree_desktop.storage.keystore import read_device_keys


def _old_keys(folder: Folder) -> tuple[bytes, bytes]:
    body = json.loads(folder.old_device_key)
    return bytes.fromhex(body["db_key"]), bytes.fromhex(body["data_key"])


def test_locked_folder_opens_only_with_the_password(locked: Folder) -> None:
    old_db_key, old_data_key = _old_keys(locked)
    db_path = locked.path / "dreamtree.db"
    assert not (locked.path / "device.key").exists()
    assert stat.S_IMODE((locked.path / "vault.json").stat().st_mode) == 0o600

    # The old key file's database key opens neither the database nor any backup.
    assert not key_opens(db_path, old_db_key)
    with pytest.raises(StorageError):
        Database(db_path, old_db_key)
    backups = key_bound_files(locked.path)
    assert backups, "locking makes a backup first"
    for backup in backups:
        assert not key_opens(backup, old_db_key)
    # Not a plain SQLite file either.
    conn = sqlite3.connect(db_path)
    with pytest.raises(sqlite3.DatabaseError):
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    conn.close()
    # Putting the old key file back does not open it.
    (locked.path / "device.key").write_bytes(locked.old_device_key)
    vault_bytes = (locked.path / "vault.json").read_bytes()
    (locked.path / "vault.json").unlink()
    with pytest.raises(StorageError):
        open_app_data(locked.path).close()
    (locked.path / "device.key").unlink()
    (locked.path / "vault.json").write_bytes(vault_bytes)

    with pytest.raises(AuthenticationError, match="locked with a password"):
        open_app_data(locked.path)
    with pytest.raises(WrongPasswordError):
        open_app_data(locked.path, WRONG_PASSWORD)
    with open_app_data(locked.path, PASSWORD) as app:
        assert app.keys.mode == "password"
        assert bytes(app.keys.db_key) != old_db_key
        assert bytes(app.keys.data_key) == old_data_key
        for backup in backups:
            assert key_opens(backup, app.keys.db_key)
        ctx = UserContext.from_app(app)
        for cell, stored in stored_pii(app, locked.seeded).items():
            assert ctx.unseal(*cell, stored) == locked.seeded.pii[cell]


def test_vault_layout(locked: Folder) -> None:
    body = json.loads((locked.path / "vault.json").read_text())
    assert body["v"] == 1
    assert body["kdf"]["alg"] == "argon2id"
    assert (body["kdf"]["m_kib"], body["kdf"]["t"], body["kdf"]["p"]) == (65536, 3, 4)
    assert body["wrapped_db_key"]["kdf"] == body["kdf"] == body["wrapped_data_key"]["kdf"]
    vault = read_vault(locked.path / "vault.json")
    with open_app_data(locked.path, PASSWORD) as app:
        from dreamtree_desktop.security.keywrap import WrappedKey

        stored = app.db.scalar("SELECT wrapped_data_key FROM auth")
        assert WrappedKey.from_json(stored) == vault.wrapped_data_key


def test_lock_off_and_on_again(locked: Folder) -> None:
    with open_app_data(locked.path, PASSWORD) as app:
        vault_db_key = bytes(app.keys.db_key)
        data_key = bytes(app.keys.data_key)

    result = cli(locked.path, "lock", "off", password=PASSWORD)
    assert result.returncode == 0, result.stderr
    assert not (locked.path / "vault.json").exists()
    device = read_device_keys(locked.path)
    assert bytes(device.db_key) not in (vault_db_key, _old_keys(locked)[0])
    assert bytes(device.data_key) == data_key
    assert stat.S_IMODE((locked.path / "device.key").stat().st_mode) == 0o600
    for backup in key_bound_files(locked.path):
        assert key_opens(backup, device.db_key)
        assert not key_opens(backup, vault_db_key)
    with open_app_data(locked.path) as app:
        assert app.keys.mode == "device"
        assert app.db.scalar("SELECT lock_with_password FROM user_settings") == 0
        ctx = UserContext.from_app(app)
        for cell, stored in stored_pii(app, locked.seeded).items():
            assert ctx.unseal(*cell, stored) == locked.seeded.pii[cell]

    again = cli(locked.path, "lock", "off", password=PASSWORD)
    assert again.returncode == 0 and "already off" in again.stdout

    wrong = cli(locked.path, "lock", "on", password=WRONG_PASSWORD)
    assert wrong.returncode == 3
    assert (locked.path / "device.key").exists() and not (locked.path / "vault.json").exists()

    result = cli(locked.path, "lock", "on", password=PASSWORD)
    assert result.returncode == 0, result.stderr
    assert not (locked.path / "device.key").exists()
    assert not key_opens(locked.path / "dreamtree.db", device.db_key)
    with open_app_data(locked.path, PASSWORD) as app:
        assert app.db.scalar("SELECT lock_with_password FROM user_settings") == 1
        for backup in key_bound_files(locked.path):
            assert key_opens(backup, app.keys.db_key)


def test_lock_needs_a_claimed_account(anonymous: Folder) -> None:
    result = cli(anonymous.path, "lock", "on", password=PASSWORD)
    assert result.returncode == 2
    assert "anonymous" in result.stderr
    assert (anonymous.path / "device.key").exists() and not (anonymous.path / "vault.json").exists()


def test_unlock_cli_right_and_wrong(locked: Folder, unlocked: Folder) -> None:
    for folder in (locked, unlocked):
        ok = cli(folder.path, "unlock", password=PASSWORD)
        assert ok.returncode == 0, ok.stderr
        bad = cli(folder.path, "unlock", password=WRONG_PASSWORD)
        assert bad.returncode == 3
        assert "Wrong password" in bad.stderr
        assert WRONG_PASSWORD not in bad.stderr + bad.stdout


def test_unlock_anonymous_is_refused(anonymous: Folder) -> None:
    result = cli(anonymous.path, "unlock", password=PASSWORD)
    assert result.returncode == 2


def test_missing_password_non_interactive(locked: Folder) -> None:
    result = cli(locked.path, "unlock")
    assert result.returncode == 3
    assert "DREAMTREE_PASSWORD" in result.stderr


def test_wrong_password_delay_grows_and_success_resets(locked: Folder) -> None:
    failures = locked.path / FAILURES_FILENAME
    waits = []
    offset = 0
    for attempt in range(1, 8):
        env = {"DREAMTREE_CLOCK_OFFSET_SECONDS": str(offset)}
        result = cli(locked.path, "unlock", password=WRONG_PASSWORD, env=env)
        assert result.returncode == 3
        body = json.loads(failures.read_text())
        assert body["failures"] == attempt
        assert stat.S_IMODE(failures.stat().st_mode) == 0o600
        wait = 0
        if body["next_allowed_at"]:
            wait = round((clock.parse_iso(body["next_allowed_at"]) - clock.parse_iso(body["last_failure_at"]))
                         .total_seconds())
        waits.append(wait)
        if wait:
            assert f"Wait {wait} second" in result.stderr
            # An attempt inside the wait is refused without checking the password, and not counted.
            refused = cli(locked.path, "unlock", password=PASSWORD, env=env)
            assert refused.returncode == 3
            assert "Too many wrong passwords" in refused.stderr and "wait" in refused.stderr
            assert json.loads(failures.read_text())["failures"] == attempt
        offset += 60  # the next attempt comes after the wait
    assert waits == [0, 0, 1, 2, 4, 8, 16]
    ok = cli(locked.path, "unlock", password=PASSWORD, env={"DREAMTREE_CLOCK_OFFSET_SECONDS": str(offset)})
    assert ok.returncode == 0, ok.stderr
    assert not failures.exists()


def test_delay_schedule_is_capped() -> None:
    assert [delay_after(n) for n in range(1, 10)] == [0, 0, 1, 2, 4, 8, 16, 30, 30]
    assert delay_after(1000) == 30


def test_throttle_in_process(open_unlocked, monkeypatch: pytest.MonkeyPatch) -> None:
    app, _ = open_unlocked
    throttle = UnlockThrottle(app.folder)
    monkeypatch.setattr(clock, "_offset", clock._offset)
    for _ in range(3):
        with pytest.raises(WrongPasswordError):
            verify_password(app, WRONG_PASSWORD)
    with pytest.raises(UnlockDelayError) as info:
        verify_password(app, PASSWORD)
    assert info.value.wait_seconds == 1
    clock.set_offset(5)
    verify_password(app, PASSWORD).wipe()
    assert throttle.failures == 0


def test_damaged_failure_counter_does_not_reset_the_count(locked: Folder) -> None:
    (locked.path / FAILURES_FILENAME).write_text("{garbage")
    result = cli(locked.path, "unlock", password=WRONG_PASSWORD)
    assert result.returncode == 3
    assert json.loads((locked.path / FAILURES_FILENAME).read_text())["failures"] == 4


def test_status_json(locked: Folder, unlocked: Folder, anonymous: Folder) -> None:
    without = json.loads(cli(locked.path, "status", "--json").stdout)
    assert without["state"] == "claimed" and without["database_locked"] and without["pii_locked"]
    assert without["lock_with_password"] is True and without["email"] is None
    full = json.loads(cli(locked.path, "status", "--json", password=PASSWORD).stdout)
    assert full["email"] == "sam.rivera@example.org"
    assert full["pii_locked"] is False and full["unsealed_pii_fields"] == 0 and full["key_mode"] == "password"
    wrong = cli(locked.path, "status", "--json", password=WRONG_PASSWORD)
    assert wrong.returncode == 3
    off = json.loads(cli(unlocked.path, "status", "--json").stdout)
    assert off["state"] == "claimed" and off["lock_with_password"] is False and off["key_mode"] == "device"
    anon = json.loads(cli(anonymous.path, "status", "--json").stdout)
    assert anon["state"] == "anonymous" and anon["email"] is None
    text = cli(locked.path, "status", password=PASSWORD)
    assert "Lock with password: on" in text.stdout


def test_lock_closes_and_wipes(open_locked) -> None:
    app, folder = open_locked
    data_key = app.keys.data_key
    db_key = app.keys.db_key
    lock(app)
    assert not any(data_key) and not any(db_key)
    with pytest.raises(AuthenticationError):
        open_app_data(folder.path)
    with open_app_data(folder.path, PASSWORD) as again:
        assert any(again.keys.data_key)


def test_idle_lock_minutes(open_locked) -> None:
    app, _ = open_locked
    ctx = UserContext.from_app(app)
    assert idle_lock_minutes(ctx) == 15
    assert set_idle_lock_minutes(ctx, 5) == 5
    assert idle_lock_minutes(ctx) == 5
    for bad in (-1, 1441, "10", 2.5, True):
        with pytest.raises(UserInputError, match="idle_lock_minutes"):
            set_idle_lock_minutes(ctx, bad)
    assert idle_lock_minutes(ctx) == 5


def test_set_lock_in_process_wrong_password_changes_nothing(open_unlocked) -> None:
    app, folder = open_unlocked
    before = (folder.path / "device.key").read_bytes()
    with pytest.raises(WrongPasswordError):
        set_lock_with_password(app, True, WRONG_PASSWORD)
    assert (folder.path / "device.key").read_bytes() == before
    assert not (folder.path / "vault.json").exists()
    assert app.keys.mode == "device"


def test_unlock_vault_direct(locked: Folder) -> None:
    keys = unlock_vault(locked.path, PASSWORD)
    try:
        assert keys.mode == "password"
        assert key_opens(locked.path / "dreamtree.db", keys.db_key)
    finally:
        keys.wipe()
