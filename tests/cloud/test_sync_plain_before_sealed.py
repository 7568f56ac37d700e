"""A cloud copy written by a DreamTree from before an answer became personal (schema step 8:
2.4.3.first-step, 3.5.3.learned) holds that answer in plain text. A device with the step syncs
with it: the answer is taken, sealed before it is stored, and the copy it pushes back is sealed."""

from __future__ import annotations

import gzip
import json
import time

import httpx
import pytest
from sync_helpers import answer_of, opened
from test_sync_devices import make_account, sign_in, sync

from dreamtree_desktop.clock import now_iso
from dreamtree_desktop.engine.answers import store
from dreamtree_desktop.engine.content import load
from dreamtree_desktop.portability import export_document
from dreamtree_desktop.portability.canonical import canonical_json
from dreamtree_desktop.security.envelope import is_envelope
from dreamtree_desktop.sync import protocol
from dreamtree_desktop.sync import state as sync_state

pytestmark = pytest.mark.cloud

LEARNED = "3.5.3.learned"
OLD_TEXT = "Priya said grant work is mostly relationships with the people funded."


def _server_body(server, user_id: str, module_id: str) -> str:
    rows = server.d1(f"SELECT body FROM sync_items WHERE user_id = '{user_id}' AND kind = 'module' "
                     f"AND item_key = '{module_id}'")
    return str(rows[0]["body"]) if rows else ""


def test_a_cloud_copy_from_before_the_step_syncs_and_ends_sealed(cloud_server, seeded_template, tmp_path):
    account = make_account(cloud_server.url, seeded_template, tmp_path)
    with opened(account.a) as (app, ctx):
        prompt = load(app.db).prompts[LEARNED]
        with app.db.transaction():
            store(ctx, prompt, "written here first", now_iso())
        doc = export_document(ctx)
        token = sync_state.stored_token(ctx)
        user_id = ctx.user_id
    assert sync(account.a).pushed
    # What an older device pushes: the same module, edited later, the answer in plain text.
    time.sleep(0.01)
    unit = json.loads(json.dumps(doc["modules"]["3.5"]))
    later = now_iso()
    for record in unit["rows"]["user_responses"]:
        if record["prompt_id"] == LEARNED:
            assert is_envelope(record["response_text"])
            record["response_text"] = OLD_TEXT
            record["updated_at"] = later
    unit["last_modified_at"] = later
    revision = cloud_server.d1(f"SELECT revision FROM sync_heads WHERE user_id = '{user_id}'")[0]["revision"]
    body, _size = protocol.encode_changes([(("module", "3.5"), canonical_json(unit))])
    posted = httpx.post(f"{cloud_server.url}{protocol.CHANGES}", content=body, timeout=30, headers={
        "Authorization": f"Bearer {token}", "If-Match": str(revision),
        "Content-Type": "application/json", "Content-Encoding": "gzip"})
    assert posted.status_code == 200, gzip.decompress(body)[:200]
    assert OLD_TEXT in _server_body(cloud_server, user_id, "3.5")

    # The device with the step takes the older device's answer, sealed, and seals the cloud copy.
    result = sync(account.a)
    assert result.applied and result.pushed
    with opened(account.a) as (app, ctx):
        assert answer_of(ctx, LEARNED) == OLD_TEXT
        stored = app.db.scalar("SELECT response_text FROM user_responses WHERE prompt_id = ?", (LEARNED,))
        assert is_envelope(stored) and "Priya" not in stored
    assert "Priya" not in _server_body(cloud_server, user_id, "3.5")
    # A new computer signs in from the cloud copy and reads it.
    b = sign_in(account, seeded_template, tmp_path, "B")
    with opened(b) as (app, ctx):
        assert answer_of(ctx, LEARNED) == OLD_TEXT
    assert not sync(account.a).pushed
