"""A pull reads the next page of GET /v1/changes while it still reads the one before
(sync/pull_ahead.py): it gives exactly what a page-by-page read gives, and an error on a later page
reaches the caller as it would have, with no thread left running. Against the real local worker,
in pages made small for the test."""

from __future__ import annotations

import gzip
import json
import threading
from typing import Any

import httpx
import pytest
from protocol_helpers import create_account, expect, random_ip

from dreamtree_desktop import clock
from dreamtree_desktop.sync import protocol, pull_ahead
from dreamtree_desktop.sync.client import ClockSkew, CloudClient, DamagedSnapshot
from dreamtree_desktop.sync.remote import Pulled, pull_items

pytestmark = pytest.mark.cloud

PAGE = 3  # items per page in these tests


@pytest.fixture
def api(cloud_server):
    with httpx.Client(base_url=cloud_server.url, timeout=60.0, headers={"CF-Connecting-IP": random_ip()}) as c:
        yield c


@pytest.fixture
def small_pages(monkeypatch) -> list[str]:
    """Pages of PAGE items; returns the cursors of the pages read ahead, in order."""
    monkeypatch.setattr(protocol, "PULL_PAGE", PAGE)
    asked: list[str] = []

    class Counted(pull_ahead._Fetch):
        def __init__(self, client: CloudClient, since: int, cursor: str, since_id: str | None) -> None:
            asked.append(cursor)
            super().__init__(client, since, cursor, since_id)

    monkeypatch.setattr(pull_ahead, "_Fetch", Counted)
    return asked


def push(api: httpx.Client, token: str, items: list[dict[str, Any]], if_match: int) -> dict[str, Any]:
    raw = json.dumps({"items": items}).encode("utf-8")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Content-Encoding": "gzip",
               "If-Match": str(if_match)}
    return expect(api.post("/v1/changes", content=gzip.compress(raw), headers=headers), 200).json()


def record(n: int, text: str = "") -> dict[str, Any]:
    return {"kind": "record", "key": f"flow_logs/{n:05d}", "body": {"id": n, "activity": f"walk {n} 🌳{text}"}}


def readers_alive() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "dreamtree-pull-ahead" and t.is_alive()]


def pull(url: str, token: str, since: int | None = None, since_id: str | None = None) -> Pulled:
    with CloudClient(url, token) as client:
        pulled = pull_items(client, since, since_id=since_id)
        assert client.clock_offset_s is not None  # every page is still measured
    return pulled


def page_by_page(monkeypatch, url: str, token: str, **kwargs: Any) -> Pulled:
    """The same pull as an older server allows it: no cursor in a header, pages one after the other."""
    with monkeypatch.context() as m:
        m.setattr(protocol, "NEXT_CURSOR_HEADER", "x-not-sent")
        return pull(url, token, **kwargs)


def test_a_pull_read_ahead_gives_exactly_what_a_page_by_page_read_gives(api, cloud_server, small_pages,
                                                                           monkeypatch):
    acct = create_account(api)
    first = push(api, acct.token, [record(n) for n in range(17)], 0)
    # A later push moves some items to revision 2, removes one and adds others.
    push(api, acct.token, [record(3, " again"), record(11, " again"), {"kind": "record", "key": "flow_logs/00005",
                                                                       "body": None}]
         + [record(n) for n in range(100, 108)], 1)

    ahead = pull(cloud_server.url, acct.token)
    pages = -(-(17 + 8) // PAGE)  # the moved items are sent once, at their new revision
    assert len(small_pages) == pages - 1  # every page after the first was asked for ahead
    asked = len(small_pages)
    plain = page_by_page(monkeypatch, cloud_server.url, acct.token)
    assert len(small_pages) == asked  # without the header nothing is read ahead
    assert ahead == plain
    assert (ahead.revision, len(ahead.items), ahead.restart) == (2, 25, True)
    assert ahead.items[("record", "flow_logs/00005")] is None
    assert ahead.wire_bytes > 0 and ahead.revision_id is not None

    # From revision 1 (the since_id goes with every page): only what the second push wrote.
    since = {"since": 1, "since_id": first["revision_id"]}
    ahead = pull(cloud_server.url, acct.token, **since)
    assert ahead == page_by_page(monkeypatch, cloud_server.url, acct.token, **since)
    assert (ahead.restart, len(ahead.items)) == (False, 11)
    assert not readers_alive()


def test_a_page_asked_for_by_another_cursor_is_dropped_and_its_error_never_seen(api, cloud_server, small_pages,
                                                                                  monkeypatch):
    """As when a page is retried and its new answer ends elsewhere: the body's cursor counts."""
    acct = create_account(api)
    push(api, acct.token, [record(n) for n in range(14)], 0)
    plain = page_by_page(monkeypatch, cloud_server.url, acct.token)
    stated = pull_ahead.next_cursor
    calls = 0

    def misstated(headers: httpx.Headers) -> str | None:
        nonlocal calls
        calls += 1
        cursor = stated(headers)
        # The second page's header names a cursor the server never made (its page: 400).
        return "c1.bm90LWEtY3Vyc29y" if calls == 2 and cursor else cursor

    monkeypatch.setattr(pull_ahead, "next_cursor", misstated)
    assert pull(cloud_server.url, acct.token) == plain
    assert "c1.bm90LWEtY3Vyc29y" in small_pages
    assert not readers_alive()


def test_an_error_on_a_later_page_reaches_the_caller_with_no_thread_left(api, cloud_server, small_pages,
                                                                         monkeypatch):
    acct = create_account(api)
    push(api, acct.token, [record(n) for n in range(12)], 0)
    # Revision 2: a large item first (its page is the fifth), then more pages after it.
    push(api, acct.token, [record(50, "x" * 200_000)] + [record(n) for n in range(60, 66)], 1)
    monkeypatch.setattr(protocol, "MAX_PAGE_RESPONSE", 64 * 1024)

    with pytest.raises(DamagedSnapshot) as plain:
        page_by_page(monkeypatch, cloud_server.url, acct.token)
    assert not small_pages
    with pytest.raises(DamagedSnapshot) as ahead:
        pull(cloud_server.url, acct.token)
    # The pages after the first up to the large one's were read ahead (not the one after it: the
    # large one's body never came in whole); none is still running.
    assert len(small_pages) == 4
    assert not readers_alive()
    assert (str(ahead.value), ahead.value.revision) == (str(plain.value), plain.value.revision)
    assert "larger than 65,536 bytes" in str(ahead.value)


def test_a_clock_found_wrong_on_a_later_page_stops_the_pull_with_no_thread_left(api, cloud_server, small_pages,
                                                                                monkeypatch):
    """The error comes after the page's body is in, when the page after it is already asked for:
    that one is dropped."""
    acct = create_account(api)
    push(api, acct.token, [record(n) for n in range(14)], 0)
    stated = pull_ahead.next_cursor
    before = clock._offset.total_seconds()

    def errors(pages_read: int) -> ClockSkew:
        calls = 0

        def skewing(headers: httpx.Headers) -> str | None:
            # Called once each page's body is in: after the third, this computer's clock is three
            # hours ahead.
            nonlocal calls
            calls += 1
            if calls == 3:
                clock.set_offset(3 * 3600)
            return stated(headers)

        with monkeypatch.context() as m:
            m.setattr(pull_ahead, "next_cursor", skewing)
            try:
                with pytest.raises(ClockSkew) as caught:
                    if pages_read:
                        pull(cloud_server.url, acct.token)
                    else:
                        page_by_page(monkeypatch, cloud_server.url, acct.token)
            finally:
                clock.set_offset(before)
        return caught.value

    plain = errors(0)
    ahead = errors(1)
    assert str(ahead) == str(plain) and "3.0 hours ahead" in str(ahead)
    # The clock was set once page 3's body was in, so page 4's answer shows it: pages 2 to 4 were
    # read ahead, and page 5 too (asked for once page 4's body was in), then dropped.
    assert len(small_pages) == 4
    assert not readers_alive()
