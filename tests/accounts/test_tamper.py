"""Tampered, malformed, swapped or truncated data: a clear error, never garbage, nothing changed."""

from __future__ import annotations

import base64
import json

import pytest
from acct_helpers import PASSWORD, Folder, cli, stored_pii

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.ids import new_id
from dreamtree_desktop.security.errors import EnvelopeError, KeyFileError
from dreamtree_desktop.security.vault import FAILURES_FILENAME, parse_vault


def _flip(envelope: str) -> str:
    body = json.loads(envelope)
    raw = bytearray(base64.b64decode(body["ciphertext"]))
    raw[0] ^= 0x01
    body["ciphertext"] = base64.b64encode(bytes(raw)).decode()
    return json.dumps(body, separators=(",", ":"))


def test_tampered_and_malformed_envelopes_in_real_rows(open_unlocked) -> None:
    app, folder = open_unlocked
    ctx = UserContext.from_app(app)
    cid = folder.seeded.contact_ids[0]
    stored = app.db.scalar("SELECT notes FROM user_contacts WHERE id = ?", (cid,))
    cases = {
        "tampered": _flip(stored),
        "not json": stored[:-5],
        "extra field": json.dumps({**json.loads(stored), "x": 1}),
        "bad base64": json.dumps({**json.loads(stored), "iv": "!!!"}),
        "short iv": json.dumps({**json.loads(stored), "iv": base64.b64encode(b"1234").decode()}),
        "version 2": json.dumps({**json.loads(stored), "v": 2}),
    }
    for name, bad in cases.items():
        with app.db.transaction():
            app.db.execute("UPDATE user_contacts SET notes = ? WHERE id = ?", (bad, cid))
        current = app.db.scalar("SELECT notes FROM user_contacts WHERE id = ?", (cid,))
        with pytest.raises(EnvelopeError) as info:
            ctx.unseal("user_contacts", "notes", cid, current)
        assert "PIITOKEN" not in str(info.value), name
    assert EnvelopeError.exit_code == 2


def test_ciphertext_moved_to_another_cell_fails(open_unlocked) -> None:
    app, folder = open_unlocked
    ctx = UserContext.from_app(app)
    first, second = folder.seeded.contact_ids
    name = app.db.scalar("SELECT name FROM user_contacts WHERE id = ?", (first,))
    # Copied into another column of the same row, into the same column of another row, into another
    # table, and read as another user: each fails authentication.
    with app.db.transaction():
        app.db.execute("UPDATE user_contacts SET title = ? WHERE id = ?", (name, first))
        app.db.execute("UPDATE user_contacts SET name = ? WHERE id = ?", (name, second))
        app.db.execute("UPDATE user_responses SET response_text = ? WHERE id = ?",
                       (name, folder.seeded.response_id))
    title = app.db.scalar("SELECT title FROM user_contacts WHERE id = ?", (first,))
    with pytest.raises(EnvelopeError, match="another user/table/column/row"):
        ctx.unseal("user_contacts", "title", first, title)
    second_name = app.db.scalar("SELECT name FROM user_contacts WHERE id = ?", (second,))
    with pytest.raises(EnvelopeError):
        ctx.unseal("user_contacts", "name", second, second_name)
    with pytest.raises(EnvelopeError):
        ctx.unseal("user_responses", "response_text", folder.seeded.response_id,
                   app.db.scalar("SELECT response_text FROM user_responses WHERE id = ?",
                                 (folder.seeded.response_id,)))
    other_user = UserContext(app.db, new_id(), app.keys.data_key)
    with pytest.raises(EnvelopeError):
        other_user.unseal("user_contacts", "name", first, name)
    # The original cell still opens.
    assert ctx.unseal("user_contacts", "name", first, name) == "PIITOKEN-contact-Marguerite"


def test_other_data_key_fails(open_unlocked) -> None:
    app, folder = open_unlocked
    stranger = UserContext(app.db, app.user_id, bytearray(32))
    stranger.data_key[0] = 1
    cid = folder.seeded.contact_ids[0]
    with pytest.raises(EnvelopeError):
        stranger.unseal("user_contacts", "name", cid,
                        app.db.scalar("SELECT name FROM user_contacts WHERE id = ?", (cid,)))


def test_truncated_wrapped_key_in_auth(unlocked: Folder) -> None:
    with open_app_data(unlocked.path) as app, app.db.transaction():
        wrapped = app.db.scalar("SELECT wrapped_data_key FROM auth")
        app.db.execute("UPDATE auth SET wrapped_data_key = ?", (wrapped[: len(wrapped) // 2],))
    result = cli(unlocked.path, "unlock", password=PASSWORD)
    assert result.returncode == 2
    assert "wrapped data key is damaged" in result.stderr
    assert not (unlocked.path / FAILURES_FILENAME).exists()
    lock_on = cli(unlocked.path, "lock", "on", password=PASSWORD)
    assert lock_on.returncode == 2
    assert (unlocked.path / "device.key").exists() and not (unlocked.path / "vault.json").exists()


@pytest.mark.parametrize("damage", ["truncate", "empty", "garbage", "top-level-kdf", "swap-field"])
def test_damaged_vault(locked: Folder, damage: str) -> None:
    path = locked.path / "vault.json"
    text = path.read_text()
    body = json.loads(text)
    if damage == "truncate":
        path.write_text(text[: len(text) - 40])
    elif damage == "empty":
        path.write_text("")
    elif damage == "garbage":
        path.write_bytes(b"\xff\xfe not a vault")
    elif damage == "top-level-kdf":
        body["kdf"]["t"] = 4
        path.write_text(json.dumps(body))
    else:
        body["wrapped_db_key"]["ciphertext"] = body["wrapped_db_key"]["ciphertext"][:-8]
        path.write_text(json.dumps(body))
    damaged = path.read_bytes()
    result = cli(locked.path, "unlock", password=PASSWORD)
    assert result.returncode == 2, result.stderr
    assert "vault.json is damaged" in result.stderr
    assert path.read_bytes() == damaged
    assert not (locked.path / FAILURES_FILENAME).exists()
    with pytest.raises(KeyFileError):
        parse_vault(damaged)


def test_vault_kdf_lowered_consistently_reads_as_wrong_password(locked: Folder) -> None:
    """Lowering t everywhere (to speed up guessing) breaks the authenticated parameters."""
    path = locked.path / "vault.json"
    body = json.loads(path.read_text())
    for part in (body, body["wrapped_db_key"], body["wrapped_data_key"]):
        part["kdf"]["t"] = 4
    path.write_text(json.dumps(body))
    result = cli(locked.path, "unlock", password=PASSWORD)
    assert result.returncode == 3
    assert "Wrong password" in result.stderr


def test_no_secret_in_error_output(locked: Folder) -> None:
    with open_app_data(locked.path, PASSWORD) as app:
        db_key_hex = bytes(app.keys.db_key).hex()
        data_key_hex = bytes(app.keys.data_key).hex()
        stored = stored_pii(app, locked.seeded)
    outputs = [
        cli(locked.path, "unlock", password="wrong-password-1"),
        cli(locked.path, "change-password", password=PASSWORD, new_password="short"),
        cli(locked.path, "status", "--json", password=PASSWORD),
    ]
    for result in outputs:
        text = result.stdout + result.stderr
        assert db_key_hex not in text and data_key_hex not in text
        assert PASSWORD not in text and "wrong-password-1" not in text
        for value in stored.values():
            assert value not in text
