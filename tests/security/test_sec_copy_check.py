"""The second process that checks an account's copy at sign-in (sync/copy_check.py) is handed
pages and the catalog only: no password, token or data folder reaches it, and what it says of a
damaged copy is what the check in this process says."""

from __future__ import annotations

import json
import re

import pytest

from dreamtree_desktop.engine.sample import SampleAnswers
from dreamtree_desktop.engine.workbook import Workbook
from dreamtree_desktop.portability import Catalog, export_document
from dreamtree_desktop.portability.canonical import hash_content
from dreamtree_desktop.sync import copy_check
from dreamtree_desktop.sync.items import iter_items
from dreamtree_desktop.tools import jobs
from dreamtree_desktop.tools._common import is_unlocked

TITLE = "Program officer at the Hillside Fund"


def test_the_child_gets_no_secret_from_the_environment(monkeypatch):
    for name in ("DREAMTREE_PASSWORD", "DREAMTREE_CLOUD_PASSWORD", "DREAMTREE_NEW_PASSWORD",
                 "DREAMTREE_DATA_DIR", "SOME_API_TOKEN", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "do-not-pass-on")
    monkeypatch.setenv("LANG", "C.UTF-8")
    env = copy_check._child_env()
    assert "do-not-pass-on" not in env.values()
    assert env["LANG"] == "C.UTF-8"


def _unlock(ctx, tool_id: str) -> None:
    """The workbook answered in order, as a person would, until the tool opens."""
    wb, sample = Workbook(ctx), SampleAnswers(ctx)
    for exercise in wb.content.exercises:
        for prompt in exercise.prompts:
            wb.answer(prompt.id, sample.value(prompt, wb.ranking_items(prompt.id) if prompt.input_type == "ranking" else None))
        if is_unlocked(ctx, tool_id):
            return


def _page(ctx, change=None) -> bytes:
    doc = export_document(ctx, Catalog.load(ctx.db))
    items = []
    for (kind, key), body in iter_items(doc):
        if change and kind == "record" and body.get("title") == TITLE:
            body = {**body, **change}
            body["content_hash"] = hash_content("user_jobs", body)
        items.append({"kind": kind, "key": key, "body": body})
    return json.dumps({"revision": 1, "cursor": None, "items": items}).encode("utf-8")


@pytest.mark.parametrize("change, refused", [
    (None, None),
    ({"posting_url": "javascript:alert(1)"}, r"/standalone/user_jobs/\d+"),
])
def test_the_child_and_this_process_give_the_same_verdict(ctx, change, refused):
    _unlock(ctx, jobs.TOOL_ID)
    with ctx.db.transaction():
        jobs.create(ctx, {"title": TITLE, "application_status": "applied"})
    page = _page(ctx, change)
    check = copy_check.CopyCheck(Catalog.load(ctx.db))
    try:
        check.page(page, True)
        check.all_received()
        verdict = check.verdict()
    finally:
        check.close()
    assert check.answered_by_child
    assert verdict == copy_check.judge([page], Catalog.load(ctx.db))
    assert re.fullmatch(refused, verdict.refused[0]) if refused else verdict.refused is None, verdict
    assert verdict.as_it_came
