"""Differential check of the incremental sync round: for random changes made here and on the
server over a small agreed document, the incremental merge (only the changed items and what
the merge relates to them) laid over the untouched rest equals the whole merge, item for item,
and writing only its changed items leaves this folder holding them."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.clock import now_iso
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.engine.workbook import Workbook
from dreamtree_desktop.ids import new_id
from dreamtree_desktop.portability import Catalog, export_document
from dreamtree_desktop.portability.canonical import hash_content
from dreamtree_desktop.portability.keyed import KeyedHasher
from dreamtree_desktop.portability.merge import normalize
from dreamtree_desktop.sync import fast_round, incremental
from dreamtree_desktop.sync.bases import save_bases
from dreamtree_desktop.sync.items import item_texts, iter_items
from dreamtree_desktop.sync.mirror import index_mirror, update_mirror
from dreamtree_desktop.sync.remote import Pulled, check_remote
from dreamtree_desktop.sync.service import key_of_for, merge_with
from dreamtree_desktop.tools import flow

from .factory import populate

PROMPT = "1.1.2.top10-reflection"
COLUMN_PROMPT = "2.5.3.identity-story"  # module 2.5 writes user_profile.identity_story
WORDS = ("walk", "run", "read")
FLOW = "user_flow_logs"


@pytest.fixture(scope="module")
def agreed_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder that has just synced: its export is the server's items and the record bases."""
    path = tmp_path_factory.mktemp("incremental") / "data"
    with open_app_data(path) as app:
        ctx = UserContext.from_app(app)
        populate(ctx)
        for n in range(6):
            flow.log(ctx, WORDS[n % 3], 1, 3, "2025-06-01")
        catalog = Catalog.load(app.db)
        doc = normalize(export_document(ctx, catalog))
        hasher = KeyedHasher(ctx.data_key, ctx.user_id, catalog)
        key_of = key_of_for(hasher)
        assert key_of is not None
        with ctx.db.transaction():
            update_mirror(ctx.db, item_texts(doc).items())
            index_mirror(ctx.db, key_of)
            save_bases(ctx, doc)
            ctx.db.execute("DELETE FROM sync_changes")
        hasher.close()
    return path


local_op = st.one_of(
    st.tuples(st.just("edit"), st.integers(0, 5), st.sampled_from(WORDS)),
    st.tuples(st.just("new"), st.integers(0, 0), st.sampled_from(WORDS)),
    st.tuples(st.just("answer"), st.integers(0, 0), st.sampled_from(WORDS)),
    st.tuples(st.just("profile"), st.integers(0, 0), st.sampled_from(WORDS)),
    st.tuples(st.just("delete"), st.integers(0, 5), st.sampled_from(WORDS)),
)
remote_op = st.one_of(
    st.tuples(st.just("edit"), st.integers(0, 5), st.sampled_from(WORDS)),
    st.tuples(st.just("energy"), st.integers(0, 5), st.sampled_from(WORDS)),
    st.tuples(st.just("new"), st.integers(0, 0), st.sampled_from(WORDS)),
    st.tuples(st.just("delete"), st.integers(0, 5), st.sampled_from(WORDS)),
    st.tuples(st.just("answer"), st.integers(0, 0), st.sampled_from(WORDS)),
    st.tuples(st.just("profile"), st.integers(0, 0), st.sampled_from(WORDS)),
)


def _remote(doc: dict[str, Any], ops: list[tuple[str, int, str]], hasher: KeyedHasher) -> dict[tuple[str, str], Any]:
    items = {k: copy.deepcopy(v) for k, v in iter_items(doc)}
    flows = sorted(k for k in items if k[0] == "record" and k[1].startswith(FLOW + "/"))
    changed: dict[tuple[str, str], Any] = {}
    for what, i, word in ops:
        stamp = now_iso()
        if what in ("edit", "energy", "delete"):
            key = flows[i % len(flows)]
            body = changed.get(key, items[key])
            if body is None:
                continue
            if what == "delete":
                tomb_key = ("tombstone", key[1])
                changed[key] = None
                changed[tomb_key] = {"table": FLOW, "row_id": body["id"], "content_hash": hasher(FLOW, body),
                                     "origin": None, "deleted_at": stamp}
                continue
            body = {**body, "updated_at": stamp}
            body["activity" if what == "edit" else "energy"] = word if what == "edit" else -1
            body["content_hash"] = hash_content(FLOW, body)
            changed[key] = body
        elif what == "new":
            rid = new_id()
            body = {"id": rid, "activity": word, "energy": 1, "focus": 3, "logged_date": "2025-06-01",
                    "origin": None, "created_at": stamp, "updated_at": stamp}
            body["content_hash"] = hash_content(FLOW, body)
            changed[("record", f"{FLOW}/{rid}")] = body
        elif what == "profile":
            unit = copy.deepcopy(changed.get(("module", "2.5"), items[("module", "2.5")]))
            unit["columns"]["user_profile"]["identity_story"] = f"remote {word}"
            unit["last_modified_at"] = stamp
            changed[("module", "2.5")] = unit
        else:
            unit = copy.deepcopy(changed.get(("module", "1.1"), items[("module", "1.1")]))
            for row in unit["rows"]["user_responses"]:
                if row["prompt_id"] == PROMPT:
                    row["response_text"], row["updated_at"] = f"remote {word}", stamp
            unit["last_modified_at"] = stamp
            changed[("module", "1.1")] = unit
    return changed


def _local(ctx: UserContext, ops: list[tuple[str, int, str]]) -> None:
    rows = sorted(r["id"] for r in flow.list_(ctx))
    for what, i, word in ops:
        if what == "edit":
            flow.update(ctx, rows[i % len(rows)], {"activity": word})
        elif what == "new":
            flow.log(ctx, word, 1, 3, "2025-06-01")
        elif what == "profile":
            Workbook(ctx).answer(COLUMN_PROMPT, f"local {word}")
        elif what == "delete":
            rows = sorted(r["id"] for r in flow.list_(ctx))
            flow.delete(ctx, rows[i % len(rows)])
            rows = sorted(r["id"] for r in flow.list_(ctx))  # a later edit picks a row still here
        else:
            Workbook(ctx).answer(PROMPT, f"local {word}")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(local=st.lists(local_op, max_size=4), remote=st.lists(remote_op, max_size=4),
       local_first=st.booleans())
def test_the_incremental_merge_is_the_whole_merge(agreed_folder: Path, tmp_path_factory: pytest.TempPathFactory,
                                                  local: list[tuple[str, int, str]],
                                                  remote: list[tuple[str, int, str]], local_first: bool) -> None:
    path = tmp_path_factory.mktemp("case") / "data"
    shutil.copytree(agreed_folder, path)
    with open_app_data(path) as app:
        ctx = UserContext.from_app(app)
        catalog = Catalog.load(app.db)
        hasher = KeyedHasher(ctx.data_key, ctx.user_id, catalog)
        try:
            server = export_document(ctx, catalog)
            if local_first:
                _local(ctx, local)
            changed = _remote(server, remote, hasher)
            if not local_first:
                _local(ctx, local)
            pulled = Pulled(2, items=changed)
            part = incremental.plan(ctx, catalog, pulled, hasher, reset_seen=None)
            event("whole round" if part is None else f"incremental, {len(part.keys)} items")
            if part is None:
                # A row deleted here that was no standalone record agreed on (a module's row, one
                # made since) cannot be placed in an item: the whole round takes those.
                assert any(op[0] == "delete" for op in local)
                return
            fresh = {k for k, v in changed.items() if v is not None}
            part.remote = check_remote(ctx, part.remote, catalog, fresh=fresh)
            outcome = merge_with(part.local, part.remote, part.bases, hasher)
            # The whole merge on the same inputs: raises at the first item that differs.
            assert fast_round._verify(ctx, catalog, hasher, pulled, part, outcome) is None
            now = item_texts(outcome.doc)
            before = item_texts(normalize(part.local))
            touched = {k for k in now.keys() | before.keys()
                       if k[0] not in ("auth", "revision") and now.get(k) != before.get(k)}
            fast_round._write(ctx, catalog, part, outcome, touched, outcome.doc["revisions"])
            held = item_texts(export_document(ctx, catalog))
            for key in touched:
                if key[0] in ("module", "record"):
                    assert held.get(key) == now.get(key), key
        finally:
            hasher.close()
