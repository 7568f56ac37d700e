"""Kill -9 between the steps of every key change: the folder reopens with exactly the right secret.

Each case runs the real operation in a child process (crash_runner.py) that SIGKILLs itself at a
named vault.fault_point, then inspects and reopens what it left on disk.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
from acct_helpers import NEW_PASSWORD, PASSWORD, PYTHON, ROOT, Folder, stored_pii
from argon2 import PasswordHasher

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.context import LOST, UserContext
from dreamtree_desktop.errors import AuthenticationError
from dreamtree_desktop.pii import LOST_MARKER
from dreamtree_desktop.security.errors import WrongPasswordError
from dreamtree_desktop.security.keywrap import WrappedKey, unwrap_with_password
from dreamtree_desktop.security.unlock import unlock_vault
from dreamtree_desktop.security.vault import (
    key_bound_files,
    key_opens,
    open_vault,
    read_vault,
)
from dreamtree_desktop.storage.backups import make_backup
from dreamtree_desktop.storage.keystore import key_mode, read_device_keys

RUNNER = Path(__file__).with_name("crash_runner.py")


def crash(folder: Path, action: str, point: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DREAMTREE_")}
    env.update(DREAMTREE_PASSWORD=PASSWORD, DREAMTREE_NEW_PASSWORD=NEW_PASSWORD)
    result = subprocess.run([PYTHON, str(RUNNER), str(folder), action, point], capture_output=True, text=True,
                            env=env, cwd=ROOT, timeout=180)
    assert result.returncode == -signal.SIGKILL, f"not killed at {point}: {result.stdout}{result.stderr}"


def _vault_db_key(folder: Path) -> bytes | None:
    for name in ("vault.json", "vault.json.new"):
        if (folder / name).exists():
            db_key, _ = open_vault(read_vault(folder / name), PASSWORD)
            return bytes(db_key)
    return None


def _device_db_key(folder: Path) -> bytes | None:
    for name in ("device.key", "device.key.new"):
        if (folder / name).exists():
            return bytes(read_device_keys(folder, name).db_key)
    return None


def _pii_readable(app, folder: Folder) -> None:
    ctx = UserContext.from_app(app)
    for cell, stored in stored_pii(app, folder.seeded).items():
        assert ctx.unseal(*cell, stored) == folder.seeded.pii[cell]


def _add_backup(folder: Path, password: str | None) -> None:
    with open_app_data(folder, password) as app:
        make_backup(app.db, app.backup_dir, app.keys.db_key, reason="older")


LOCK_ON_POINTS = ["lock-on:vault-new-written", "lock-on:rekeyed", "lock-on:vault-renamed",
                  "lock-on:backups-rekeyed", "lock-on:device-key-removed"]


@pytest.mark.parametrize("point", LOCK_ON_POINTS)
def test_crash_during_lock_on(unlocked: Folder, point: str) -> None:
    folder = unlocked.path
    _add_backup(folder, None)
    old_key = read_device_keys(folder).db_key
    crash(folder, "lock-on", point)

    db = folder / "dreamtree.db"
    new_key = _vault_db_key(folder)
    assert new_key is not None
    old_opens, new_opens = key_opens(db, old_key), key_opens(db, new_key)
    assert old_opens != new_opens, "exactly one of (old key file, new vault) opens the database"
    committed = point != "lock-on:vault-new-written"
    assert new_opens is committed

    if not committed:
        assert key_mode(folder) == "device"
        with open_app_data(folder) as app:
            assert app.keys.mode == "device" and bytes(app.keys.db_key) == bytes(old_key)
            assert app.db.scalar("SELECT lock_with_password FROM user_settings") == 0
            _pii_readable(app, unlocked)
        assert not (folder / "vault.json.new").exists() and not (folder / "vault.json").exists()
        for backup in key_bound_files(folder):
            assert key_opens(backup, old_key)
        return

    assert key_mode(folder) == "password"
    with pytest.raises(AuthenticationError):
        open_app_data(folder)
    with open_app_data(folder, PASSWORD) as app:
        assert app.keys.mode == "password" and bytes(app.keys.db_key) == new_key
        assert app.db.scalar("SELECT lock_with_password FROM user_settings") == 1
        _pii_readable(app, unlocked)
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == [
        "backups", "dreamtree.db", "vault.json"]
    backups = key_bound_files(folder)
    assert len(backups) >= 2
    for backup in backups:
        assert key_opens(backup, new_key) and not key_opens(backup, old_key)


LOCK_OFF_POINTS = ["lock-off:device-key-new-written", "lock-off:rekeyed", "lock-off:device-key-renamed",
                   "lock-off:backups-rekeyed"]


@pytest.mark.parametrize("point", LOCK_OFF_POINTS)
def test_crash_during_lock_off(locked: Folder, point: str) -> None:
    folder = locked.path
    _add_backup(folder, PASSWORD)
    vault_key = _vault_db_key(folder)
    crash(folder, "lock-off", point)

    db = folder / "dreamtree.db"
    device_key = _device_db_key(folder)
    assert device_key is not None
    old_opens, new_opens = key_opens(db, vault_key), key_opens(db, device_key)
    assert old_opens != new_opens, "exactly one of (old vault, new key file) opens the database"
    committed = point != "lock-off:device-key-new-written"
    assert new_opens is committed

    # The vault is still there, so the password is asked for either way.
    assert key_mode(folder) == "password"
    with open_app_data(folder, PASSWORD) as app:
        assert app.keys.mode == ("device" if committed else "password")
        assert app.db.scalar("SELECT lock_with_password FROM user_settings") == (0 if committed else 1)
        _pii_readable(app, locked)
        final_key = bytes(app.keys.db_key)
    assert not (folder / "device.key.new").exists()
    if committed:
        assert final_key == device_key
        assert not (folder / "vault.json").exists()
        with open_app_data(folder) as app:  # no password needed any more
            assert app.keys.mode == "device"
    else:
        assert final_key == vault_key
        assert not (folder / "device.key").exists()
    for backup in key_bound_files(folder):
        assert key_opens(backup, final_key)


def test_crash_after_vault_rewrap_in_password_change(locked: Folder) -> None:
    folder = locked.path
    crash(folder, "change-password", "password-change:vault-written")
    # The vault already holds the new password: it is the commit point.
    with pytest.raises(WrongPasswordError):
        open_app_data(folder, PASSWORD)
    with open_app_data(folder, NEW_PASSWORD) as app:
        auth = app.db.one("SELECT password_hash, wrapped_data_key FROM auth")
        vault = read_vault(folder / "vault.json")
        assert WrappedKey.from_json(auth["wrapped_data_key"]) == vault.wrapped_data_key
        assert PasswordHasher().verify(auth["password_hash"], NEW_PASSWORD)
        assert bytes(unwrap_with_password(auth["wrapped_data_key"], NEW_PASSWORD)) == bytes(app.keys.data_key)
        _pii_readable(app, locked)


@pytest.mark.parametrize("point", ["reset:staged", "reset:committed"])
def test_crash_during_reset_with_lock_off(unlocked: Folder, point: str) -> None:
    folder = unlocked.path
    before = read_device_keys(folder)
    crash(folder, "reset", point)
    assert (folder / "device.key.new").exists()
    with open_app_data(folder) as app:
        after = read_device_keys(folder)
        auth = app.db.scalar("SELECT wrapped_data_key FROM auth")
        if point == "reset:staged":
            assert bytes(after.data_key) == bytes(before.data_key)
            _pii_readable(app, unlocked)
            assert bytes(unwrap_with_password(auth, PASSWORD)) == bytes(after.data_key)
        else:
            assert bytes(after.data_key) != bytes(before.data_key)
            assert set(stored_pii(app, unlocked.seeded).values()) == {LOST_MARKER}
            ctx = UserContext.from_app(app)
            cell = next(iter(unlocked.seeded.pii))
            assert ctx.unseal(*cell, LOST_MARKER) is LOST
            assert bytes(unwrap_with_password(auth, NEW_PASSWORD)) == bytes(after.data_key)
    assert not (folder / "device.key.new").exists()


def test_interrupted_set_aside_is_finished_on_open(locked: Folder) -> None:
    folder = locked.path
    partial = folder / "locked-20260101T000000Z.partial"
    partial.mkdir()
    shutil.move(folder / "dreamtree.db", partial / "dreamtree.db")
    # Killed mid-move: the vault and backups are still in the folder.
    with open_app_data(folder) as app:  # a fresh, anonymous start
        assert app.created and app.keys.mode == "device"
    aside = folder / "locked-20260101T000000Z"
    assert {p.name for p in aside.iterdir()} >= {"dreamtree.db", "vault.json", "backups"}
    assert not partial.exists()
    keys = unlock_vault(aside, PASSWORD)
    try:
        assert key_opens(aside / "dreamtree.db", keys.db_key)
    finally:
        keys.wipe()
