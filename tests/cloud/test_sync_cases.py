"""The ways sync used to lose data, each as a named case against the real local worker:
record-level merge of standalone records, revisions on every device that sees a conflict,
deduplication of identical sealed records, deletions that stay deleted."""

from __future__ import annotations

import time

import pytest
from sync_helpers import PLAIN_PROMPT, answer_of, opened, plain_export
from test_sync_devices import edit, make_account, sign_in, sync

from dreamtree_desktop.portability.revisions import get_revision, list_revisions
from dreamtree_desktop.tools import contacts, flow

pytestmark = pytest.mark.cloud


@pytest.fixture
def pair(cloud_server, seeded_template, tmp_path):
    account = make_account(cloud_server.url, seeded_template, tmp_path, standalone=("shared log",))
    b = sign_in(account, seeded_template, tmp_path, "B")
    return account.a, b


def _flow_id(folder, activity: str) -> str:
    with opened(folder) as (_app, ctx):
        return next(r["id"] for r in flow.list_(ctx) if r["activity"] == activity)


def _flow(folder, row_id: str) -> dict:
    with opened(folder) as (_app, ctx):
        return flow.get(ctx, row_id)


def test_case2_edits_of_different_fields_of_one_record_both_survive(pair):
    a, b = pair
    row = _flow_id(a, "shared log")
    with opened(a) as (_app, ctx):
        flow.update(ctx, row, {"activity": "renamed on A"})
    time.sleep(1.0)
    with opened(b) as (_app, ctx):
        flow.update(ctx, row, {"energy": -2})
    assert sync(a).pushed
    result_b = sync(b)
    assert f"user_flow_logs/{row}" in result_b.records["merged"], result_b.records
    assert "user_flow_logs" in result_b.summary() and "merged" in result_b.summary()
    sync(a)
    for folder in (a, b):
        record = _flow(folder, row)
        assert (record["activity"], record["energy"]) == ("renamed on A", -2), folder.name
    assert plain_export(a) == plain_export(b)


def test_case2_the_same_field_on_both_sides_newer_wins_and_the_other_is_a_revision(pair):
    a, b = pair
    row = _flow_id(a, "shared log")
    with opened(a) as (_app, ctx):
        flow.update(ctx, row, {"activity": "A's words"})
    time.sleep(0.05)
    with opened(b) as (_app, ctx):
        flow.update(ctx, row, {"activity": "B's later words"})
    sync(a)
    sync(b)
    sync(a)
    for folder in (a, b):
        assert _flow(folder, row)["activity"] == "B's later words"
        with opened(folder) as (_app, ctx):
            kept = list_revisions(ctx, record=f"user_flow_logs/{row}")
            assert [k.fields for k in kept] == [["activity"]], folder.name
            _info, held = get_revision(ctx, kept[0].id)
            assert held["record"]["activity"] == "A's words"


def test_case2_a_record_revision_can_be_restored(pair):
    from dreamtree_desktop.portability.revisions import restore_revision

    a, b = pair
    row = _flow_id(a, "shared log")
    with opened(a) as (_app, ctx):
        flow.update(ctx, row, {"activity": "A's words"})
    time.sleep(0.05)
    with opened(b) as (_app, ctx):
        flow.update(ctx, row, {"activity": "B's later words"})
    sync(a)
    sync(b)
    with opened(b) as (app, ctx):
        kept = list_revisions(ctx, record=f"user_flow_logs/{row}")
        assert restore_revision(ctx, kept[0].id, app.backup_dir, app.keys.db_key) == f"user_flow_logs/{row}"
        assert flow.get(ctx, row)["activity"] == "A's words"
    sync(b)
    sync(a)
    assert _flow(a, row)["activity"] == "A's words"


def test_case3_the_losing_module_version_is_kept_on_the_winning_device_too(pair):
    a, b = pair
    edit(b, PLAIN_PROMPT, "B's older words")
    edit(a, PLAIN_PROMPT, "A's newer words")
    sync(b)
    result_a = sync(a)  # A's version wins here, where the conflict is seen
    assert result_a.revisions_kept == ["module 1.1"]
    sync(b)
    for folder in (a, b):
        with opened(folder) as (_app, ctx):
            assert answer_of(ctx, PLAIN_PROMPT) == "A's newer words"
            held = [get_revision(ctx, r.id)[1] for r in list_revisions(ctx, "1.1")]
            assert any("B's older words" in str(unit) for unit in held), folder.name


def _person(ctx, name: str = "Same Person") -> str:
    """A contact as the Networking Prep tool writes it (sealed fields); the tool unlocks late in
    the workbook, so the row is written through the same helpers directly."""
    from dreamtree_desktop.ids import new_id
    from dreamtree_desktop.tools import _common

    values = {"company_id": None, "name": name, "title": "Engineer", "relationship_status": None,
              "notes": "met at the fair", "linkedin_url": None}
    row_id = new_id()
    with ctx.db.transaction():
        return _common.insert_row(ctx, contacts.TABLE, {**contacts._sealed(ctx, row_id, values), "origin": None},
                                  row_id=row_id)


def _delete_person(ctx, row_id: str) -> None:
    from dreamtree_desktop.tools import _common

    _common.delete_row(ctx, contacts.TABLE, row_id)


def _people(ctx) -> list[str]:
    rows = ctx.db.query("SELECT * FROM user_contacts WHERE user_id = ?", (ctx.user_id,))
    return sorted(contacts._plain(ctx, r)["name"] for r in rows)


def test_case4_identical_sealed_contacts_are_deduplicated(pair):
    a, b = pair
    with opened(a) as (_app, ctx):
        _person(ctx)
    with opened(b) as (_app, ctx):
        _person(ctx)
    sync(a)
    sync(b)
    sync(a)
    for folder in (a, b):
        with opened(folder) as (_app, ctx):
            assert _people(ctx) == ["Same Person"], folder.name
    assert plain_export(a) == plain_export(b)


def test_identical_contacts_deduplicate_before_the_sign_in_content_index_is_built(cloud_server, seeded_template,
                                                                                  tmp_path):
    """The sign-in leaves the content index for later; a sync that runs before anything built it
    builds it first: the same contact added on both computers is still one contact, and the
    new computer's round stays incremental."""
    account = make_account(cloud_server.url, seeded_template, tmp_path, standalone=("walk",))
    b = sign_in(account, seeded_template, tmp_path, "B")
    with opened(b) as (_app, ctx):
        assert ctx.db.scalar("SELECT COUNT(*) FROM sync_items WHERE kind = 'record' AND content_key IS NULL") >= 1
        _person(ctx)
    with opened(account.a) as (_app, ctx):
        _person(ctx)
    sync(account.a)
    result = sync(b)
    assert result.incremental, result.notes
    sync(account.a)
    for folder in (account.a, b):
        with opened(folder) as (_app, ctx):
            assert _people(ctx) == ["Same Person"], folder.name
            assert ctx.db.scalar("SELECT COUNT(*) FROM sync_items WHERE content_key IS NULL AND kind = 'record'") == 0
    assert plain_export(account.a) == plain_export(b)


def test_case5_a_deleted_contact_is_not_brought_back_by_an_older_identical_copy(pair):
    a, b = pair
    with opened(a) as (_app, ctx):
        original = _person(ctx)
    sync(a)
    with opened(b) as (_app, ctx):
        _person(ctx)  # made before the deletion, on a device that has not synced since
    time.sleep(0.05)
    with opened(a) as (_app, ctx):
        _delete_person(ctx, original)
    sync(a)
    sync(b)
    sync(a)
    for folder in (a, b):
        with opened(folder) as (_app, ctx):
            assert _people(ctx) == [], folder.name
    # One made after the deletion is a new contact and stays.
    with opened(b) as (_app, ctx):
        _person(ctx)
    sync(b)
    sync(a)
    for folder in (a, b):
        with opened(folder) as (_app, ctx):
            assert _people(ctx) == ["Same Person"], folder.name


def test_case6_a_password_changed_offline_is_sent_at_the_next_sync(cloud_server, seeded_template, tmp_path):
    from sync_helpers import PASSWORD, cli, new_folder

    from dreamtree_desktop.accounts import change_password
    from dreamtree_desktop.security.errors import WrongPasswordError
    from dreamtree_desktop.sync import cloud_account, service
    from dreamtree_desktop.sync.client import CloudClient
    from dreamtree_desktop.sync.errors import PasswordChangedElsewhere

    account = make_account(cloud_server.url, seeded_template, tmp_path)
    a = account.a
    b = sign_in(account, seeded_template, tmp_path, "B")
    new_password = "walnut-lantern-93"

    def offline(_server, token):
        return CloudClient("http://127.0.0.1:9", token, attempts=1)

    with opened(a) as (app, _ctx):
        change_password(app, PASSWORD, new_password)
        assert cloud_account.push_password_change(app, PASSWORD, new_password, connect=offline) == "deferred"
    status = cli(a, "sync", "--status")
    assert status.returncode == 0 and "gets it at the next sync" in status.stdout
    result = sync(a)
    assert any("offline" in n for n in result.notes)
    with opened(a) as (_app, ctx):
        assert not service.sync_status(ctx)["password_change_pending"]
    # A new computer signs in with the new password only.
    fresh = new_folder(seeded_template, tmp_path, "C")
    with opened(fresh) as (app, _ctx):
        with pytest.raises(WrongPasswordError):
            cloud_account.login(app, account.url, account.email, PASSWORD)
        cloud_account.login(app, account.url, account.email, new_password, lock=False)
    # B asks once for the new password (exit 3) and loses nothing made meanwhile.
    with opened(b) as (_app, ctx):
        flow.log(ctx, "written on B before it heard", 1, 4)
    with pytest.raises(PasswordChangedElsewhere) as asked:
        sync(b)
    assert asked.value.exit_code == 3 and "new password" in str(asked.value)
    done = cli(b, "sync")
    assert done.returncode == 3, done.stderr
    with opened(b) as (app, _ctx):
        assert cloud_account.login(app, account.url, account.email, new_password).sync_error is None
    sync(a)
    sync(fresh)
    for folder in (a, b, fresh):
        with opened(folder) as (_app, ctx):
            assert "written on B before it heard" in [r["activity"] for r in flow.list_(ctx)], folder.name
    # No ping-pong of the key block: once settled, syncs push nothing.
    for folder in (a, b, a, b):
        sync(folder)
    revision = sync(a).revision
    for folder in (b, a, fresh):
        again = sync(folder)
        assert not again.pushed and again.revision == revision, folder.name


def test_case8_a_sealed_value_that_does_not_open_refuses_the_sync_with_nothing_written(
        cloud_server, seeded_template, tmp_path):
    """A damaged copy (or a server rolling one field back to another key's envelope) is refused:
    exit 4, "the copy on the server is damaged", the field named, nothing written here."""
    import os

    from sync_helpers import PII_PROMPT, cli, post_items

    from dreamtree_desktop.portability import Catalog, export_document
    from dreamtree_desktop.security.envelope import encrypt_value
    from dreamtree_desktop.sync import state as sync_state
    from dreamtree_desktop.sync.errors import ServerDamaged

    account = make_account(cloud_server.url, seeded_template, tmp_path)
    a = account.a
    with opened(a) as (app, ctx):
        doc = export_document(ctx, Catalog.load(app.db))
        token = sync_state.stored_token(ctx)
        status = sync_state.sync_status(ctx)
    module = PII_PROMPT.rsplit(".", 2)[0]
    rows = doc["modules"][module]["rows"]["user_responses"]
    index = next(i for i, r in enumerate(rows) if r["prompt_id"] == PII_PROMPT)
    record = rows[index]
    # An envelope that is well formed, bound to the right cell, but sealed under another key.
    record["response_text"] = encrypt_value(os.urandom(32), "rolled back", user_id=doc["user"]["id"],
                                            table="user_responses", column="response_text", row_id=record["id"])
    put = post_items(account.url, token, [{"kind": "module", "key": module, "body": doc["modules"][module]}],
                     status["revision"])
    assert put.status_code == 200, put.text
    before = plain_export(a)
    with pytest.raises(ServerDamaged) as refused:
        sync(a)
    field = f"/modules/{module}/rows/user_responses/{index}/response_text"
    assert refused.value.exit_code == 4 and refused.value.field == field
    assert "copy on the server is damaged" in str(refused.value) and field in str(refused.value)
    assert plain_export(a) == before
    # The next sync repairs the cloud copy from this device, which still holds the value.
    done = cli(a, "sync")
    assert done.returncode == 0 and "replaced with this device's data" in done.stdout, done.stderr
    assert plain_export(a) == before
    with opened(a) as (_app, ctx):
        assert answer_of(ctx, PII_PROMPT) not in (None, "rolled back")
    fresh = sign_in(account, seeded_template, tmp_path, "C")
    assert plain_export(fresh) == before


def test_case7_a_forgotten_password_is_reset_through_the_cloud_and_every_device_follows(
        cloud_server, seeded_template, tmp_path):
    """A forgotten password: reset by a mailed code; a new data key; personal fields become the lost
    marker on the server and on each device at its next sign-in; everything else intact; the
    other devices ask for the new password once."""
    from sync_helpers import PASSWORD, PII_PROMPT, PLAIN_PROMPT, mailed_code, new_folder

    from dreamtree_desktop.context import LOST
    from dreamtree_desktop.security.errors import WrongPasswordError
    from dreamtree_desktop.sync import cloud_account, service
    from dreamtree_desktop.sync.errors import PasswordChangedElsewhere
    from dreamtree_desktop.sync.recovery import reset_cloud_password

    account = make_account(cloud_server.url, seeded_template, tmp_path, standalone=("kept through the reset",))
    a = account.a
    b = sign_in(account, seeded_template, tmp_path, "B")
    c = sign_in(account, seeded_template, tmp_path, "C", lock=True)
    with opened(a) as (_app, ctx):
        plain_before = answer_of(ctx, PLAIN_PROMPT)
        assert answer_of(ctx, PII_PROMPT) not in (None, LOST)
    new_password = "juniper-compass-64"
    with opened(a) as (app, _ctx):
        result = reset_cloud_password(app, account.url, account.email, new_password,
                                      ask_code=mailed_code(cloud_server))
    assert result.cleared_fields > 0 and result.sync_error is None and result.reset_at
    assert "can no longer be recovered" in result.message() and "everything else was kept" in result.message()

    def check(folder, password=None):
        with opened(folder, password) as (_app, ctx):
            assert answer_of(ctx, PII_PROMPT) is LOST, folder.name
            assert answer_of(ctx, PLAIN_PROMPT) == plain_before, folder.name
            assert "kept through the reset" in [r["activity"] for r in flow.list_(ctx)], folder.name

    check(a)
    # B: asked once for the new password, then follows the reset.
    with pytest.raises(PasswordChangedElsewhere):
        sync(b)
    with opened(b) as (app, _ctx):
        with pytest.raises(WrongPasswordError):
            cloud_account.login(app, account.url, account.email, PASSWORD)
        signed = cloud_account.login(app, account.url, account.email, new_password)
        assert signed.sync_error is None and signed.cleared_fields > 0
    check(b)
    # C, locked with the old password: opened with it, signed in with the new one, it is locked
    # with the new one from then on.
    with opened(c, PASSWORD) as (app, _ctx):
        assert cloud_account.login(app, account.url, account.email, new_password).sync_error is None
    check(c, new_password)
    # A new computer sees the account as it now is.
    d = new_folder(seeded_template, tmp_path, "D")
    with opened(d) as (app, _ctx):
        assert cloud_account.login(app, account.url, account.email, new_password, lock=False).sync_error is None
    check(d)

    def sync_c():
        with opened(c, new_password) as (app, ctx):
            return service.sync(ctx, app=app)

    # Each device cleared its own copy; one more round and they all hold the same.
    for _round in range(2):
        sync(a)
        sync(b)
        sync_c()
        sync(d)
    assert plain_export(a) == plain_export(b) == plain_export(d) == plain_export(c, new_password)
    assert not sync(a).pushed


def test_case7_the_reset_can_start_on_a_new_computer(cloud_server, seeded_template, tmp_path):
    from sync_helpers import PII_PROMPT, PLAIN_PROMPT, cli, new_folder, read_mailed_code

    from dreamtree_desktop.context import LOST
    from dreamtree_desktop.sync import cloud_account
    from dreamtree_desktop.sync.errors import PasswordChangedElsewhere

    account = make_account(cloud_server.url, seeded_template, tmp_path, standalone=("kept through the reset",))
    a = account.a
    with opened(a) as (_app, ctx):
        plain_before = answer_of(ctx, PLAIN_PROMPT)
    new_password = "saffron-glacier-71"
    fresh = new_folder(seeded_template, tmp_path, "N")
    # As a script runs it: the first run mails the code and stops (exit 3), the second gives it.
    first = cli(fresh, "account", "reset-password", "--yes", "--email", account.email, "--server", account.url,
                password=None, extra_env={"DREAMTREE_NEW_PASSWORD": new_password})
    assert first.returncode == 3 and "reset code was mailed" in first.stderr, first.stderr
    code = read_mailed_code(cloud_server, account.email)
    done = cli(fresh, "account", "reset-password", "--yes", "--email", account.email, "--server", account.url,
               "--code", code, password=None, extra_env={"DREAMTREE_NEW_PASSWORD": new_password})
    assert done.returncode == 0, done.stderr
    assert "can no longer be recovered on any device" in done.stdout and "everything else" in done.stdout
    with opened(fresh) as (_app, ctx):
        assert answer_of(ctx, PII_PROMPT) is LOST
        assert answer_of(ctx, PLAIN_PROMPT) == plain_before
        assert "kept through the reset" in [r["activity"] for r in flow.list_(ctx)]
    with pytest.raises(PasswordChangedElsewhere):
        sync(a)
    with opened(a) as (app, _ctx):
        assert cloud_account.login(app, account.url, account.email, new_password).cleared_fields > 0
    for folder in (fresh, a, fresh):
        sync(folder)
    assert plain_export(a) == plain_export(fresh)

