"""The first sync of a new computer writes no record base (sync/bases.py, "Bases from the
mirror"): the server's items it writes are the bases. Against the real local worker: the merges
that follow decide as they would with the bases written, through a key rotation, and a reset
adoption still means nothing agreed."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from sync_helpers import PLAIN_PROMPT, cli, mailed_code, opened
from test_sync_cases import _person
from test_sync_devices import edit, make_account, sign_in, sync

from dreamtree_desktop.portability.merge import MODULE_BASE
from dreamtree_desktop.portability.revisions import get_revision, list_revisions
from dreamtree_desktop.sync import cloud_account
from dreamtree_desktop.sync.bases import META_FROM_MIRROR, load_bases, load_bases_for
from dreamtree_desktop.tools import _common, contacts, flow

pytestmark = pytest.mark.cloud


def _rows(folder: Path) -> int:
    with opened(folder) as (app, _ctx):
        return int(app.db.scalar("SELECT COUNT(*) FROM sync_record_bases"))


def _flagged(folder: Path) -> bool:
    with opened(folder) as (app, _ctx):
        return app.db.scalar("SELECT 1 FROM app_meta WHERE key = ?", (META_FROM_MIRROR,)) is not None


def _flow_id(folder: Path, activity: str) -> str:
    with opened(folder) as (_app, ctx):
        return next(r["id"] for r in flow.list_(ctx) if r["activity"] == activity)


def test_a_first_sync_writes_no_base_and_a_conflict_after_it_still_merges_field_wise(
        cloud_server, seeded_template, tmp_path):
    account = make_account(cloud_server.url, seeded_template, tmp_path, standalone=("shared log",))
    a = account.a
    b = sign_in(account, seeded_template, tmp_path, "B")
    row = _flow_id(a, "shared log")
    assert _rows(b) == 0 and _flagged(b)
    with opened(a) as (_app, ctx_a), opened(b) as (_app_b, ctx_b):
        # The bases read are the ones the device that made the copy holds.
        assert load_bases(ctx_b) == load_bases(ctx_a)
        wanted = [("user_flow_logs", row), (MODULE_BASE, "1.1"), ("user_flow_logs", "no-such-row")]
        assert load_bases_for(ctx_b, wanted) == load_bases_for(ctx_a, wanted)
        assert len(load_bases_for(ctx_b, wanted)) == 2

    # A module changed on A only replaces B's unchanged one: no conflict, nothing kept.
    edit(a, PLAIN_PROMPT, "A's words after B signed in")
    sync(a)
    got = sync(b)
    assert got.applied and not got.revisions_kept
    with opened(b) as (_app, ctx):
        assert list_revisions(ctx, "1.1") == []

    # One record edited on both sides: the field changed on A only survives, the field changed on
    # both goes to the newer edit and the older value is kept as a version of that field.
    with opened(a) as (_app, ctx):
        flow.update(ctx, row, {"activity": "A's words", "energy": -2})
    time.sleep(0.05)
    with opened(b) as (_app, ctx):
        flow.update(ctx, row, {"activity": "B's later words"})
    sync(a)
    merged = sync(b)  # the merge is made on B, with the bases its first sync left
    assert f"user_flow_logs/{row}" in merged.records["merged"], merged.records
    sync(a)
    for folder in (a, b):
        with opened(folder) as (_app, ctx):
            record = flow.get(ctx, row)
            assert (record["activity"], record["energy"]) == ("B's later words", -2), folder.name
            kept = list_revisions(ctx, record=f"user_flow_logs/{row}")
            assert [k.fields for k in kept] == [["activity"]], folder.name
            assert get_revision(ctx, kept[0].id)[1]["record"]["activity"] == "A's words"
    # Only what that sync changed became a row; the rest is still read from the items.
    assert 0 < _rows(b) < 10 and _flagged(b)


def _edit_person(folder: Path, row_id: str, values: dict[str, Any]) -> None:
    with opened(folder) as (_app, ctx):
        current = contacts._plain(ctx, _common.fetch_row(ctx, contacts.TABLE, row_id, "contact"))
        fields = {k: current[k] for k in ("company_id", "name", "title", "relationship_status", "notes",
                                          "linkedin_url")} | values
        with ctx.db.transaction():
            _common.update_row(ctx, contacts.TABLE, row_id, contacts._sealed(ctx, row_id, fields))


def _person_of(folder: Path, row_id: str) -> dict[str, Any]:
    with opened(folder) as (_app, ctx):
        return contacts._plain(ctx, _common.fetch_row(ctx, contacts.TABLE, row_id, "contact"))


def test_a_key_rotated_after_a_first_sync_keeps_the_bases_and_edits_still_merge_field_wise(
        cloud_server, seeded_template, tmp_path):
    account = make_account(cloud_server.url, seeded_template, tmp_path, standalone=("shared log",))
    a = account.a
    with opened(a) as (_app, ctx):
        person = _person(ctx, "Ada Lovelace")
    sync(a)
    b = sign_in(account, seeded_template, tmp_path, "B")
    assert _rows(b) == 0 and _flagged(b)
    with opened(b) as (_app, ctx):
        before = load_bases(ctx)

    rotated = cli(b, "account", "rotate-key")
    assert rotated.returncode == 0, rotated.stderr
    # The bases became rows, resealed with every other copy; none is read from the items now.
    assert _rows(b) == len(before) and not _flagged(b)
    with opened(b) as (_app, ctx):
        now = load_bases(ctx)
        assert now.keys() == before.keys()
        sealed = now[(contacts.TABLE, person)]["name"]
        assert sealed != before[(contacts.TABLE, person)]["name"]
        assert ctx.read_sealed(contacts.TABLE, "name", person, sealed) == "Ada Lovelace"
    assert cli(b, "sync").returncode == 0
    assert cli(a, "sync").returncode == 3  # A is asked to sign in again: it takes the new key
    again = cli(a, "account", "login", "--server", account.url, "--email", account.email)
    assert again.returncode == 0, again.stdout + again.stderr
    assert cli(a, "sync").returncode == 0

    # A sealed contact edited on both sides, a different field on each: both edits survive.
    _edit_person(a, person, {"title": "Countess"})
    time.sleep(0.05)
    _edit_person(b, person, {"notes": "wrote the first program"})
    sync(a)
    merged = sync(b)
    assert f"{contacts.TABLE}/{person}" in merged.records["merged"], merged.records
    sync(a)
    for folder in (a, b):
        got = _person_of(folder, person)
        assert (got["name"], got["title"], got["notes"]) == ("Ada Lovelace", "Countess",
                                                             "wrote the first program"), folder.name
        with opened(folder) as (_app, ctx):
            assert list_revisions(ctx, record=f"{contacts.TABLE}/{person}") == [], folder.name


def test_adopting_a_reset_after_a_first_sync_means_nothing_agreed(cloud_server, seeded_template, tmp_path,
                                                                  monkeypatch):
    from dreamtree_desktop.sync.errors import PasswordChangedElsewhere
    from dreamtree_desktop.sync.recovery import reset_cloud_password

    account = make_account(cloud_server.url, seeded_template, tmp_path, standalone=("kept through the reset",))
    b = sign_in(account, seeded_template, tmp_path, "B")
    assert _rows(b) == 0 and _flagged(b)
    new_password = "juniper-compass-64"
    with opened(account.a) as (app, _ctx):
        reset = reset_cloud_password(app, account.url, account.email, new_password,
                                     ask_code=mailed_code(cloud_server))
    assert reset.sync_error is None
    with pytest.raises(PasswordChangedElsewhere):
        sync(b)

    seen: list[tuple[int, dict[tuple[str, str], Any], bool]] = []
    original = cloud_account._sync_rounds

    def rounds(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        flag = ctx.db.scalar("SELECT 1 FROM app_meta WHERE key = ?", (META_FROM_MIRROR,)) is not None
        seen.append((int(ctx.db.scalar("SELECT COUNT(*) FROM sync_record_bases")), load_bases(ctx), flag))
        return original(ctx, *args, **kwargs)

    monkeypatch.setattr(cloud_account, "_sync_rounds", rounds)
    with opened(b) as (app, _ctx):
        signed = cloud_account.login(app, account.url, account.email, new_password)
    assert signed.sync_error is None and signed.cleared_fields > 0
    # The sync after the adoption starts from nothing agreed: no row, none read from the items.
    assert seen == [(0, {}, False)]
    with opened(b) as (_app, ctx):
        assert "kept through the reset" in [r["activity"] for r in flow.list_(ctx)]
    assert sync(account.a) is not None
    assert not sync(b).pushed
