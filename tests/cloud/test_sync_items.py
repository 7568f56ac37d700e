"""Incremental sync: a sync carries only the items that changed since the revision a device last
saw, a push or pull cut between its pages loses nothing, and an account that still has only an
old whole snapshot moves to items. Against the real local worker."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from sync_helpers import (
    PLAIN_PROMPT,
    SECOND_MODULE_PROMPT,
    Proxy,
    answer,
    answer_of,
    cli,
    flow_activities,
    opened,
    plain_export,
)
from test_sync_devices import Account, make_account, sign_in, sync

from dreamtree_desktop.portability import export_document
from dreamtree_desktop.sync import protocol
from dreamtree_desktop.sync import state as sync_state
from dreamtree_desktop.sync.client import CloudUnreachable
from dreamtree_desktop.sync.mirror import forget_mirror
from dreamtree_desktop.tools import flow

pytestmark = pytest.mark.cloud


def head_revision(server, folder: Path) -> int:
    with opened(folder) as (_app, ctx):
        user_id = ctx.user_id
    rows = server.d1(f"SELECT revision FROM sync_heads WHERE user_id = '{user_id}'")
    return rows[0]["revision"] if rows else 0


def test_a_sync_moves_only_what_changed(cloud_server, seeded_template, tmp_path):
    account = make_account(cloud_server.url, seeded_template, tmp_path, standalone=("walk at dawn",))
    b = sign_in(account, seeded_template, tmp_path, "B")
    with opened(account.a) as (_app, ctx):
        answer(ctx, PLAIN_PROMPT, "one answer changed on A")
    status = json.loads(cli(account.a, "sync", "--status", "--json").stdout)
    assert status["changes_to_send"] >= 1
    sent = sync(account.a)
    # One answer: its module is the one item that goes up; nothing comes down.
    assert sent.pushed and sent.items_sent == 1 and sent.items_received == 0
    assert "1 item sent" in sent.summary()
    received = sync(b)
    assert received.applied and received.items_received == 1 and received.items_sent == 0
    assert not received.pushed
    with opened(b) as (_app, ctx):
        assert answer_of(ctx, PLAIN_PROMPT) == "one answer changed on A"
    # Nothing new anywhere: nothing moves, the revision stays.
    revision = head_revision(cloud_server, b)
    for folder in (account.a, b):
        quiet = sync(folder)
        assert not quiet.applied and not quiet.pushed
        assert quiet.items_sent == quiet.items_received == 0 and quiet.revision == revision
    assert json.loads(cli(b, "sync", "--status", "--json").stdout)["changes_to_send"] == 0
    # A standalone record and a deletion are items of their own.
    with opened(b) as (_app, ctx):
        flow.log(ctx, "swim at noon", 1, 4, "2025-05-02")
    assert sync(b).items_sent == 1
    pulled = sync(account.a)
    assert pulled.items_received == 1 and pulled.records["added"]
    with opened(account.a) as (_app, ctx):
        assert "swim at noon" in flow_activities(ctx)
    assert plain_export(account.a) == plain_export(b)


def test_a_paged_push_cut_after_its_first_page_loses_nothing(cloud_server, seeded_template, tmp_path,
                                                              monkeypatch):
    proxy = Proxy(int(cloud_server.url.rsplit(":", 1)[1]))
    try:
        account = make_account(proxy.url, seeded_template, tmp_path)
        b = sign_in(Account(cloud_server.url, account.email, account.a), seeded_template, tmp_path, "B")
        activities = [f"paged activity {n}" for n in range(7)]
        with opened(account.a) as (_app, ctx):
            for n, activity in enumerate(activities):
                flow.log(ctx, activity, 2, 4, f"2025-06-{n + 1:02d}")
            answer(ctx, PLAIN_PROMPT, "sent in a later page")
        before = plain_export(account.a)
        start = head_revision(cloud_server, account.a)
        # Pages of 3 items: the first goes through, every later one is cut.
        monkeypatch.setattr(protocol, "MAX_PUSH_ITEMS", 3)
        monkeypatch.setattr(protocol, "PULL_PAGE", 2)
        proxy.pass_uploads, proxy.cut_uploads = 1, 100
        with pytest.raises(CloudUnreachable):
            sync(account.a)
        assert head_revision(cloud_server, account.a) == start + 1  # the first page landed
        assert plain_export(account.a) == before
        # Another device pulls the partial push (in pages of 2) and loses nothing of its own.
        with opened(b) as (_app, ctx):
            answer(ctx, SECOND_MODULE_PROMPT, "B's own answer")
        partial = sync(b)
        assert partial.items_received == 3 and partial.pushed
        proxy.cut_uploads = proxy.pass_uploads = 0
        done = sync(account.a)
        assert done.pushed and done.items_received >= 1
        sync(b)
        assert plain_export(account.a) == plain_export(b)
        with opened(b) as (_app, ctx):
            assert sorted(a for a in flow_activities(ctx) if a.startswith("paged")) == activities
            assert answer_of(ctx, PLAIN_PROMPT) == "sent in a later page"
            assert answer_of(ctx, SECOND_MODULE_PROMPT) == "B's own answer"
    finally:
        proxy.close()


def test_an_account_with_only_an_old_snapshot_moves_to_items(cloud_server, seeded_template, tmp_path):
    account = make_account(cloud_server.url, seeded_template, tmp_path, standalone=("kept in the snapshot",))
    with opened(account.a) as (_app, ctx):
        wallet = export_document(ctx)
        token = sync_state.stored_token(ctx)
        user_id = ctx.user_id
    # The account as an older DreamTree left it: a whole snapshot, no items.
    put = httpx.put(f"{cloud_server.url}/v1/snapshot", timeout=30,
                    json={"schema_version": "2.0", "exported_at": wallet["exported_at"], "wallet": wallet},
                    headers={"Authorization": f"Bearer {token}", "If-Match": "0"})
    assert put.status_code == 200, put.text
    for table in ("sync_items", "sync_pushes", "sync_heads"):
        cloud_server.d1(f"DELETE FROM {table} WHERE user_id = '{user_id}'")
    # A's folder, as the storage step leaves one that synced snapshots: nothing known of items.
    with opened(account.a) as (app, ctx), app.db.transaction():
        sync_state.delete_meta(app.db, sync_state.META_REVISION)
        forget_mirror(app.db)
    with opened(account.a) as (_app, ctx):
        answer(ctx, PLAIN_PROMPT, "written after the upgrade")
    moved = sync(account.a)
    # Taken once from the snapshot, merged, and uploaded as items.
    assert moved.pulled and moved.pushed and moved.items_sent > 3
    assert head_revision(cloud_server, account.a) == moved.revision >= 1
    kinds = {r["kind"] for r in cloud_server.d1(f"SELECT kind FROM sync_items WHERE user_id = '{user_id}'")}
    assert {"head", "module", "record"} <= kinds
    # A new computer signs in from the items and has everything.
    b = sign_in(account, seeded_template, tmp_path, "B")
    with opened(b) as (_app, ctx):
        assert answer_of(ctx, PLAIN_PROMPT) == "written after the upgrade"
        assert "kept in the snapshot" in flow_activities(ctx)
    assert plain_export(b) == plain_export(account.a)
    assert not sync(account.a).pushed


def test_an_unreadable_old_snapshot_is_refused_then_replaced_by_items(cloud_server, seeded_template, tmp_path):
    from dreamtree_desktop.errors import ServiceError

    account = make_account(cloud_server.url, seeded_template, tmp_path)
    with opened(account.a) as (_app, ctx):
        token = sync_state.stored_token(ctx)
        user_id = ctx.user_id
    broken = {"format": "dreamtree-export", "version": "2.0", "user": {"id": user_id}, "modules": "garbage"}
    put = httpx.put(f"{cloud_server.url}/v1/snapshot", timeout=30,
                    json={"schema_version": "2.0", "exported_at": "2026-01-31T12:00:00Z", "wallet": broken},
                    headers={"Authorization": f"Bearer {token}", "If-Match": "0"})
    assert put.status_code == 200, put.text
    for table in ("sync_items", "sync_pushes", "sync_heads"):
        cloud_server.d1(f"DELETE FROM {table} WHERE user_id = '{user_id}'")
    with opened(account.a) as (app, ctx), app.db.transaction():
        sync_state.delete_meta(app.db, sync_state.META_REVISION)
        forget_mirror(app.db)
    before = plain_export(account.a)
    with pytest.raises(ServiceError) as refused:
        sync(account.a)
    assert refused.value.exit_code == 4 and "copy on the server is damaged" in str(refused.value)
    assert plain_export(account.a) == before
    replaced = sync(account.a)
    assert replaced.pushed and any("replaced" in n for n in replaced.notes)
    b = sign_in(account, seeded_template, tmp_path, "B")
    assert plain_export(b) == plain_export(account.a) == before


def test_items_put_back_together_make_the_same_document_and_pages_count_bytes(cloud_server, seeded_template,
                                                                              tmp_path):
    from dreamtree_desktop.sync.items import changed_items, document_from, item_texts, pages, parse_texts

    account = make_account(cloud_server.url, seeded_template, tmp_path, standalone=("walk at dawn", "read"))
    with opened(account.a) as (_app, ctx):
        doc = export_document(ctx)
    texts = item_texts(doc)
    rebuilt = document_from(parse_texts(texts))
    assert rebuilt is not None
    for part in ("user", "pii", "auth", "settings", "modules", "standalone", "custom_skills", "tombstones"):
        assert rebuilt[part] == doc[part], part
    assert changed_items(item_texts(rebuilt), texts) == []
    # A page never holds more bytes than allowed, however wide the characters.
    wide = [(("record", f"user_flow_logs/{n}"), json.dumps("é" * 1000, ensure_ascii=False)) for n in range(10)]
    assert [len(p) for p in pages(wide, 5000, 5000)] == [2] * 5
