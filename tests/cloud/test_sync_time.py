"""Trusted time: every answer of the worker carries X-Server-Time; a device whose clock is more
than five minutes off refuses to sync with nothing written, and inside the tolerance its stamps
are corrected by the measured offset."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from sync_helpers import PLAIN_PROMPT, answer, answer_of, cli, opened
from test_sync_devices import make_account, sign_in, sync

from dreamtree_desktop import clock
from dreamtree_desktop.portability import Catalog, export_document
from dreamtree_desktop.sync import service
from dreamtree_desktop.sync.errors import ClockSkew

pytestmark = pytest.mark.cloud


@pytest.fixture(autouse=True)
def _clock_restored():
    yield
    clock.set_offset(0)
    clock.set_trusted_offset(0)


def test_every_answer_states_the_server_time(cloud_server):
    before = time.time() * 1000
    for method, path in (("GET", "/v1/nowhere"), ("POST", "/v1/prelogin"), ("GET", "/v1/snapshot")):
        r = httpx.request(method, cloud_server.url + path, json={} if method == "POST" else None)
        stamp = int(r.headers["x-server-time"])
        assert before - 1000 <= stamp <= time.time() * 1000 + 1000, (path, stamp)


def _module_stamp(folder: Path, module: str) -> str:
    with opened(folder) as (app, ctx):
        return str(export_document(ctx, Catalog.load(app.db))["modules"][module]["last_modified_at"])


def test_case1_a_fast_clock_is_refused_and_cannot_win(cloud_server, seeded_template, tmp_path):
    """Case 1: A with its clock an hour ahead answers, B answers later in real time. A's sync is
    refused ("your clock is off", exit 4, nothing written); B's later answer is what both hold."""
    account = make_account(cloud_server.url, seeded_template, tmp_path)
    b = sign_in(account, seeded_template, tmp_path, "B")
    with opened(account.a) as (_app, ctx):
        revision_before = service.sync_status(ctx)["revision"]
    clock.set_offset(3600)
    try:
        with opened(account.a) as (_app, ctx):
            answer(ctx, PLAIN_PROMPT, "A, clock an hour fast")
        with pytest.raises(ClockSkew) as refused:
            sync(account.a)
        assert "clock is off" in str(refused.value) and "ahead" in str(refused.value)
    finally:
        clock.set_offset(0)
    done = cli(account.a, "sync", extra_env={"DREAMTREE_CLOCK_OFFSET_SECONDS": "3600"})
    assert done.returncode == 4, done.stderr
    assert "Your clock is off" in done.stderr
    with opened(account.a) as (_app, ctx):
        assert service.sync_status(ctx)["revision"] == revision_before
        assert answer_of(ctx, PLAIN_PROMPT) == "A, clock an hour fast"

    with opened(b) as (_app, ctx):
        answer(ctx, PLAIN_PROMPT, "B, later in real time")
    sync(b)
    # A's clock is set right; its stamp from the fast hour is refused, B's answer stays current.
    with pytest.raises(Exception) as stamped:
        sync(account.a)
    assert "later than now" in str(stamped.value)
    with opened(b) as (_app, ctx):
        assert answer_of(ctx, PLAIN_PROMPT) == "B, later in real time"


def test_a_clock_inside_the_tolerance_is_corrected(cloud_server, seeded_template, tmp_path):
    account = make_account(cloud_server.url, seeded_template, tmp_path)
    clock.set_offset(-240)  # four minutes slow: accepted, and corrected
    try:
        result = sync(account.a)
        assert 235 <= result.clock_offset_s <= 245
        with opened(account.a) as (_app, ctx):
            answer(ctx, PLAIN_PROMPT, "written with a slow clock")
            assert 235 <= service.sync_status(ctx)["clock_offset_s"] <= 245
    finally:
        clock.set_offset(0)
        clock.set_trusted_offset(0)
    stamp = clock.parse_iso(_module_stamp(account.a, "1.1"))
    assert abs(stamp.timestamp() - time.time()) < 30, "the stamp was corrected to the service's time"
