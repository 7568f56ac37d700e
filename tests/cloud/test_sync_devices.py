"""Several desktop data folders on one cloud account, against the real local worker.

Device A is an anonymous folder with answers (some personal) and standalone tool items that
claims a cloud account; B and C sign in from fresh folders, as a new computer would.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from sync_helpers import (
    PASSWORD,
    PII_PROMPT,
    PLAIN_PROMPT,
    SECOND_MODULE_PROMPT,
    Proxy,
    answer,
    answer_of,
    answer_through,
    cli,
    flow_activities,
    mailed_code,
    new_email,
    new_folder,
    opened,
    own_identity,
    plain_export,
)

from dreamtree_desktop.accounts import account_status, unsealed_pii
from dreamtree_desktop.errors import AuthenticationError, ServiceError
from dreamtree_desktop.portability.revisions import get_revision, list_revisions
from dreamtree_desktop.security.envelope import is_envelope
from dreamtree_desktop.sync import cloud_account, service
from dreamtree_desktop.sync import state as sync_state
from dreamtree_desktop.sync.client import CloudClient, CloudUnreachable
from dreamtree_desktop.tools import flow

pytestmark = pytest.mark.cloud


@dataclass
class Account:
    url: str
    email: str
    a: Path  # the device that claimed the account


def make_account(url: str, seeded_template: Path, tmp_path: Path, *,
                 standalone: tuple[str, ...] = ()) -> Account:
    folder = new_folder(seeded_template, tmp_path, "A")
    email = new_email()
    with opened(folder) as (app, _ctx):
        ctx = own_identity(app)
        answer_through(ctx, "1.4.4")
        for activity in standalone:
            flow.log(ctx, activity, 2, 4, "2025-05-01")
        result = cloud_account.cloud_claim(app, url, PASSWORD, email=email, lock=False, ask_code=mailed_code(url))
    assert result.sync_error is None
    assert result.sync is not None and result.sync.pushed and result.sync.revision == 1
    return Account(url, email, folder)


def sign_in(account: Account, seeded_template: Path, tmp_path: Path, name: str, *,
            lock: bool = False) -> Path:
    folder = new_folder(seeded_template, tmp_path, name)
    with opened(folder) as (app, _ctx):
        result = cloud_account.login(app, account.url, account.email, PASSWORD, lock=lock)
    assert result.adopted and result.sync_error is None
    return folder


def sync(folder: Path, **kwargs) -> service.SyncResult:
    password = PASSWORD if (folder / "vault.json").exists() else None
    with opened(folder, password) as (app, ctx):
        return service.sync(ctx, app=app, **kwargs)


def edit(folder: Path, prompt_id: str, value: str) -> None:
    with opened(folder) as (_app, ctx):
        answer(ctx, prompt_id, value)
    time.sleep(0.005)  # the next edit anywhere gets a later millisecond


@pytest.fixture
def account(cloud_server, seeded_template, tmp_path) -> Account:
    return make_account(cloud_server.url, seeded_template, tmp_path,
                        standalone=("walk at dawn", "read a novel"))


def test_claim_uploads_everything_and_the_server_holds_no_personal_plaintext(cloud_server, account):
    with opened(account.a) as (app, ctx):
        user_id = ctx.user_id
        assert unsealed_pii(ctx) == []
        status = service.sync_status(ctx)
        token = sync_state.stored_token(ctx)
        stored_token = app.db.scalar("SELECT value FROM app_meta WHERE key = 'sync.token'")
        secrets = [str(answer_of(ctx, pid)) for pid in (PII_PROMPT, "1.4.2.circles", "1.4.4.kindness",
                                                         "1.2.4.benefits")]
    assert status["server"] == cloud_server.url and status["signed_in"] and status["revision"] == 1
    assert status["last_synced_at"]
    # The token is a bearer secret: sealed in the encrypted database, and in no file in clear.
    assert token and is_envelope(stored_token) and token not in stored_token
    for path in account.a.rglob("*"):
        if path.is_file():
            assert token.encode() not in path.read_bytes(), path.name

    rows = cloud_server.d1(f"SELECT revision FROM sync_heads WHERE user_id = '{user_id}'")
    assert rows == [{"revision": 1}]
    items = cloud_server.d1(f"SELECT kind, item_key, body FROM sync_items WHERE user_id = '{user_id}'")
    stored = json.dumps(items)
    head = next(json.loads(i["body"]) for i in items if i["kind"] == "head")
    assert head["user"]["id"] == user_id and head["pii"]["mode"] == "sealed"
    assert {i["kind"] for i in items} >= {"head", "module", "record"}
    # What D1 holds, every table, as text: the plain answers are there, the personal ones are not.
    everything = json.dumps([cloud_server.d1(f"SELECT * FROM {t}") for t in
                             ("users", "auth", "emails", "sessions", "sync_heads")])
    everything += stored
    assert "Answer to 1.1.2.top10-reflection" in everything  # the check can see plain text
    assert all(s and s != "None" for s in secrets)
    for secret in secrets:
        assert secret not in everything
    # Budget lines are personal; their labels never appear, plain or JSON-escaped (a bare "Rent"
    # could occur inside random base64).
    assert '"Rent"' not in everything and '\\"Rent\\"' not in everything
    assert PASSWORD not in everything and token not in everything


def test_new_device_signs_in_and_sees_everything_including_personal_fields(account, seeded_template,
                                                                           tmp_path):
    c = sign_in(account, seeded_template, tmp_path, "C", lock=True)
    assert (c / "vault.json").exists() and not (c / "device.key").exists()
    with pytest.raises(AuthenticationError), opened(c):
        pass
    assert plain_export(c, PASSWORD) == plain_export(account.a)
    with opened(account.a) as (_app, ctx_a), opened(c, PASSWORD) as (app_c, ctx_c):
        assert ctx_c.user_id == ctx_a.user_id
        assert answer_of(ctx_c, PII_PROMPT) == answer_of(ctx_a, PII_PROMPT)
        assert flow_activities(ctx_c) == ["read a novel", "walk at dawn"]
        status = account_status(app_c)
        assert status["state"] == "claimed" and status["email"] == account.email
        assert status["key_mode"] == "password" and unsealed_pii(ctx_c) == []


def test_edits_to_different_modules_on_two_devices_both_survive(account, seeded_template, tmp_path):
    b = sign_in(account, seeded_template, tmp_path, "B")
    edit(account.a, PLAIN_PROMPT, "A rewrote module 1.1")
    edit(b, SECOND_MODULE_PROMPT, "B rewrote module 1.2")
    assert sync(account.a).pushed
    result = sync(b)
    assert result.applied and result.pushed and result.modules == {"1.1": "replaced"}
    assert sync(account.a).applied
    for folder in (account.a, b):
        with opened(folder) as (_app, ctx):
            assert answer_of(ctx, PLAIN_PROMPT) == "A rewrote module 1.1"
            assert answer_of(ctx, SECOND_MODULE_PROMPT) == "B rewrote module 1.2"
            # Each module changed on one side only: no conflict, nothing to keep.
            assert list_revisions(ctx) == []
    assert plain_export(account.a) == plain_export(b)
    # Settled: another round changes nothing anywhere.
    for folder in (account.a, b):
        again = sync(folder)
        assert not again.applied and not again.pushed and again.revision == 3


def test_same_module_newer_wins_and_the_older_is_kept_on_both_devices(account, seeded_template, tmp_path):
    b = sign_in(account, seeded_template, tmp_path, "B")
    edit(account.a, PLAIN_PROMPT, "older words from A")
    edit(b, PLAIN_PROMPT, "newer words from B")
    sync(account.a)
    result_b = sync(b)  # B sees the conflict: its version wins, A's is kept here too
    assert result_b.pushed and result_b.kept_as_revision == [] and result_b.revisions_kept == ["module 1.1"]
    result_a = sync(account.a)
    assert result_a.applied and result_a.revisions_kept == ["module 1.1"] and not result_a.pushed
    for folder in (account.a, b):
        with opened(folder) as (_app, ctx):
            assert answer_of(ctx, PLAIN_PROMPT) == "newer words from B"
            kept = list_revisions(ctx, "1.1")
            assert [(r.module_id, r.reason) for r in kept] == [("1.1", "sync")]
            _info, unit = get_revision(ctx, kept[0].id)
            assert "older words from A" in json.dumps(unit)
    assert plain_export(account.a) == plain_export(b)


def test_standalone_items_from_both_devices_are_all_present_once(account, seeded_template, tmp_path):
    b = sign_in(account, seeded_template, tmp_path, "B")
    with opened(account.a) as (_app, ctx):
        flow.log(ctx, "swim", 1, 5, "2025-05-02")
        flow.log(ctx, "garden", 2, 3, "2025-05-03")
    with opened(b) as (_app, ctx):
        flow.log(ctx, "cycle", 2, 2, "2025-05-04")
        flow.log(ctx, "garden", 2, 3, "2025-05-03")  # the same item, made on both devices
    for folder in (account.a, b, account.a, b):
        sync(folder)
    expected = ["cycle", "garden", "read a novel", "swim", "walk at dawn"]
    for folder in (account.a, b):
        with opened(folder) as (_app, ctx):
            assert flow_activities(ctx) == expected
    assert plain_export(account.a) == plain_export(b)


def test_a_push_between_pull_and_push_is_merged_and_retried(account, seeded_template, tmp_path):
    b = sign_in(account, seeded_template, tmp_path, "B")
    edit(b, SECOND_MODULE_PROMPT, "B pushed in between")
    edit(account.a, PLAIN_PROMPT, "A pulled first")
    interleaved = []

    def b_pushes_first(round_no: int) -> None:
        if round_no == 1:
            interleaved.append(sync(b))

    result = sync(account.a, hooks=service.Hooks(before_push=b_pushes_first))
    assert interleaved and interleaved[0].pushed
    assert result.rounds == 2 and result.pushed and result.revision == 3
    assert any("changed during round 1" in n for n in result.notes)
    sync(b)
    for folder in (account.a, b):
        with opened(folder) as (_app, ctx):
            assert answer_of(ctx, PLAIN_PROMPT) == "A pulled first"
            assert answer_of(ctx, SECOND_MODULE_PROMPT) == "B pushed in between"


def test_a_conflict_that_never_settles_stops_with_exit_4_and_the_next_sync_completes(
        account, seeded_template, tmp_path):
    b = sign_in(account, seeded_template, tmp_path, "B")
    edit(account.a, PLAIN_PROMPT, "A's edit")

    def b_always_first(round_no: int) -> None:
        edit(b, SECOND_MODULE_PROMPT, f"B's edit {round_no}")
        sync(b)

    with pytest.raises(ServiceError) as caught:
        sync(account.a, hooks=service.Hooks(before_push=b_always_first))
    assert caught.value.exit_code == 4 and "kept changing" in str(caught.value)
    assert sync(account.a).pushed
    sync(b)
    assert plain_export(account.a) == plain_export(b)
    with opened(b) as (_app, ctx):
        assert answer_of(ctx, PLAIN_PROMPT) == "A's edit"
        assert answer_of(ctx, SECOND_MODULE_PROMPT) == "B's edit 5"


def test_a_failed_push_leaves_both_sides_consistent(cloud_server, seeded_template, tmp_path):
    proxy = Proxy(int(cloud_server.url.rsplit(":", 1)[1]))
    try:
        account = make_account(proxy.url, seeded_template, tmp_path)
        b = sign_in(Account(cloud_server.url, account.email, account.a), seeded_template, tmp_path, "B")
        with opened(b) as (_app, ctx):
            user_id = ctx.user_id
        edit(b, SECOND_MODULE_PROMPT, "from B")
        assert sync(b).revision == 2
        edit(account.a, PLAIN_PROMPT, "from A, not uploaded yet")
        before_remote = plain_export(b)

        proxy.cut_uploads = 100
        with pytest.raises(CloudUnreachable) as caught:
            sync(account.a)
        assert caught.value.exit_code == 4 and proxy.cuts == 3  # every attempt was cut
        # The server kept revision 2 untouched; A holds the merge of both, B what it had.
        stored = cloud_server.d1(f"SELECT revision FROM sync_heads WHERE user_id = '{user_id}'")
        assert stored == [{"revision": 2}]
        with opened(account.a) as (_app, ctx):
            assert answer_of(ctx, SECOND_MODULE_PROMPT) == "from B"
            assert answer_of(ctx, PLAIN_PROMPT) == "from A, not uploaded yet"
            assert service.sync_status(ctx)["revision"] == 1  # the last sync that completed
        quiet = sync(b)
        assert not quiet.applied and not quiet.pushed and plain_export(b) == before_remote

        proxy.cut_uploads = 0
        done = sync(account.a)
        assert done.pushed and not done.applied and done.revision == 3
        sync(b)
        assert plain_export(account.a) == plain_export(b)
    finally:
        proxy.close()


def test_sync_now_is_what_the_desktop_calls(account):
    from dreamtree_desktop import sync as sync_package

    edit(account.a, PLAIN_PROMPT, "synced from the window")
    with opened(account.a) as (app, ctx):
        result = sync_package.sync_now(ctx, app)
        assert result.pushed and "cloud copy updated" in result.summary()
        assert sync_package.last_synced_at(ctx) == result.last_synced_at


def test_client_never_shows_the_token(account):
    with opened(account.a) as (_app, ctx):
        token = sync_state.stored_token(ctx)
    assert token
    client = CloudClient(account.url, token)
    try:
        assert token not in repr(client)
    finally:
        client.close()


def test_turning_the_lock_on_does_not_undo_a_setting_changed_on_another_device(
        account, seeded_template, tmp_path):
    from dreamtree_desktop.accounts import set_lock_with_password
    from dreamtree_desktop.settings import get_settings, update_settings

    b = sign_in(account, seeded_template, tmp_path, "B")
    with opened(account.a) as (_app, ctx):
        update_settings(ctx, font="serif")  # changed on A, not synced yet
    time.sleep(0.005)
    with opened(b) as (app, _ctx):
        set_lock_with_password(app, True, PASSWORD)  # later, on B: a device-only setting
    sync(b)
    sync(account.a)
    with opened(account.a) as (_app, ctx):
        assert get_settings(ctx).font == "serif"


def test_a_password_changed_on_one_device_reaches_the_others(account, seeded_template, tmp_path):
    from dreamtree_desktop.accounts import change_password, verify_password
    from dreamtree_desktop.security.errors import WrongPasswordError
    from dreamtree_desktop.sync.errors import PasswordChangedElsewhere

    new_password = "plum-orchestra-77"
    b = sign_in(account, seeded_template, tmp_path, "B")
    locked = sign_in(account, seeded_template, tmp_path, "D", lock=True)
    with opened(account.a) as (app, _ctx):
        change_password(app, PASSWORD, new_password)
        assert cloud_account.push_password_change(app, PASSWORD, new_password) == "pushed"
        assert cloud_account.push_password_change(app, PASSWORD, new_password) == "already"
    assert sync(account.a).revision >= 1  # A's own session stays valid

    fresh = new_folder(seeded_template, tmp_path, "C")
    with opened(fresh) as (app, _ctx):
        with pytest.raises(WrongPasswordError):
            cloud_account.login(app, account.url, account.email, PASSWORD)
        cloud_account.login(app, account.url, account.email, new_password, lock=False)
    assert plain_export(fresh) == plain_export(account.a)

    # B's session ended with the change: it asks for the new password (exit 3); signing in with
    # it adopts it locally.
    with pytest.raises(PasswordChangedElsewhere) as asked:
        sync(b)
    assert asked.value.exit_code == 3 and "new password" in str(asked.value)
    with opened(b) as (app, _ctx):
        result = cloud_account.login(app, account.url, account.email, new_password)
        assert result.sync_error is None and not result.adopted
        verify_password(app, new_password).wipe()
        with pytest.raises(WrongPasswordError):
            verify_password(app, PASSWORD)
    # A folder locked with the old password: opened with it, signed in with the new one, it is
    # locked with the new one from then on.
    with opened(locked, PASSWORD) as (app, _ctx):
        assert cloud_account.login(app, account.url, account.email, new_password).sync_error is None
    with pytest.raises(WrongPasswordError), opened(locked, PASSWORD):
        pass
    assert plain_export(locked, new_password) == plain_export(account.a)


def test_changing_the_password_from_the_cli_updates_the_cloud_account(account, seeded_template, tmp_path):
    """`account change-password` on a signed-in folder gives the cloud account the new password."""
    new_password = "quince-harbour-58"
    done = cli(account.a, "account", "change-password", password=PASSWORD,
                   extra_env={"DREAMTREE_NEW_PASSWORD": new_password})
    assert done.returncode == 0, done.stderr
    assert "cloud account now uses the new password" in done.stdout
    fresh = new_folder(seeded_template, tmp_path, "E")
    with opened(fresh) as (app, _ctx):
        cloud_account.login(app, account.url, account.email, new_password, lock=False)


def test_a_computer_that_signed_in_before_keeps_its_way_in_during_a_distributed_guess(
        account, seeded_template, tmp_path):
    import os

    import httpx

    from dreamtree_desktop.sync.client import RateLimited

    b = sign_in(account, seeded_template, tmp_path, "B")
    with opened(b) as (app, _ctx):
        kept = sync_state.stored_device_token(app.db)
    assert kept
    # Twenty wrong guesses, each from another address, spend the account's budget for new computers.
    with httpx.Client(base_url=account.url) as raw:
        for _ in range(20):
            r = raw.post("/v1/sessions", json={"email": account.email,
                                               "auth_secret": base64.b64encode(os.urandom(32)).decode()},
                         headers={"CF-Connecting-IP": f"198.18.{os.urandom(1)[0]}.{os.urandom(1)[0]}"})
            assert r.status_code == 401
    c = new_folder(seeded_template, tmp_path, "C")
    with opened(c) as (app, _ctx), pytest.raises(RateLimited):
        cloud_account.login(app, account.url, account.email, PASSWORD, lock=False)
    # B presents the token it kept and signs in again with the right password.
    with opened(b) as (app, _ctx):
        again = cloud_account.login(app, account.url, account.email, PASSWORD, lock=False)
        assert again.sync_error is None
        assert sync_state.stored_device_token(app.db) == kept
