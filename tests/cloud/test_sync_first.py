"""The first sync of a new computer, against the real local worker: an empty folder that signs
in takes the account's copy in one pass (sync/first.py). What it ends with must be exactly what
the whole path (adopt, then an ordinary sync round that exports, merges and records) leaves."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import pytest
from sync_helpers import (
    PASSWORD,
    PII_PROMPT,
    PLAIN_PROMPT,
    answer,
    answer_of,
    answer_through,
    mailed_code,
    new_email,
    new_folder,
    opened,
    own_identity,
    plain_export,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from portability.factory import add_standalone, populate

from dreamtree_desktop.sync import adopt, agreement, cloud_account, first, protocol, service
from dreamtree_desktop.sync.bases import load_bases
from dreamtree_desktop.tools import flow

pytestmark = pytest.mark.cloud


def _whole_path(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Sign-ins made under this patch take the whole path: adopt, then the ordinary round."""
    original = cloud_account.adopt_account
    calls: list[str] = []

    def adopt(*args: Any, **kwargs: Any) -> Any:
        calls.append("adopt")
        return original(*args, **{**kwargs, "finish": False})

    monkeypatch.setattr(cloud_account, "adopt_account", adopt)
    return calls


def _state(folder: Path) -> dict[str, Any]:
    """Everything a sync leaves in a folder that two folders holding one account's copy share:
    the data (personal fields opened), kept versions, record bases, the server's items known,
    the revision, and no change waiting to go up."""
    state: dict[str, Any] = {"data": plain_export(folder)}
    with opened(folder) as (app, ctx):
        db = app.db
        # The bases as the merge reads them: the first sync writes none, its server items are
        # the bases (sync/bases.py); the whole path writes them as rows.
        state["bases"] = sorted(load_bases(ctx).items())
        state["items"] = sorted(tuple(r) for r in db.query("SELECT kind, item_key, body_json FROM sync_items"))
        state["content_index"] = sorted(tuple(r) for r in db.query(
            "SELECT item_key, content_key FROM sync_items WHERE kind = 'record'"))
        state["module_revisions"] = sorted(tuple(r) for r in db.query(
            "SELECT id, module_id, last_modified_at, snapshot_json, reason, created_at FROM module_revisions"))
        state["record_revisions"] = sorted(tuple(r) for r in db.query(
            "SELECT id, table_name, row_id, updated_at, record_json, fields_json, reason, created_at "
            "FROM record_revisions"))
        state["tombstones"] = sorted(tuple(r) for r in db.query(
            "SELECT table_name, row_id, content_hash, origin, deleted_at FROM tombstones"))
        state["meta"] = sorted(tuple(r) for r in db.query(
            "SELECT key, value FROM app_meta WHERE key IN ('sync.revision', 'sync.revision_id', 'sync.server')"))
        state["pending"] = db.scalar("SELECT COUNT(*) FROM sync_changes")
    return state


@pytest.fixture
def rich_account(cloud_server, seeded_template, tmp_path) -> tuple[str, Path]:
    """An account whose copy holds every module, standalone records of every kind (personal ones
    sealed), a deletion, and versions kept from a conflict between two devices."""
    a = new_folder(seeded_template, tmp_path, "A")
    email = new_email("first")
    with opened(a) as (app, _ctx):
        ctx = own_identity(app)
        populate(ctx)
        add_standalone(ctx, 60)
        flow.log(ctx, "walk at dawn", 2, 4, "2025-05-01")
        gone = flow.log(ctx, "to be deleted", 1, 1, "2025-05-02")
        flow.delete(ctx, gone)
        claimed = cloud_account.cloud_claim(app, cloud_server.url, PASSWORD, email=email, lock=False,
                                            ask_code=mailed_code(cloud_server.url))
    assert claimed.sync is not None and claimed.sync.pushed
    b = new_folder(seeded_template, tmp_path, "B")
    with opened(b) as (app, _ctx):
        assert cloud_account.login(app, cloud_server.url, email, PASSWORD, lock=False).sync_error is None
    with opened(a) as (_app, ctx):
        answer(ctx, PLAIN_PROMPT, "older words from A")
    with opened(b) as (_app, ctx):
        answer(ctx, PLAIN_PROMPT, "newer words from B")
    for folder in (a, b, a):
        with opened(folder) as (app, ctx):
            service.sync(ctx, app=app)
    return email, a


# Pages of 25 items: the copy comes in several pages, and is checked in a second process while it
# is taken in (sync/copy_check.py), which also makes the items' texts the first sync records.
@pytest.mark.parametrize("page", [None, 25])
def test_an_empty_folder_ends_exactly_as_the_whole_path_leaves_it(cloud_server, seeded_template, tmp_path,
                                                                 rich_account, monkeypatch, caplog, page):
    email, a = rich_account
    if page is not None:
        monkeypatch.setattr(protocol, "PULL_PAGE", page)
    fast = new_folder(seeded_template, tmp_path, "fast")
    with opened(fast) as (app, _ctx), caplog.at_level(logging.DEBUG, logger="dreamtree.sync"):
        signed = cloud_account.login(app, cloud_server.url, email, PASSWORD, lock=False)
    checked_aside = any("in its process passed it" in r.getMessage() for r in caplog.records)
    assert checked_aside == (page is not None)
    assert signed.adopted and signed.sync_error is None and signed.sync is not None
    assert not signed.sync.pushed and signed.sync.items_received > 60
    assert signed.sync.revisions_kept == ["module 1.1"]

    calls = _whole_path(monkeypatch)
    whole = new_folder(seeded_template, tmp_path, "whole")
    with opened(whole) as (app, _ctx):
        reference = cloud_account.login(app, cloud_server.url, email, PASSWORD, lock=False)
    assert calls == ["adopt"] and reference.sync is not None and not reference.sync.pushed
    monkeypatch.undo()

    with opened(fast) as (app, ctx):
        db = app.db
        assert db.scalar("SELECT COUNT(*) FROM sync_record_bases") == 0
        # Left for later (the window does it once the sign-in is done): the content index, the
        # search index.
        unindexed = db.scalar("SELECT COUNT(*) FROM sync_items WHERE kind = 'record' AND content_key IS NULL")
        assert unindexed == db.scalar("SELECT COUNT(*) FROM sync_items WHERE kind = 'record'") >= 40
        assert db.scalar("SELECT COUNT(*) FROM app_meta WHERE key = 'search.suspended'") == 1
        first.after_sign_in(ctx)
        assert db.scalar("SELECT COUNT(*) FROM sync_items WHERE content_key IS NULL AND kind = 'record'") == 0
        assert db.scalar("SELECT COUNT(*) FROM app_meta WHERE key = 'search.suspended'") == 0
        assert not Path(f"{db.path}-wal").exists() or Path(f"{db.path}-wal").stat().st_size == 0
        assert agreement.build_content_index(ctx) == 0  # nothing left to do
    ours, theirs = _state(fast), _state(whole)
    for part in theirs:
        assert ours[part] == theirs[part], part
    assert ours["pending"] == 0 and ours["module_revisions"] and ours["tombstones"] and ours["bases"]
    assert signed.sync.revision == reference.sync.revision
    assert signed.sync.items_received == reference.sync.items_received
    assert signed.sync.revisions_kept == reference.sync.revisions_kept
    # Both hold what the account holds, personal fields opened.
    assert ours["data"] == plain_export(a)
    with opened(fast) as (app, ctx), opened(a) as (_app_a, ctx_a):
        assert answer_of(ctx, PII_PROMPT) == answer_of(ctx_a, PII_PROMPT)
        assert answer_of(ctx, PLAIN_PROMPT) == "newer words from B"
        # Nothing was left to send: the next sync is a quiet one.
        again = service.sync(ctx, app=app)
    assert not again.pushed and not again.applied and again.items_received == 0


def test_an_edit_after_the_first_sync_reaches_the_other_device(cloud_server, seeded_template, tmp_path,
                                                             rich_account):
    email, a = rich_account
    fast = new_folder(seeded_template, tmp_path, "fast")
    with opened(fast) as (app, _ctx):
        cloud_account.login(app, cloud_server.url, email, PASSWORD, lock=False)
    with opened(fast) as (app, ctx):
        answer(ctx, PII_PROMPT, "a name typed on the new computer")
        sent = service.sync(ctx, app=app)
    assert sent.pushed and sent.items_sent == 1
    with opened(a) as (app, ctx):
        got = service.sync(ctx, app=app)
        assert got.applied and answer_of(ctx, PII_PROMPT) == "a name typed on the new computer"
    assert plain_export(a) == plain_export(fast)


def test_a_folder_holding_data_takes_the_whole_path(cloud_server, seeded_template, tmp_path, rich_account,
                                                   monkeypatch):
    email, a = rich_account
    recorded: list[object] = []
    original = first.record_first_sync
    monkeypatch.setattr(adopt, "record_first_sync",
                        lambda *args, **kw: recorded.append(args) or original(*args, **kw))
    mine = new_folder(seeded_template, tmp_path, "mine")
    with opened(mine) as (app, ctx):
        answer_through(ctx, "1.1.1")  # the folder holds answers of its own
        signed = cloud_account.login(app, cloud_server.url, email, PASSWORD, lock=False)
    assert recorded == [] and signed.sync is not None and signed.sync.pushed
    with opened(a) as (app, ctx):
        assert service.sync(ctx, app=app).applied
    assert plain_export(a) == plain_export(mine)


def test_a_copy_that_must_go_up_again_is_left_to_the_round_and_every_row_stays_to_compare(
        cloud_server, seeded_template, tmp_path, rich_account, monkeypatch):
    """When the agreement is not what the server holds, the copy is written and the ordinary
    round follows; if that round is cut, the folder still compares every row at its next sync."""
    from dreamtree_desktop.sync.errors import CloudError

    email, a = rich_account

    def cut(*_args: Any, **_kwargs: Any) -> None:
        raise CloudError("the connection was cut", code="test_cut")

    monkeypatch.setattr(adopt, "prepare_first_sync", lambda *_args: None)
    monkeypatch.setattr(cloud_account, "_sync_rounds", cut)
    fast = new_folder(seeded_template, tmp_path, "fast")
    with opened(fast) as (app, _ctx):
        signed = cloud_account.login(app, cloud_server.url, email, PASSWORD, lock=False)
    assert signed.adopted and signed.sync is None and signed.sync_error is not None
    monkeypatch.undo()
    with opened(fast) as (app, ctx):
        # The copy was written without a change recorded per row: "everything may have changed".
        tracked = {str(r[0]) for r in app.db.query("SELECT DISTINCT table_name FROM sync_changes")}
        assert "*" in tracked and not tracked & {"user_flow_logs", "user_responses", "module_revisions"}
        assert app.db.scalar("SELECT COUNT(*) FROM app_meta WHERE key = 'sync.untracked'") == 0
        assert app.db.scalar("SELECT COUNT(*) FROM sync_items") == 0
        done = service.sync(ctx, app=app)
        assert not done.pushed and app.db.scalar("SELECT COUNT(*) FROM sync_changes") == 0
        assert not service.sync(ctx, app=app).pushed
    assert plain_export(fast) == plain_export(a)


def test_a_write_failing_on_the_writer_thread_leaves_the_new_computer_as_it_was(
        cloud_server, seeded_template, tmp_path, rich_account, monkeypatch):
    """The copy's rows are written on a second thread (storage/writer.py): when one of those
    writes fails, the sign-in fails with it and the folder is left exactly as before, with the
    same key, no account and no data; signing in again then works."""
    from dreamtree_desktop.storage import db as storage_db
    from dreamtree_desktop.storage.db import IntegrityViolation

    email, a = rich_account
    fresh = new_folder(seeded_template, tmp_path, "fresh")
    before = plain_export(fresh)
    key_before = (fresh / "device.key").read_bytes()
    original = storage_db.as_one_statement

    def broken(sql: str, rows: list[Any]) -> Any:
        made = original(sql, rows)
        if made is not None and "INTO user_flow_logs" in sql:
            # The same rows twice: the table's primary key refuses the second copy.
            return made[0], made[1][:-1] + "," + made[1][1:]
        return made

    monkeypatch.setattr(storage_db, "as_one_statement", broken)
    with opened(fresh) as (app, _ctx), pytest.raises(IntegrityViolation):
        cloud_account.login(app, cloud_server.url, email, PASSWORD, lock=False)
    monkeypatch.undo()
    assert (fresh / "device.key").read_bytes() == key_before
    assert not (fresh / "device.key.new").exists()
    assert plain_export(fresh) == before
    with opened(fresh) as (app, _ctx):
        assert app.db.scalar("SELECT COUNT(*) FROM auth") == 0
        assert app.db.scalar("SELECT COUNT(*) FROM sync_items") == 0
        signed = cloud_account.login(app, cloud_server.url, email, PASSWORD, lock=False)
    assert signed.sync_error is None and plain_export(fresh) == plain_export(a)


def test_a_new_computer_killed_right_after_its_sign_in_keeps_the_copy_and_syncs_on(
        cloud_server, seeded_template, tmp_path, rich_account):
    """Killed once the sign-in committed, before anything after it (the copy's pages still in the
    write-ahead log, no content index, no search index): the next open holds the whole copy, and
    the next sync builds the index first and stays incremental."""
    import os
    import subprocess
    import textwrap

    email, a = rich_account
    b = new_folder(seeded_template, tmp_path, "killed")
    script = textwrap.dedent(f"""
        import os
        from pathlib import Path
        from dreamtree_desktop.appdata import open_app_data
        from dreamtree_desktop.sync import cloud_account
        app = open_app_data(Path({str(b)!r}))
        result = cloud_account.login(app, {cloud_server.url!r}, {email!r}, os.environ["DT_TEST_SECRET"], lock=False)
        assert result.sync is not None and result.sync_error is None
        os._exit(0)  # no close: nothing after the commit runs
    """)
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "DT_TEST_SECRET": PASSWORD,
           "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    subprocess.run([sys.executable, "-c", script], check=True, env=env, timeout=300)
    assert Path(f"{b}/dreamtree.db-wal").stat().st_size > 0  # the copy was left in the log
    with opened(b) as (app, ctx):
        assert app.db.scalar("SELECT COUNT(*) FROM sync_items WHERE kind = 'record' AND content_key IS NULL") > 0
        assert answer_of(ctx, PLAIN_PROMPT) == "newer words from B"
        answer(ctx, PII_PROMPT, "written on the new computer after the kill")
        result = service.sync(ctx, app=app)
        assert result.incremental and result.pushed, result.notes
        assert app.db.scalar("SELECT COUNT(*) FROM sync_items WHERE kind = 'record' AND content_key IS NULL") == 0
    with opened(a) as (app, ctx):
        service.sync(ctx, app=app)
        assert answer_of(ctx, PII_PROMPT) == "written on the new computer after the kill"
    assert plain_export(a) == plain_export(b)
