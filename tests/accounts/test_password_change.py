"""Password change re-wraps the keys only: PII ciphertexts stay byte-identical."""

from __future__ import annotations

import pytest
from acct_helpers import NEW_PASSWORD, PASSWORD, WRONG_PASSWORD, Folder, cli, non_pii_rows, stored_pii
from argon2 import PasswordHasher

from dreamtree_desktop.accounts import change_password
from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.security.errors import WeakPasswordError, WrongPasswordError
from dreamtree_desktop.security.keywrap import WrappedKey, unwrap_with_password
from dreamtree_desktop.security.vault import read_vault


def _snapshot(folder: Folder, password: str | None) -> dict:
    with open_app_data(folder.path, password) as app:
        auth = app.db.one("SELECT password_hash, wrapped_data_key FROM auth")
        return {
            "pii": stored_pii(app, folder.seeded),
            "rows": non_pii_rows(app),
            "auth": (auth["password_hash"], auth["wrapped_data_key"]),
            "db_key": bytes(app.keys.db_key),
            "data_key": bytes(app.keys.data_key),
        }


@pytest.mark.parametrize("mode", ["locked", "unlocked"])
def test_change_keeps_pii_ciphertexts_byte_identical(mode: str, request: pytest.FixtureRequest) -> None:
    folder: Folder = request.getfixturevalue(mode)
    password_for_open = PASSWORD if mode == "locked" else None
    before = _snapshot(folder, password_for_open)
    vault_before = (folder.path / "vault.json").read_bytes() if mode == "locked" else None

    result = cli(folder.path, "change-password", password=PASSWORD, new_password=NEW_PASSWORD)
    assert result.returncode == 0, result.stderr

    after = _snapshot(folder, NEW_PASSWORD if mode == "locked" else None)
    assert after["pii"] == before["pii"]  # the stored envelopes, byte for byte
    assert all(isinstance(v, str) and v.startswith('{"v":1,"iv":') for v in after["pii"].values())
    assert after["rows"] == before["rows"]
    assert after["db_key"] == before["db_key"] and after["data_key"] == before["data_key"]
    new_hash, new_wrapped = after["auth"]
    assert new_hash != before["auth"][0] and new_wrapped != before["auth"][1]
    assert PasswordHasher().verify(new_hash, NEW_PASSWORD)
    assert bytes(unwrap_with_password(new_wrapped, NEW_PASSWORD)) == before["data_key"]
    with pytest.raises(WrongPasswordError):
        unwrap_with_password(new_wrapped, PASSWORD)
    if mode == "locked":
        vault = read_vault(folder.path / "vault.json")
        assert (folder.path / "vault.json").read_bytes() != vault_before
        assert vault.wrapped_data_key == WrappedKey.from_json(new_wrapped)
        assert cli(folder.path, "unlock", password=PASSWORD).returncode == 3
    assert cli(folder.path, "unlock", password=NEW_PASSWORD).returncode == 0
    with open_app_data(folder.path, NEW_PASSWORD if mode == "locked" else None) as app:
        ctx = UserContext.from_app(app)
        for cell, stored in stored_pii(app, folder.seeded).items():
            assert ctx.unseal(*cell, stored) == folder.seeded.pii[cell]


def test_change_with_wrong_old_password_changes_nothing(locked: Folder) -> None:
    vault_before = (locked.path / "vault.json").read_bytes()
    result = cli(locked.path, "change-password", password=WRONG_PASSWORD, new_password=NEW_PASSWORD)
    assert result.returncode == 3
    assert (locked.path / "vault.json").read_bytes() == vault_before


def test_change_to_weak_password_changes_nothing(open_unlocked) -> None:
    app, _ = open_unlocked
    before = tuple(app.db.one("SELECT password_hash, wrapped_data_key, updated_at FROM auth"))
    with pytest.raises(WeakPasswordError) as info:
        change_password(app, PASSWORD, "abc")
    assert "at least 10 characters" in str(info.value)
    assert tuple(app.db.one("SELECT password_hash, wrapped_data_key, updated_at FROM auth")) == before


def test_change_to_weak_password_cli_exit_2(locked: Folder) -> None:
    vault_before = (locked.path / "vault.json").read_bytes()
    result = cli(locked.path, "change-password", password=PASSWORD, new_password="sunshine")
    assert result.returncode == 2
    assert "10,000 most common" in result.stderr and "at least 10" in result.stderr
    assert (locked.path / "vault.json").read_bytes() == vault_before
