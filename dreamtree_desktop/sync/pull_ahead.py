"""Reading the pages of GET /v1/changes one ahead.

A page's cursor is inside its JSON body, so a client that needs the body parsed first asks for the
next page only after it has received and parsed this one, and the server builds each page while
the client parses. The server also states the cursor in a header (protocol.NEXT_CURSOR_HEADER):
once a page's body is in, the next page is asked for on a thread of its own while this one is
parsed, so the server builds it meanwhile. One page ahead at most.

Why not as soon as the headers arrive: against `wrangler dev` (the local worker the tests and
benchmarks use), a request sent on a second connection while an answer was still streaming went
unanswered until the 60 s read timeout in about one sign-in in ten. Asked once the body is in, the
next request goes out on the connection just freed, and the server sees what it always saw: one
request at a time, each after the previous answer was delivered.

Nothing else changes: the body's cursor stays the one that counts (a page read ahead by another
cursor, as after a retried page, is dropped and the right one read), every page is the same
request as before, retried and measured the same, and its error reaches the caller when it gets to
that page, never earlier. A server that sends no such header is read page by page on the caller's
thread, as before. close() leaves no thread running.
"""

from __future__ import annotations

import logging
import threading

import httpx

from . import protocol as p
from .client import Abandoned, CloudClient

log = logging.getLogger("dreamtree.sync")


def next_cursor(headers: httpx.Headers) -> str | None:
    """The next page's cursor the server stated in a header, or None (last page, older server)."""
    value = (headers.get(p.NEXT_CURSOR_HEADER) or "").strip()
    return value or None


class _Fetch:
    """One page, asked for on a thread of its own. `received` is set once its body is in
    (`next_cursor` is then what its headers state) or the fetch is over."""

    def __init__(self, client: CloudClient, since: int, cursor: str, since_id: str | None) -> None:
        self.cursor = cursor
        self.next_cursor: str | None = None
        self.received = threading.Event()
        self._cancel = threading.Event()
        self._page: p.ChangesPage | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(client, since, since_id),
                                        name="dreamtree-pull-ahead", daemon=True)
        self._thread.start()

    def _run(self, client: CloudClient, since: int, since_id: str | None) -> None:
        try:
            self._page = client.get_changes(since, self.cursor, since_id=since_id, on_received=self._received,
                                            cancel=self._cancel)
        except BaseException as exc:  # handed, untouched, to the thread that takes the page
            self._error = exc
        finally:
            self.received.set()

    def _received(self, headers: httpx.Headers) -> None:
        self.next_cursor = next_cursor(headers)
        self.received.set()

    def take(self) -> p.ChangesPage | None:
        """The page, or the error its request ended with (raised here, on the caller's thread)."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._page

    def abandon(self) -> None:
        """Not wanted after all: stop at the request's next step and wait until the thread is gone
        (at worst until the server's answer starts, bounded by the client's timeouts)."""
        self._cancel.set()
        self._thread.join()
        if self._error is not None and not isinstance(self._error, Abandoned):
            log.debug("a page read ahead was dropped (%s)", type(self._error).__name__)


class PageReader:
    """The pages of one pull: first() asks for the first page on the caller's thread, following()
    for each next one. Always close() (a try/finally), also after an error."""

    def __init__(self, client: CloudClient) -> None:
        self._client = client
        self._since = 0
        self._since_id: str | None = None
        self._ahead: _Fetch | None = None

    def first(self, since: int, *, since_id: str | None = None,
              if_none_match: bool = False) -> p.ChangesPage | None:
        """The first page after revision `since` (or None: 304); the later pages are asked for
        with the same `since` and `since_id`."""
        self.close()
        self._since, self._since_id = since, since_id
        return self._client.get_changes(since, since_id=since_id, if_none_match=if_none_match,
                                        on_received=self._ask_ahead)

    def following(self, cursor: str) -> p.ChangesPage | None:
        """The page at `cursor` (the one the page before named in its body)."""
        fetch, self._ahead = self._ahead, None
        if fetch is not None and fetch.cursor != cursor:
            fetch.abandon()  # asked for by a cursor a retried page no longer names
            fetch = None
        if fetch is None:
            return self._client.get_changes(self._since, cursor, since_id=self._since_id,
                                            on_received=self._ask_ahead)
        # The page after it is asked for once this one's body is in, while that body is parsed.
        fetch.received.wait()
        if fetch.next_cursor is not None:
            self._start(fetch.next_cursor)
        return fetch.take()

    def close(self) -> None:
        """Drops the page read ahead, if any: no thread is left running."""
        fetch, self._ahead = self._ahead, None
        if fetch is not None:
            fetch.abandon()

    def _ask_ahead(self, headers: httpx.Headers) -> None:
        """A page's body is in, on the caller's thread: ask for the page its headers name, unless
        one is asked for already (a retried page states its cursor again)."""
        cursor = next_cursor(headers)
        if cursor is not None and self._ahead is None:
            self._start(cursor)

    def _start(self, cursor: str) -> None:
        try:
            self._ahead = _Fetch(self._client, self._since, cursor, self._since_id)
        except RuntimeError:
            # No thread to be had: that page is read when its turn comes, as from an older server.
            self._ahead = None
