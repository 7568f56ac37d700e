"""Faults while syncing: wrong password, expired or forged token, oversized or malformed
items, a server that is down or restarts between pull and push, a connection cut during the
upload. Each time: a clear message and exit code, local data unchanged, the next sync completes,
and the server never keeps a snapshot that fails validation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sync_helpers import (
    PASSWORD,
    PII_PROMPT,
    PLAIN_PROMPT,
    Proxy,
    Worker,
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
    post_items,
)

from dreamtree_desktop.accounts import account_status
from dreamtree_desktop.errors import ServiceError
from dreamtree_desktop.portability import Catalog, DocumentError, export_document
from dreamtree_desktop.sync import cloud_account, protocol, service
from dreamtree_desktop.sync import state as sync_state
from dreamtree_desktop.sync.client import CloudClient, CloudUnreachable, SessionRefused
from dreamtree_desktop.sync.items import changed_items, item_texts
from dreamtree_desktop.sync.remote import push

pytestmark = pytest.mark.cloud


def claimed(url: str, seeded_template: Path, tmp_path: Path, name: str = "A") -> tuple[Path, str, str]:
    """(folder, email, user id) of a device that created a cloud account at `url`."""
    folder = new_folder(seeded_template, tmp_path, name)
    email = new_email("fault")
    with opened(folder) as (app, _ctx):
        ctx = own_identity(app)
        answer_through(ctx, "1.4.4")
        result = cloud_account.cloud_claim(app, url, PASSWORD, email=email, lock=False, ask_code=mailed_code(url))
        assert result.sync_error is None
        return folder, email, ctx.user_id


def sync(folder: Path, **kwargs) -> service.SyncResult:
    with opened(folder) as (app, ctx):
        return service.sync(ctx, app=app, **kwargs)


def edit(folder: Path, value: str) -> None:
    with opened(folder) as (_app, ctx):
        answer(ctx, PLAIN_PROMPT, value)


def revision_of(server, user_id: str) -> int:
    rows = server.d1(f"SELECT revision FROM sync_heads WHERE user_id = '{user_id}'")
    return rows[0]["revision"] if rows else 0


def raw_post(url: str, folder: Path, items: list[dict], if_match: int) -> httpx.Response:
    """Items written by something else than this client (another app, a bug, an attacker
    holding the token): the server checks only their shape."""
    with opened(folder) as (_app, ctx):
        token = sync_state.stored_token(ctx)
    return post_items(url, token, items, if_match)


@pytest.fixture(scope="module")
def worker(tmp_path_factory) -> Iterator[Worker]:
    """A worker of this module's own, to stop and restart (the session's keeps running)."""
    w = Worker(tmp_path_factory.mktemp("restartable-cloud"))
    w.start()
    try:
        yield w
    finally:
        w.stop()


@pytest.fixture
def running(worker) -> Worker:
    if worker.proc is None:
        worker.start()
    return worker


# -- passwords and sessions -------------------------------------------------------------------------
def test_wrong_password_is_exit_3_and_the_new_folder_stays_as_it_was(cloud_server, seeded_template, tmp_path):
    _a, email, _uid = claimed(cloud_server.url, seeded_template, tmp_path)
    fresh = new_folder(seeded_template, tmp_path, "fresh")
    before = plain_export(fresh)
    run = cli(fresh, "account", "login", "--server", cloud_server.url, "--email", email,
              password="not-the-password-77")
    assert run.returncode == 3, run.stderr
    assert "wrong password" in run.stderr.lower() and "not-the-password" not in run.stderr + run.stdout
    with opened(fresh) as (app, _ctx):
        assert account_status(app)["state"] == "anonymous"
    assert plain_export(fresh) == before
    ok = cli(fresh, "account", "login", "--server", cloud_server.url, "--email", email, "--no-lock")
    assert ok.returncode == 0, ok.stderr


def test_forged_token_is_exit_3_until_signing_in_again(cloud_server, seeded_template, tmp_path):
    folder, email, _uid = claimed(cloud_server.url, seeded_template, tmp_path)
    edit(folder, "written before the token went bad")
    with opened(folder) as (app, ctx), app.db.transaction():
        forged = sync_state._seal_token(ctx.data_key, ctx.user_id, "A" * 43)
        app.db.execute("UPDATE app_meta SET value = ? WHERE key = 'sync.token'", (forged,))
    before = plain_export(folder)
    run = cli(folder, "sync")
    assert run.returncode == 3, run.stderr
    assert "no longer valid" in run.stderr and "account login" in run.stderr
    assert plain_export(folder) == before
    # Signed out now: the same answer without asking the server again.
    again = cli(folder, "sync", "--json")
    assert again.returncode == 3 and "not signed in" in again.stderr
    login = cli(folder, "account", "login", "--server", cloud_server.url, "--email", email)
    assert login.returncode == 0, login.stderr
    assert "cloud copy updated" in login.stdout  # the edit went up with the first sync
    assert json.loads(cli(folder, "sync", "--json").stdout)["pushed"] is False


def test_expired_session_asks_to_sign_in_again(cloud_server, seeded_template, tmp_path):
    folder, email, user_id = claimed(cloud_server.url, seeded_template, tmp_path)
    cloud_server.d1("UPDATE sessions SET expires_at = '2001-01-01T00:00:00.000Z' "
                    f"WHERE user_id = '{user_id}'")
    edit(folder, "written offline")
    with pytest.raises(SessionRefused) as caught:
        sync(folder)
    assert caught.value.exit_code == 3 and "expired" in str(caught.value)
    with opened(folder) as (app, _ctx):
        result = cloud_account.login(app, cloud_server.url, email, PASSWORD)
    assert result.sync is not None and result.sync.pushed and not result.adopted
    assert not (folder / "vault.json").exists()  # signing in again leaves the lock setting alone


# -- the server: down, restarted, cut off -------------------------------------------------------------
def test_server_down_is_exit_4_and_the_next_sync_after_restart_completes(running, seeded_template, tmp_path):
    folder, email, _uid = claimed(running.url, seeded_template, tmp_path)
    edit(folder, "made while the server was off")
    before = plain_export(folder)
    running.stop()
    run = cli(folder, "sync")
    assert run.returncode == 4, run.stderr
    assert "cannot be reached" in run.stderr and "unchanged" in run.stderr
    assert plain_export(folder) == before
    running.start()
    assert cli(folder, "sync").returncode == 0
    other = new_folder(seeded_template, tmp_path, "other")
    login = cli(other, "account", "login", "--server", running.url, "--email", email, "--no-lock")
    assert login.returncode == 0, login.stderr
    with opened(other) as (_app, ctx):
        assert answer_of(ctx, PLAIN_PROMPT) == "made while the server was off"


def test_server_restarted_between_pull_and_push(running, seeded_template, tmp_path):
    folder, _email, _uid = claimed(running.url, seeded_template, tmp_path)
    edit(folder, "pushed after a restart")
    result = sync(folder, hooks=service.Hooks(before_push=lambda _round: running.restart()))
    assert result.pushed and result.revision == 2


def test_server_stopped_between_pull_and_push(running, seeded_template, tmp_path):
    folder, _email, _uid = claimed(running.url, seeded_template, tmp_path)
    edit(folder, "waits for the server")
    before = plain_export(folder)
    with pytest.raises(CloudUnreachable) as caught:
        sync(folder, hooks=service.Hooks(before_push=lambda _round: running.stop()))
    assert caught.value.exit_code == 4
    assert plain_export(folder) == before
    running.start()
    result = sync(folder)
    assert result.pushed and result.revision == 2


def test_connection_cut_mid_upload(cloud_server, seeded_template, tmp_path):
    proxy = Proxy(int(cloud_server.url.rsplit(":", 1)[1]))
    try:
        folder, _email, user_id = claimed(proxy.url, seeded_template, tmp_path)
        # Cut once: the retry sends it again and the sync completes.
        edit(folder, "first upload cut")
        proxy.cut_uploads = 1
        result = sync(folder)
        assert proxy.cuts == 1 and result.pushed
        assert result.revision == 2 == revision_of(cloud_server, user_id)
        # Cut every time: exit 4, nothing stored, nothing changed here; then it goes through.
        edit(folder, "every upload cut")
        before = plain_export(folder)
        proxy.cut_uploads = 100
        with pytest.raises(CloudUnreachable) as caught:
            sync(folder)
        assert "connection cut" in str(caught.value) and caught.value.exit_code == 4
        assert revision_of(cloud_server, user_id) == 2
        assert plain_export(folder) == before
        proxy.cut_uploads = 0
        assert sync(folder).revision == 3
    finally:
        proxy.close()


# -- what the server holds ------------------------------------------------------------------------
def test_malformed_snapshot_is_refused_then_replaced_by_the_next_sync(cloud_server, seeded_template,
                                                                     tmp_path):
    folder, email, _uid = claimed(cloud_server.url, seeded_template, tmp_path)
    broken = [{"kind": "module", "key": "1.1", "body": "garbage"}]
    assert raw_post(cloud_server.url, folder, broken, 1).status_code == 200
    before = plain_export(folder)
    with pytest.raises(ServiceError) as caught:
        sync(folder)
    assert caught.value.exit_code == 4
    assert "the copy on the server is damaged" in str(caught.value).lower()
    assert "/modules/1.1" in str(caught.value)
    assert "Sync again to replace" in str(caught.value)
    assert plain_export(folder) == before
    result = sync(folder)
    assert result.pushed and result.revision == 3 and any("replaced" in n for n in result.notes)
    other = new_folder(seeded_template, tmp_path, "other")
    with opened(other) as (app, _ctx):
        cloud_account.login(app, cloud_server.url, email, PASSWORD, lock=False)
    assert plain_export(other) == plain_export(folder)


def test_snapshot_of_a_newer_format_is_never_replaced(cloud_server, seeded_template, tmp_path):
    folder, _email, user_id = claimed(cloud_server.url, seeded_template, tmp_path)
    newer = {"format": "dreamtree-export", "version": "3.0", "user": {"id": user_id}}
    assert raw_post(cloud_server.url, folder, [{"kind": "head", "key": "document", "body": newer}], 1).status_code == 200
    for _ in range(2):
        with pytest.raises(ServiceError) as caught:
            sync(folder)
        assert "newer DreamTree" in str(caught.value) and caught.value.exit_code == 4
    assert revision_of(cloud_server, user_id) == 2


def test_snapshot_of_another_user_is_refused(cloud_server, seeded_template, tmp_path):
    folder, _email, _uid = claimed(cloud_server.url, seeded_template, tmp_path)
    other, _e, _u = claimed(cloud_server.url, seeded_template, tmp_path, "B")
    with opened(other) as (_app, ctx):
        foreign = export_document(ctx)
    head = {k: foreign[k] for k in ("format", "version", "user", "pii")}
    assert raw_post(cloud_server.url, folder, [{"kind": "head", "key": "document", "body": head}], 1).status_code == 200
    before = plain_export(folder)
    with pytest.raises(ServiceError, match="belongs to another user"):
        sync(folder)
    assert plain_export(folder) == before


def test_oversized_page_from_the_server_is_refused(cloud_server, seeded_template, tmp_path, monkeypatch):
    folder, _email, _uid = claimed(cloud_server.url, seeded_template, tmp_path)
    module = {"kind": "module", "key": "9.9", "body": {"filler": "x" * 5_000}}
    assert raw_post(cloud_server.url, folder, [module], 1).status_code == 200
    edit(folder, "kept while the download is refused")
    before = plain_export(folder)
    monkeypatch.setattr(protocol, "MAX_PAGE_RESPONSE", 2_000)
    with pytest.raises(ServiceError) as caught:
        sync(folder)
    assert "cannot be used" in str(caught.value) and "larger than" in str(caught.value)
    assert plain_export(folder) == before
    monkeypatch.undo()
    # A readable page with an unusable item: refused once, then replaced by this device's data.
    with pytest.raises(ServiceError, match=r"/modules/9\.9"):
        sync(folder)
    assert sync(folder).pushed
    assert plain_export(folder) == before


def test_oversized_upload_is_not_sent(cloud_server, seeded_template, tmp_path, monkeypatch):
    folder, _email, user_id = claimed(cloud_server.url, seeded_template, tmp_path)
    edit(folder, "too much to upload")
    monkeypatch.setattr(protocol, "MAX_ITEM_BYTES", 1_000)
    with pytest.raises(ServiceError) as caught:
        sync(folder)
    assert caught.value.exit_code == 4 and "larger than the cloud service accepts" in str(caught.value)
    assert revision_of(cloud_server, user_id) == 1
    monkeypatch.undo()
    assert sync(folder).revision == 2


def test_a_document_that_fails_validation_is_never_pushed(cloud_server, seeded_template, tmp_path):
    folder, _email, user_id = claimed(cloud_server.url, seeded_template, tmp_path)
    with opened(folder) as (app, ctx):
        catalog = Catalog.load(app.db)
        doc = export_document(ctx, catalog)
        token = sync_state.stored_token(ctx)
    unit = doc["modules"]["1.4"]
    record = unit["rows"]["user_responses"][0]
    record["response_text"] = "a personal answer in clear"  # a sealed document must hold envelopes
    result = service.SyncResult(cloud_server.url)
    changes = changed_items(item_texts(doc), {})
    with CloudClient(cloud_server.url, token) as client, pytest.raises(DocumentError):
        push(client, doc, catalog, 1, changes, result)
    assert revision_of(cloud_server, user_id) == 1
    with opened(folder) as (_app, ctx):
        assert answer_of(ctx, PII_PROMPT) != "a personal answer in clear"
