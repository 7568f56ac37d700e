"""A new computer's sign-in checks the account's copy in a second process while it takes the copy
in (dreamtree_desktop/sync/copy_check.py). Whatever runs the check, the person meets the same
rulebook: a refused copy leaves the folder as it was, a copy whose values the rulebook brings to
stored form is stored in that form, and a sign-in works when no second process can run."""

from __future__ import annotations

import json
import logging
import re
import sys
from pathlib import Path

import pytest
import sync_helpers
from sync_helpers import PASSWORD, answer_through, mailed_code, new_email, new_folder, opened, own_identity

from dreamtree_desktop.errors import ServiceError
from dreamtree_desktop.portability.canonical import hash_content
from dreamtree_desktop.sync import cloud_account, copy_check, protocol
from dreamtree_desktop.sync import state as sync_state
from dreamtree_desktop.tools import flow

pytestmark = pytest.mark.cloud

ACTIVITY = "Drafting the grant report"


@pytest.fixture(autouse=True)
def several_pages(monkeypatch):
    """The copy comes in several pages, as a heavy user's does: the second process is started
    only then (one page is checked faster where it is)."""
    monkeypatch.setattr(protocol, "PULL_PAGE", 5)


def _checked_by_the_child(caplog) -> bool:
    return any("in its process" in r.getMessage() for r in caplog.records)


def _account_with_a_flow_log(server, seeded_template: Path, tmp_path: Path) -> tuple[str, str, str]:
    """(email, token, user id) of an account whose copy holds one flow log."""
    folder = new_folder(seeded_template, tmp_path, "A")
    email = new_email("aside")
    with opened(folder) as (app, _ctx):
        ctx = own_identity(app)
        answer_through(ctx, "1.3.2")  # the flow log unlocks here
        with app.db.transaction():
            flow.log(ctx, ACTIVITY, 1, 4, "2026-11-30")
        result = cloud_account.cloud_claim(app, server.url, PASSWORD, email=email, lock=False,
                                           ask_code=mailed_code(server.url))
        assert result.sync_error is None
        return email, str(sync_state.stored_token(ctx)), ctx.user_id


def _replace_flow_log(server, token: str, user_id: str, change: dict, *, rehash: bool = True) -> None:
    """The account's flow log as another program would write it: `change` applied, its content
    hash made to match unless not `rehash` (the server checks only the shape)."""
    rows = server.d1(f"SELECT item_key, body FROM sync_items WHERE user_id = '{user_id}' AND kind = 'record' "
                     "AND item_key LIKE 'user_flow_logs/%'")
    row = next(r for r in rows if json.loads(r["body"])["activity"] == ACTIVITY)
    body = {**json.loads(row["body"]), **change}
    if rehash:
        body["content_hash"] = hash_content("user_flow_logs", body)
    revision = server.d1(f"SELECT revision FROM sync_heads WHERE user_id = '{user_id}'")[0]["revision"]
    posted = sync_helpers.post_items(server.url, token, [{"kind": "record", "key": row["item_key"], "body": body}], revision)
    assert posted.status_code == 200, posted.text


def _sign_in(server, seeded_template: Path, tmp_path: Path, email: str, name: str = "B"):
    folder = new_folder(seeded_template, tmp_path, name)
    with opened(folder) as (app, _ctx):
        return folder, cloud_account.login(app, server.url, email, PASSWORD, lock=False)


def _flow_log(folder: Path) -> list[tuple[str, int]]:
    """The flow log this test changes, as the folder holds it."""
    with opened(folder) as (app, _ctx):
        rows = app.db.query("SELECT activity, energy FROM user_flow_logs WHERE activity LIKE ?", (f"%{ACTIVITY}%",))
        return [(r["activity"], r["energy"]) for r in rows]


def _refused_and_untouched(server, seeded_template: Path, tmp_path: Path, email: str, name: str) -> str:
    folder = new_folder(seeded_template, tmp_path, name)
    before = sync_helpers.plain_export(folder)
    with opened(folder) as (app, _ctx), pytest.raises(ServiceError) as caught:
        cloud_account.login(app, server.url, email, PASSWORD, lock=False)
    assert sync_helpers.plain_export(folder) == before
    with opened(folder) as (app, ctx):
        assert app.db.scalar("SELECT count(*) FROM auth") == 0
        assert sync_state.stored_token(ctx) is None
    return str(caught.value)


@pytest.mark.parametrize("change, rehash, field", [
    ({"energy": 9}, True, "energy"),  # the database would refuse it too
    ({"activity": "Changed on the way"}, False, "content_hash"),  # only the rulebook sees it
])
def test_a_copy_the_rulebook_refuses_leaves_the_new_computer_as_it_was(cloud_server, seeded_template, tmp_path,
                                                                        caplog, change, rehash, field):
    email, token, user_id = _account_with_a_flow_log(cloud_server, seeded_template, tmp_path)
    _replace_flow_log(cloud_server, token, user_id, change, rehash=rehash)
    with caplog.at_level(logging.DEBUG, logger="dreamtree.sync"):
        message = _refused_and_untouched(cloud_server, seeded_template, tmp_path, email, "B")
    assert _checked_by_the_child(caplog)
    assert "cannot be used" in message and re.search(rf"/standalone/user_flow_logs/\d+/{field}", message)


def test_a_sealed_value_that_does_not_open_leaves_the_new_computer_as_it_was(cloud_server, seeded_template,
                                                                            tmp_path, caplog):
    """The copy's sealed values are opened while its rows are written: one altered on the way
    (the rulebook sees an envelope, not what it holds) rolls everything back."""
    email, token, user_id = _account_with_a_flow_log(cloud_server, seeded_template, tmp_path)
    body = json.loads(cloud_server.d1(f"SELECT body FROM sync_items WHERE user_id = '{user_id}' "
                                      "AND kind = 'module' AND item_key = '1.2'")[0]["body"])
    answers = body["rows"]["user_responses"]
    where = next(i for i, r in enumerate(answers) if r["prompt_id"] == "1.2.1.past-places")
    envelope = json.loads(answers[where]["response_text"])
    envelope["ciphertext"] = ("A" if envelope["ciphertext"][0] != "A" else "B") + envelope["ciphertext"][1:]
    answers[where]["response_text"] = json.dumps(envelope, separators=(",", ":"))
    revision = cloud_server.d1(f"SELECT revision FROM sync_heads WHERE user_id = '{user_id}'")[0]["revision"]
    posted = sync_helpers.post_items(cloud_server.url, token, [{"kind": "module", "key": "1.2", "body": body}],
                                     revision)
    assert posted.status_code == 200, posted.text
    with caplog.at_level(logging.DEBUG, logger="dreamtree.sync"):
        message = _refused_and_untouched(cloud_server, seeded_template, tmp_path, email, "B")
    assert _checked_by_the_child(caplog)  # the rulebook passed it: only the key can tell
    assert f"/modules/1.2/rows/user_responses/{where}/response_text" in message
    assert "could not be opened" in message


def test_a_copy_brought_to_stored_form_is_stored_in_that_form(cloud_server, seeded_template, tmp_path, caplog):
    email, token, user_id = _account_with_a_flow_log(cloud_server, seeded_template, tmp_path)
    _replace_flow_log(cloud_server, token, user_id, {"activity": f"  {ACTIVITY}  "})
    with caplog.at_level(logging.DEBUG, logger="dreamtree.sync"):
        folder, result = _sign_in(cloud_server, seeded_template, tmp_path, email)
    assert result.adopted and result.sync_error is None
    assert _flow_log(folder) == [(ACTIVITY, 1)]
    assert _checked_by_the_child(caplog)
    assert any("taken in again" in r.getMessage() for r in caplog.records)


def test_a_copy_of_one_page_is_checked_here(cloud_server, seeded_template, tmp_path, monkeypatch, caplog):
    email, _token, _user_id = _account_with_a_flow_log(cloud_server, seeded_template, tmp_path)
    monkeypatch.setattr(protocol, "PULL_PAGE", 10_000)
    started = []
    monkeypatch.setattr(copy_check.CopyCheck, "_start", lambda self: started.append(self))
    folder, result = _sign_in(cloud_server, seeded_template, tmp_path, email)
    assert result.adopted and result.sync_error is None
    assert _flow_log(folder) == [(ACTIVITY, 1)] and started == []


@pytest.mark.parametrize("child", [
    ["/nonexistent/dreamtree-check"],  # no second process at all
    [sys.executable, "-c", "import sys; sys.stdin.buffer.read(); print('nonsense')"],  # one that answers nonsense
    [sys.executable, "-c", "import sys; sys.exit(3)"],  # one that ends at once
    # One that never reads what it is sent: the catalog alone fills the pipe, and the pages wait
    # on a thread of their own, not the sign-in, until the wait for a verdict gives up.
    [sys.executable, "-c", "import time; time.sleep(600)"],
])
def test_without_a_working_second_process_the_copy_is_checked_here(cloud_server, seeded_template, tmp_path,
                                                                   monkeypatch, caplog, child):
    email, token, user_id = _account_with_a_flow_log(cloud_server, seeded_template, tmp_path)
    monkeypatch.setattr(copy_check, "child_command", lambda: child)
    monkeypatch.setattr(copy_check, "VERDICT_TIMEOUT_S", 5.0)
    with caplog.at_level(logging.DEBUG, logger="dreamtree.sync"):
        folder, result = _sign_in(cloud_server, seeded_template, tmp_path, email)
    assert result.adopted and result.sync_error is None and result.sync is not None
    assert _flow_log(folder) == [(ACTIVITY, 1)]
    assert not _checked_by_the_child(caplog)
    assert any("made here" in r.getMessage() or "checked in this process" in r.getMessage() for r in caplog.records)
    _replace_flow_log(cloud_server, token, user_id, {"focus": 0})
    message = _refused_and_untouched(cloud_server, seeded_template, tmp_path, email, "C")
    assert re.search(r"/standalone/user_flow_logs/\d+/focus", message)
