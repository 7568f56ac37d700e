"""Claiming the anonymous user: email, PHC hash, wrapped data key, validation, email changes."""

from __future__ import annotations

import json
import stat

import pytest
from acct_helpers import EMAIL, EMAIL_STORED, PASSWORD, Folder, cli, stored_pii
from argon2 import PasswordHasher

from dreamtree_desktop.accounts import change_email, derive_secrets, normalize_email
from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.clock import now_iso
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.errors import UserInputError
from dreamtree_desktop.ids import new_id
from dreamtree_desktop.security.kdf import LABEL_AUTH, LABEL_KEK, derive_master, derive_subkey
from dreamtree_desktop.security.keywrap import WrappedKey, unwrap_with_kek, unwrap_with_password


def test_claim_stores_email_hash_wrapped_key_and_locks(anonymous: Folder) -> None:
    result = cli(anonymous.path, "claim", "--email", EMAIL, password=PASSWORD)
    assert result.returncode == 0, result.stderr
    assert EMAIL_STORED in result.stdout
    assert not (anonymous.path / "device.key").exists()
    vault = anonymous.path / "vault.json"
    assert stat.S_IMODE(vault.stat().st_mode) == 0o600
    assert set(json.loads(vault.read_text())) == {"v", "kdf", "wrapped_db_key", "wrapped_data_key"}

    with open_app_data(anonymous.path, PASSWORD) as app:
        uid = app.user_id
        assert app.db.scalar("SELECT is_anonymous FROM users WHERE id = ?", (uid,)) == 0
        emails = app.db.query("SELECT email, is_active FROM emails WHERE user_id = ?", (uid,))
        assert [(r["email"], r["is_active"]) for r in emails] == [(EMAIL_STORED, 1)]
        auth = app.db.one("SELECT type, password_hash, wrapped_data_key FROM auth WHERE user_id = ?", (uid,))
        assert auth["type"] == "password"
        assert auth["password_hash"].startswith("$argon2id$v=19$m=65536,t=3,p=4$")
        assert PasswordHasher().verify(auth["password_hash"], PASSWORD)
        wrapped = WrappedKey.from_json(auth["wrapped_data_key"])
        assert (wrapped.kdf.m_kib, wrapped.kdf.t, wrapped.kdf.p, len(wrapped.kdf.salt)) == (65536, 3, 4, 16)
        # The data key is the one the device key file held: PII sealed while anonymous stays readable.
        old_data_key = bytes.fromhex(json.loads(anonymous.old_device_key)["data_key"])
        assert bytes(unwrap_with_password(auth["wrapped_data_key"], PASSWORD)) == old_data_key
        assert bytes(app.keys.data_key) == old_data_key
        ctx = UserContext.from_app(app)
        for (table, column, row_id), stored in stored_pii(app, anonymous.seeded).items():
            assert ctx.unseal(table, column, row_id, stored) == anonymous.seeded.pii[(table, column, row_id)]
        assert app.db.scalar("SELECT lock_with_password FROM user_settings WHERE user_id = ?", (uid,)) == 1


def test_claim_without_lock_keeps_device_key(anonymous: Folder) -> None:
    result = cli(anonymous.path, "claim", "--email", EMAIL, "--no-lock", password=PASSWORD)
    assert result.returncode == 0, result.stderr
    assert (anonymous.path / "device.key").read_bytes() == anonymous.old_device_key
    assert not (anonymous.path / "vault.json").exists()
    with open_app_data(anonymous.path) as app:
        assert app.db.scalar("SELECT lock_with_password FROM user_settings") == 0
        assert app.db.scalar("SELECT count(*) FROM auth") == 1


def _unchanged_anonymous(folder: Folder) -> None:
    assert (folder.path / "device.key").read_bytes() == folder.old_device_key
    assert not (folder.path / "vault.json").exists()
    with open_app_data(folder.path) as app:
        assert app.db.scalar("SELECT count(*) FROM auth") == 0
        assert app.db.scalar("SELECT count(*) FROM emails") == 0
        assert app.db.scalar("SELECT is_anonymous FROM users") == 1


@pytest.mark.parametrize(
    ("password", "problems"),
    [
        ("short1", ["at least 10 characters"]),
        ("letmein", ["at least 10 characters", "10,000 most common"]),
        ("QwertyUiop", ["10,000 most common"]),
        ("sam.rivera@example.org", ["email address"]),
    ],
)
def test_weak_password_is_refused_listing_problems(
    anonymous: Folder, password: str, problems: list[str]
) -> None:
    result = cli(anonymous.path, "claim", "--email", EMAIL, password=password)
    assert result.returncode == 2
    for problem in problems:
        assert problem in result.stderr
    if "@" not in password:
        assert password not in result.stderr  # never echoed
    _unchanged_anonymous(anonymous)


@pytest.mark.parametrize("email", ["no-at-sign", "two@@example.org", "a b@example.org", "x@localhost",
                                   "dot.@example.org", "", "a" * 250 + "@x.org"])
def test_invalid_email_is_refused(anonymous: Folder, email: str) -> None:
    result = cli(anonymous.path, "claim", "--email", email, password=PASSWORD)
    assert result.returncode == 2
    assert "email" in result.stderr
    _unchanged_anonymous(anonymous)


def test_claim_with_an_email_already_used_is_refused(anonymous: Folder) -> None:
    stamp = now_iso()
    with open_app_data(anonymous.path) as app, app.db.transaction():
        other = new_id()
        app.db.execute("INSERT INTO users(id, is_anonymous, created_at, updated_at) VALUES (?, 0, ?, ?)",
                       (other, stamp, stamp))
        app.db.execute("INSERT INTO emails(id, user_id, email, is_active, added_at) VALUES (?, ?, ?, 1, ?)",
                       (new_id(), other, EMAIL_STORED, stamp))
    result = cli(anonymous.path, "claim", "--email", EMAIL, password=PASSWORD)
    assert result.returncode == 2
    assert "already used" in result.stderr
    assert (anonymous.path / "device.key").read_bytes() == anonymous.old_device_key
    with open_app_data(anonymous.path) as app:
        assert app.db.scalar("SELECT count(*) FROM auth") == 0


def test_claiming_twice_is_refused(locked: Folder) -> None:
    result = cli(locked.path, "claim", "--email", "new@example.org", password=PASSWORD)
    assert result.returncode == 2
    assert "already has an account" in result.stderr


def test_normalize_email() -> None:
    assert normalize_email("  MiXeD.Case+tag@Sub.Example.COM\n") == "mixed.case+tag@sub.example.com"
    with pytest.raises(UserInputError, match="email"):
        normalize_email("nobody@nowhere")


def test_change_email_adds_a_row_and_has_no_crypto_effect(open_locked) -> None:
    app, folder = open_locked
    ctx = UserContext.from_app(app)
    before_auth = tuple(app.db.one("SELECT password_hash, wrapped_data_key FROM auth"))
    before_vault = (folder.path / "vault.json").read_bytes()
    before_pii = stored_pii(app, folder.seeded)

    assert change_email(ctx, " New.Address@Example.NET ") == "new.address@example.net"
    rows = {r["email"]: r["is_active"] for r in app.db.query("SELECT email, is_active FROM emails")}
    assert rows == {EMAIL_STORED: 0, "new.address@example.net": 1}
    # Going back to an address used before reactivates its row.
    change_email(ctx, EMAIL_STORED)
    rows = {r["email"]: r["is_active"] for r in app.db.query("SELECT email, is_active FROM emails")}
    assert rows == {EMAIL_STORED: 1, "new.address@example.net": 0}

    assert tuple(app.db.one("SELECT password_hash, wrapped_data_key FROM auth")) == before_auth
    assert (folder.path / "vault.json").read_bytes() == before_vault
    assert stored_pii(app, folder.seeded) == before_pii


def test_change_email_refuses_used_invalid_and_current(open_locked) -> None:
    app, _ = open_locked
    ctx = UserContext.from_app(app)
    other = new_id()
    stamp = now_iso()
    with app.db.transaction():
        app.db.execute("INSERT INTO users(id, is_anonymous, created_at, updated_at) VALUES (?, 0, ?, ?)",
                       (other, stamp, stamp))
        app.db.execute("INSERT INTO emails(id, user_id, email, is_active, added_at) VALUES (?, ?, ?, 1, ?)",
                       (new_id(), other, "taken@example.org", stamp))
    before = [tuple(r) for r in app.db.query("SELECT * FROM emails ORDER BY email")]
    with pytest.raises(UserInputError, match="already used"):
        change_email(ctx, "TAKEN@example.org")
    with pytest.raises(UserInputError, match="not a valid"):
        change_email(ctx, "not an email")
    with pytest.raises(UserInputError, match="already your email"):
        change_email(ctx, EMAIL_STORED)
    assert [tuple(r) for r in app.db.query("SELECT * FROM emails ORDER BY email")] == before


def test_change_email_cli(locked: Folder) -> None:
    result = cli(locked.path, "change-email", "--email", "Fresh@Example.org", password=PASSWORD)
    assert result.returncode == 0, result.stderr
    status = cli(locked.path, "status", "--json", password=PASSWORD)
    assert json.loads(status.stdout)["email"] == "fresh@example.org"
    again = cli(locked.path, "change-email", "--email", "fresh@example.org", password=PASSWORD)
    assert again.returncode == 2


def test_derive_secrets_one_master_two_labels(open_locked) -> None:
    app, _ = open_locked
    wrapped = WrappedKey.from_json(app.db.scalar("SELECT wrapped_data_key FROM auth"))
    kek, auth_secret = derive_secrets(PASSWORD, wrapped.kdf.to_dict())
    master = derive_master(PASSWORD, wrapped.kdf)
    assert kek == derive_subkey(master, LABEL_KEK)
    assert auth_secret == derive_subkey(master, LABEL_AUTH)
    assert kek != auth_secret and len(kek) == len(auth_secret) == 32
    assert bytes(unwrap_with_kek(wrapped, kek)) == bytes(app.keys.data_key)
    # The auth secret is not a key that unwraps anything.
    with pytest.raises(Exception, match=r"[Ww]rong password"):
        unwrap_with_kek(wrapped, auth_secret)
