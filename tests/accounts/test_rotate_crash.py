"""Kill -9 between the steps of a key rotation, with the password lock on and off: the folder
reopens with either the whole old key or the whole new key, and every personal value reads back."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest
from acct_helpers import PASSWORD, PYTHON, ROOT, Folder, cli, stored_pii

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.security.envelope import decrypt_value
from dreamtree_desktop.security.errors import EnvelopeError
from dreamtree_desktop.security.keywrap import unwrap_with_password
from dreamtree_desktop.security.vault import open_vault, read_vault
from dreamtree_desktop.storage.keystore import key_mode, read_device_keys

RUNNER = Path(__file__).with_name("crash_runner.py")
POINTS = ["rotate:staged", "rotate:committed"]


def _kill_at(folder: Path, point: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DREAMTREE_")}
    env["DREAMTREE_PASSWORD"] = PASSWORD
    result = subprocess.run([PYTHON, str(RUNNER), str(folder), "rotate", point], capture_output=True,
                            text=True, env=env, cwd=ROOT, timeout=180)
    assert result.returncode == -signal.SIGKILL, f"not killed at {point}: {result.stdout}{result.stderr}"


def _data_key(folder: Path) -> bytes:
    if key_mode(folder) == "password":
        return bytes(open_vault(read_vault(folder / "vault.json"), PASSWORD)[1])
    return bytes(read_device_keys(folder).data_key)


def _opens_under(folder: Folder, key: bytes) -> None:
    """Every seeded personal value is stored sealed under `key` and reads back as it was typed."""
    password = PASSWORD if key_mode(folder.path) == "password" else None
    with open_app_data(folder.path, password) as app:
        assert bytes(app.keys.data_key) == key
        ctx = UserContext.from_app(app)
        for (table, column, row_id), stored in stored_pii(app, folder.seeded).items():
            assert ctx.unseal(table, column, row_id, stored) == folder.seeded.pii[(table, column, row_id)]
            decrypt_value(key, stored, user_id=app.user_id, table=table, column=column, row_id=row_id)
        wrapped = app.db.scalar("SELECT wrapped_data_key FROM auth WHERE user_id = ?", (app.user_id,))
    assert bytes(unwrap_with_password(wrapped, PASSWORD)) == key


def _staged_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith((".new", ".rotate")))


@pytest.mark.parametrize("point", POINTS)
def test_a_kill_during_rotation_with_the_lock_on_leaves_one_whole_key(locked: Folder, point: str) -> None:
    folder = locked.path
    old = _data_key(folder)
    _kill_at(folder, point)
    assert _staged_files(folder) == ["vault.json.rotate"]
    # Unlocking settles what the kill left: the staged vault is dropped before the commit and
    # promoted after it.
    expected_new = point == "rotate:committed"
    with open_app_data(folder, PASSWORD) as app:
        now = bytes(app.keys.data_key)
    assert (now != old) == expected_new
    assert _staged_files(folder) == []
    assert key_mode(folder) == "password"
    assert _data_key(folder) == now
    _opens_under(locked, now)
    # A rotation run afterwards completes normally.
    assert cli(folder, "rotate-key", password=PASSWORD).returncode == 0
    _opens_under(locked, _data_key(folder))


@pytest.mark.parametrize("point", POINTS)
def test_a_kill_during_rotation_with_the_lock_off_leaves_one_whole_key(unlocked: Folder, point: str) -> None:
    folder = unlocked.path
    old = _data_key(folder)
    _kill_at(folder, point)
    assert _staged_files(folder) == ["device.key.new"]
    with open_app_data(folder) as app:
        now = bytes(app.keys.data_key)
    assert (now != old) == (point == "rotate:committed")
    assert _staged_files(folder) == []
    _opens_under(unlocked, now)


def test_rotating_with_the_lock_on_keeps_it_on_and_the_old_vault_opens_nothing_new(locked: Folder) -> None:
    folder = locked.path
    old_vault = (folder / "vault.json").read_bytes()
    old_key = _data_key(folder)
    wrong = cli(folder, "rotate-key", password="definitely-not-it-9")
    assert wrong.returncode == 3
    assert (folder / "vault.json").read_bytes() == old_vault
    done = cli(folder, "rotate-key", password=PASSWORD)
    assert done.returncode == 0, done.stderr
    assert "personal values re-encrypted" in done.stdout
    new_key = _data_key(folder)
    assert new_key != old_key and key_mode(folder) == "password"
    assert not (folder / "device.key").exists()
    _opens_under(locked, new_key)
    # The vault from before the rotation still unwraps its (old) key, which opens no value now stored.
    stale = folder / "stale-vault.json"
    stale.write_bytes(old_vault)
    stale_key = bytes(open_vault(read_vault(stale), PASSWORD)[1])
    with open_app_data(folder, PASSWORD) as app:
        stored = stored_pii(app, locked.seeded)
        uid = app.user_id
    for (table, column, row_id), value in stored.items():
        with pytest.raises(EnvelopeError):
            decrypt_value(stale_key, value, user_id=uid, table=table, column=column, row_id=row_id)


class _Stop(Exception):
    pass


@pytest.mark.parametrize("point", POINTS)
def test_a_key_taken_with_a_new_password_survives_a_stop_between_steps(
        locked: Folder, point: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Signing in on a locked folder can take the account's rotated key and its new password at
    once (accounts.rotate.adopt_account_key): the staged vault is under the new password. Stopped
    before the commit, the old password still opens the old key; after it, only the new one
    opens, and with the new key."""
    import secrets

    from acct_helpers import NEW_PASSWORD

    from dreamtree_desktop.accounts.credentials import new_credentials
    from dreamtree_desktop.accounts.rotate import replace_data_key
    from dreamtree_desktop.security import vault
    from dreamtree_desktop.security.errors import WrongPasswordError

    folder = locked.path
    old = _data_key(folder)
    account_key = bytearray(secrets.token_bytes(32))

    def stop(name: str) -> None:
        if name == point:
            raise _Stop(name)

    monkeypatch.setattr(vault, "fault_point", stop)
    with (open_app_data(folder, PASSWORD) as app, pytest.raises(_Stop),
          new_credentials(NEW_PASSWORD, account_key) as creds):
        replace_data_key(app, account_key, creds)
    monkeypatch.undo()
    assert _staged_files(folder) == ["vault.json.rotate"]
    committed = point == "rotate:committed"
    right, wrong = (NEW_PASSWORD, PASSWORD) if committed else (PASSWORD, NEW_PASSWORD)
    with pytest.raises(WrongPasswordError):
        open_app_data(folder, wrong)
    with open_app_data(folder, right) as app:
        assert bytes(app.keys.data_key) == (bytes(account_key) if committed else old)
        ctx = UserContext.from_app(app)
        for (table, column, row_id), stored in stored_pii(app, locked.seeded).items():
            assert ctx.unseal(table, column, row_id, stored) == locked.seeded.pii[(table, column, row_id)]
    assert _staged_files(folder) == []
