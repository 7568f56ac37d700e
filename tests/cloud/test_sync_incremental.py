"""The incremental round: a sync merges, writes and sends only the items that changed (and what
the merge relates to them), with the same outcome as the whole round. Every sync in the test
suite runs with DREAMTREE_SYNC_VERIFY=1 (tests/conftest.py), so each incremental round here is
also compared with the whole merge on the same inputs."""

from __future__ import annotations

import json
import time

import pytest
from sync_helpers import PLAIN_PROMPT, answer_of, answer_through, opened, plain_export, post_items
from test_sync_devices import edit, make_account, sign_in, sync

from dreamtree_desktop.portability.canonical import canonical_json
from dreamtree_desktop.sync import incremental
from dreamtree_desktop.sync import state as sync_state
from dreamtree_desktop.sync.service import base_revision
from dreamtree_desktop.tools import companies, contacts, flow

pytestmark = pytest.mark.cloud
OTHER_PROMPT = "1.2.1.past-places"  # module 1.2


@pytest.fixture
def pair(cloud_server, seeded_template, tmp_path):
    """Two devices past their first syncs (claim, sign-in). Each first sync fills the content
    index of the server's items, so the rounds that follow are incremental."""
    account = make_account(cloud_server.url, seeded_template, tmp_path, standalone=("shared log",))
    a = account.a
    b = sign_in(account, seeded_template, tmp_path, "B")
    for folder, prompt in ((a, PLAIN_PROMPT), (b, OTHER_PROMPT)):
        edit(folder, prompt, "first")
        assert sync(folder).incremental
    assert sync(a).incremental  # B's "first" comes in
    return a, b


def _unindexed(folder) -> tuple[int, int]:
    """(record items the server holds, of which without a content key), as this folder knows."""
    with opened(folder) as (_app, ctx):
        rows = ctx.db.query("SELECT content_key FROM sync_items WHERE kind = 'record'")
    return len(rows), sum(1 for r in rows if r[0] is None)


def test_the_sync_after_a_sign_in_and_after_a_claim_is_incremental(cloud_server, seeded_template, tmp_path):
    account = make_account(cloud_server.url, seeded_template, tmp_path, standalone=("walk", "run", "walk"))
    a = account.a
    held, missing = _unindexed(a)
    assert held >= 3 and missing == 0  # the claim indexed what it uploaded
    b = sign_in(account, seeded_template, tmp_path, "B")
    held, missing = _unindexed(b)
    # A new computer's sign-in leaves the index for later (the window builds it once the sign-in
    # is done); the next round builds it first when it is still missing.
    assert held >= 3 and missing == held
    edit(b, OTHER_PROMPT, "written on the new computer")
    first = sync(b)
    assert first.incremental and first.pushed and first.items_sent >= 1, first.notes
    assert _unindexed(b) == (held, 0)
    # The claiming device has not synced since its claim: B's answer comes in incrementally.
    edit(a, PLAIN_PROMPT, "written where the account was made")
    taken = sync(a)
    assert taken.incremental and taken.applied and taken.pushed, taken.notes
    assert taken.items_received == first.items_sent
    assert sync(b).incremental
    for folder in (a, b):
        with opened(folder) as (_app, ctx):
            assert answer_of(ctx, OTHER_PROMPT) == "written on the new computer"
            assert answer_of(ctx, PLAIN_PROMPT) == "written where the account was made"
    assert plain_export(a) == plain_export(b)


def _flow_id(folder, activity: str) -> str:
    with opened(folder) as (_app, ctx):
        return next(r["id"] for r in flow.list_(ctx) if r["activity"] == activity)


def _activities(folder) -> list[str]:
    with opened(folder) as (_app, ctx):
        return sorted(r["activity"] for r in flow.list_(ctx))


def test_one_changed_answer_each_way_is_merged_incrementally(pair):
    a, b = pair
    edit(b, OTHER_PROMPT, "B's places")
    first = sync(b)
    assert first.incremental and first.pushed and first.items_sent >= 1
    edit(a, PLAIN_PROMPT, "A's reflection")
    result = sync(a)
    assert result.incremental, result.notes
    assert result.applied and result.pushed
    assert result.items_received == first.items_sent
    # Only the module changed here goes up (and nothing that merely exists).
    assert result.items_sent <= 2, result.items_sent
    assert sync(b).incremental
    for folder in (a, b):
        with opened(folder) as (_app, ctx):
            assert answer_of(ctx, PLAIN_PROMPT) == "A's reflection"
            assert answer_of(ctx, OTHER_PROMPT) == "B's places"
    assert plain_export(a) == plain_export(b)


def test_sync_json_says_whether_the_round_was_incremental(pair):
    from sync_helpers import cli

    a, _b = pair
    edit(a, PLAIN_PROMPT, "through the command")
    done = cli(a, "sync", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["incremental"] is True


def test_a_record_edited_on_both_devices_merges_field_by_field_on_the_fast_path(pair):
    a, b = pair
    row = _flow_id(a, "shared log")
    with opened(a) as (_app, ctx):
        flow.update(ctx, row, {"activity": "renamed on A"})
    time.sleep(0.05)
    with opened(b) as (_app, ctx):
        flow.update(ctx, row, {"energy": -2})
    assert sync(a).incremental
    merged = sync(b)
    assert merged.incremental
    assert f"user_flow_logs/{row}" in merged.records["merged"]
    assert sync(a).incremental
    for folder in (a, b):
        with opened(folder) as (_app, ctx):
            record = flow.get(ctx, row)
        assert (record["activity"], record["energy"]) == ("renamed on A", -2)
    assert plain_export(a) == plain_export(b)


def test_identical_records_made_on_two_devices_become_one_on_the_fast_path(pair):
    a, b = pair
    for folder in (a, b):
        with opened(folder) as (_app, ctx):
            flow.log(ctx, "same walk", 1, 3, "2025-06-01")
        time.sleep(0.01)
    assert sync(a).incremental
    result = sync(b)
    assert result.incremental
    sync(a)  # B kept A's copy (the earlier one): nothing new for A, or A's removal of its own
    for folder in (a, b):
        assert _activities(folder).count("same walk") == 1, folder.name
    assert plain_export(a) == plain_export(b)


def test_a_deletion_removes_an_identical_copy_made_before_it_on_the_fast_path(pair):
    a, b = pair
    with opened(a) as (_app, ctx):
        flow.log(ctx, "to be dropped", 1, 3, "2025-06-02")
    sync(a)
    sync(b)
    # B makes a copy of it first; then A deletes the original (a deletion here: the whole round).
    with opened(b) as (_app, ctx):
        copy = flow.log(ctx, "to be dropped", 1, 3, "2025-06-02")
    time.sleep(0.05)
    original = _flow_id(a, "to be dropped")
    with opened(a) as (_app, ctx):
        flow.delete(ctx, original)
    deleted = sync(a)
    assert deleted.incremental and deleted.pushed  # a record deleted here is placed in its item
    # B pulls the deletion: its copy made before it is the same content and goes too.
    result = sync(b)
    assert result.incremental, result.notes
    assert f"user_flow_logs/{copy}" in result.records["removed"]
    sync(a)
    for folder in (a, b):
        assert "to be dropped" not in _activities(folder), folder.name
    assert plain_export(a) == plain_export(b)


def test_a_removal_that_would_clear_a_reference_elsewhere_writes_nothing(pair):
    """Something else removes a company on the server while the contact pointing at it stays.
    The server's part the fast path checks holds the company only, so it is the write that finds
    out: deleting the row here would clear the contact's reference (ON DELETE SET NULL), an item
    it did not decide. It undoes itself, and the whole round refuses the copy as damaged: the
    company and the reference stay here."""
    from dreamtree_desktop.sync.errors import ServerDamaged

    a, b = pair
    with opened(a) as (_app, ctx):
        answer_through(ctx, "3.3.4")  # the contacts and companies tools open there
        company = companies.create(ctx, {"name": "Acme"})
        contact = contacts.create(ctx, {"name": "Ada", "company_id": company})
    sync(a)
    sync(b)
    with opened(a) as (_app, ctx):
        token = sync_state.stored_token(ctx)
        revision = base_revision(ctx.db)
    assert token is not None and revision is not None
    response = post_items(a_url(a), token, [{"kind": "record", "key": f"user_companies/{company}", "body": None}],
                          revision)
    assert response.status_code == 200, response.text
    before = plain_export(b)
    with pytest.raises(ServerDamaged, match="company_id"):
        sync(b)
    assert plain_export(b) == before
    with opened(b) as (_app, ctx):
        assert contacts.get(ctx, contact)["company_id"] == company


def a_url(folder) -> str:
    with opened(folder) as (_app, ctx):
        server = sync_state.meta(ctx.db, sync_state.META_SERVER)
    assert server is not None
    return server


def test_a_large_change_is_merged_whole(pair, monkeypatch):
    a, b = pair
    monkeypatch.setattr(incremental, "LIMIT", 5)
    with opened(a) as (_app, ctx):
        for n in range(8):
            flow.log(ctx, f"bulk {n}", 2, 4, "2025-06-03")
    result = sync(a)
    assert result.pushed and not result.incremental
    pulled = sync(b)
    assert not pulled.incremental and pulled.items_received >= 8
    monkeypatch.setattr(incremental, "LIMIT", 2000)
    edit(a, PLAIN_PROMPT, "small again")
    assert sync(a).incremental
    assert plain_export(a) == plain_export(b) or sync(b).incremental


def test_the_server_items_carry_their_content_index(pair):
    a, _b = pair
    with opened(a) as (_app, ctx):
        rows = ctx.db.query("SELECT item_key, body_json, content_key FROM sync_items WHERE kind = 'record'")
    assert rows and all(r[2] for r in rows)
    assert len({r[2] for r in rows}) == len(rows)
    assert canonical_json(json.loads(rows[0][1])) == rows[0][1]


def test_the_window_sync_right_after_a_sign_in_builds_the_content_index_first(cloud_server, seeded_template,
                                                                               tmp_path):
    from dreamtree_desktop.sync import background

    account = make_account(cloud_server.url, seeded_template, tmp_path, standalone=("walk", "run"))
    b = sign_in(account, seeded_template, tmp_path, "B")
    held, missing = _unindexed(b)
    assert held >= 2 and missing == held
    edit(b, OTHER_PROMPT, "from the window, before the index")
    with opened(b) as (app, ctx):
        settled = background.settle(ctx, background.fetch(ctx, background.prepare(ctx)), app)
        result = background.finish(ctx, settled, background.send(settled))
    assert result.incremental and result.pushed, result.notes
    assert _unindexed(b) == (held, 0)
    sync(account.a)
    with opened(account.a) as (_app, ctx):
        assert answer_of(ctx, OTHER_PROMPT) == "from the window, before the index"


def test_the_window_background_sync_is_incremental_too(pair):
    from dreamtree_desktop.sync import background

    a, b = pair
    edit(b, OTHER_PROMPT, "B again")
    sync(b)
    edit(a, PLAIN_PROMPT, "A in the window")
    with opened(a) as (app, ctx):
        prepared = background.prepare(ctx)
        fetched = background.fetch(ctx, prepared)
        settled = background.settle(ctx, fetched, app)
        assert not settled.done
        result = background.finish(ctx, settled, background.send(settled))
        assert answer_of(ctx, OTHER_PROMPT) == "B again"
    assert result.incremental and result.pushed and result.applied
    assert sync(b).incremental
    with opened(b) as (_app, ctx):
        assert answer_of(ctx, PLAIN_PROMPT) == "A in the window"


def test_an_answer_kept_in_a_shared_one_row_table_is_merged_incrementally(pair):
    """Some answers live in columns of a one-row table (the budget), not in rows of their own:
    writing them is still a write of their module only."""
    a, b = pair
    edit(a, "1.2.4.benefits", "Dental and a quiet desk")
    result = sync(a)
    assert result.incremental and result.pushed
    pulled = sync(b)
    assert pulled.incremental and pulled.applied
    with opened(b) as (_app, ctx):
        assert answer_of(ctx, "1.2.4.benefits") == "Dental and a quiet desk"
    assert plain_export(a) == plain_export(b)


def test_a_record_deleted_with_its_child_rows_is_synced_incrementally(pair):
    from dreamtree_desktop.tools import experiences

    a, b = pair
    with opened(a) as (_app, ctx):
        skills = [r[0] for r in ctx.db.query("SELECT id FROM skills WHERE is_custom = 0 ORDER BY id LIMIT 2")]
        made = experiences.create(ctx, {"title": "Night shift", "experience_type": "job", "skill_ids": skills})
    assert sync(a).incremental
    assert sync(b).incremental
    with opened(b) as (_app, ctx):
        assert ctx.db.scalar("SELECT COUNT(*) FROM user_experience_skills WHERE experience_id = ?", (made,)) == 2
        experiences.delete(ctx, made)
    deleted = sync(b)
    assert deleted.incremental and deleted.pushed
    pulled = sync(a)
    assert pulled.incremental and f"user_experiences/{made}" in pulled.records["removed"]
    with opened(a) as (_app, ctx):
        assert ctx.db.scalar("SELECT COUNT(*) FROM user_experience_skills WHERE experience_id = ?", (made,)) == 0
    assert plain_export(a) == plain_export(b)
