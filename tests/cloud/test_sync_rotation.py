"""A data key rotated on one device reaches the others, end to end against the real local worker:
device A rotates and syncs; device B (signed in earlier, its folder locked with the password)
syncs, is asked to sign in again, and ends with every personal value sealed under the new key and
readable, nothing lost; a copy of A's old key file or of B's old vault opens nothing stored now.
Everything goes through the command line, as a person would run it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sync_helpers import (
    PASSWORD,
    PII_PROMPT,
    answer,
    answer_of,
    answer_through,
    cli,
    mailed_code,
    new_email,
    new_folder,
    opened,
    own_identity,
    plain_export,
)

from dreamtree_desktop.accounts import unsealed_pii
from dreamtree_desktop.accounts.pii_audit import pii_cells
from dreamtree_desktop.pii import LOST_MARKER
from dreamtree_desktop.security.envelope import decrypt_value
from dreamtree_desktop.security.errors import EnvelopeError
from dreamtree_desktop.security.vault import open_vault, read_vault
from dreamtree_desktop.sync import cloud_account

pytestmark = pytest.mark.cloud


def _stored_envelopes(folder: Path, password: str | None) -> tuple[str, list[tuple[str, str, str, str]]]:
    with opened(folder, password) as (app, ctx):
        cells = [(c.table, c.column, c.row_id, c.value) for c in pii_cells(app.db, ctx.user_id)
                 if c.value is not None and c.value != LOST_MARKER]
        return ctx.user_id, cells


def _opens_none(key: bytes, folder: Path, password: str | None) -> None:
    uid, cells = _stored_envelopes(folder, password)
    assert cells
    for table, column, row_id, value in cells:
        with pytest.raises(EnvelopeError):
            decrypt_value(key, value, user_id=uid, table=table, column=column, row_id=row_id)


def _opens_all(key: bytes, folder: Path, password: str | None) -> None:
    uid, cells = _stored_envelopes(folder, password)
    for table, column, row_id, value in cells:
        decrypt_value(key, value, user_id=uid, table=table, column=column, row_id=row_id)


def _data_key(folder: Path) -> bytes:
    if (folder / "vault.json").exists():
        return bytes(open_vault(read_vault(folder / "vault.json"), PASSWORD)[1])
    return bytes.fromhex(json.loads((folder / "device.key").read_text())["data_key"])


def test_a_key_rotated_on_one_device_reaches_another(cloud_server, seeded_template, tmp_path):
    url, email = cloud_server.url, new_email("rotate")
    a = new_folder(seeded_template, tmp_path, "A")
    with opened(a) as (app, _ctx):
        ctx = own_identity(app)
        answer_through(ctx, "1.4.4")  # the budget, and module 1.4, personal throughout
        claimed = cloud_account.cloud_claim(app, url, PASSWORD, email=email, lock=False, ask_code=mailed_code(url))
    assert claimed.sync_error is None
    b = new_folder(seeded_template, tmp_path, "B")
    signed = cli(b, "account", "login", "--server", url, "--email", email)
    assert signed.returncode == 0, signed.stderr
    assert (b / "vault.json").exists()  # B is locked with the password
    old_key = _data_key(a)
    assert _data_key(b) == old_key
    old_key_file = (a / "device.key").read_bytes()
    old_vault = (b / "vault.json").read_bytes()
    before = plain_export(a)
    assert plain_export(b, PASSWORD) == before

    # B writes a personal answer it has not synced yet when A rotates: it must not be lost.
    with opened(b, PASSWORD) as (_app, ctx):
        answer(ctx, "1.4.2.giving", "offline on B before the rotation")
    rotated = cli(a, "account", "rotate-key")
    assert rotated.returncode == 0, rotated.stderr
    assert "the cloud account still has the old key" not in rotated.stderr
    new_key = _data_key(a)
    assert new_key != old_key
    synced = cli(a, "sync")
    assert synced.returncode == 0, synced.stdout + synced.stderr

    # B's session ended with the change: its sync asks for the password again (exit 3) ...
    asked = cli(b, "sync")
    assert asked.returncode == 3, asked.stdout + asked.stderr
    # ... and signing in takes the account's new key: every value re-sealed under it.
    again = cli(b, "account", "login", "--server", url, "--email", email)
    assert again.returncode == 0, again.stdout + again.stderr
    assert cli(b, "sync").returncode == 0
    assert _data_key(b) == new_key
    assert cli(a, "sync").returncode == 0
    with opened(a) as (_app, ctx):
        assert answer_of(ctx, "1.4.2.giving") == "offline on B before the rotation"
    after = plain_export(a)
    assert plain_export(b, PASSWORD) == after
    after["modules"]["1.4"] = before["modules"]["1.4"]
    assert after == before  # only B's new answer changed anything
    with opened(b, PASSWORD) as (_app, ctx):
        assert unsealed_pii(ctx) == []
    _opens_all(new_key, b, PASSWORD)
    _opens_all(new_key, a, None)

    # The old key, from A's copied key file or B's copied vault, opens nothing stored now.
    stale_file_key = bytes.fromhex(json.loads(old_key_file)["data_key"])
    stale = tmp_path / "stale-vault.json"
    stale.write_bytes(old_vault)
    stale_vault_key = bytes(open_vault(read_vault(stale), PASSWORD)[1])
    assert stale_file_key == stale_vault_key == old_key
    _opens_none(old_key, a, None)
    _opens_none(old_key, b, PASSWORD)
    # A later personal edit on B reaches A, sealed under the new key.
    with opened(b, PASSWORD) as (_app, ctx):
        answer(ctx, PII_PROMPT, "written on B after the rotation")
    assert cli(b, "sync").returncode == 0
    assert cli(a, "sync").returncode == 0
    with opened(a) as (_app, ctx):
        assert answer_of(ctx, PII_PROMPT) == "written on B after the rotation"
    _opens_all(new_key, a, None)
