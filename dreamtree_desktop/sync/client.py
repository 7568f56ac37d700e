"""HTTP client of the cloud service (httpx): timeouts, retries with backoff, bounded answers.

Every failure becomes an error the user can act on (dreamtree_desktop.errors): the service
unreachable or failing is a ServiceError (exit 4), a refused session or password an
AuthenticationError (exit 3). The session token and auth secrets never appear in messages,
reprs or logs.
"""

from __future__ import annotations

import base64
import logging
import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from .. import __version__, clock
from ..security.errors import WrongPasswordError
from . import protocol as p
from .errors import (
    UNREACHABLE_HINT,
    ClockSkew,
    CloudError,
    CloudUnreachable,
    DamagedSnapshot,
    RateLimited,
    RevisionAhead,
    SessionRefused,
    StaleRevision,
)

__all__ = [
    "ClockSkew",
    "CloudClient",
    "CloudError",
    "CloudUnreachable",
    "DamagedSnapshot",
    "RateLimited",
    "SessionRefused",
    "StaleRevision",
]

log = logging.getLogger("dreamtree.sync")

# The project's own service; DREAMTREE_SERVER points the app elsewhere (tests, self-hosting).
DEFAULT_SERVER_URL = "https://sync.dreamtree.app"
SERVER_ENV = "DREAMTREE_SERVER"
DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=60.0, write=60.0, pool=5.0)
DEFAULT_ATTEMPTS = 3
RETRY_STATUSES = frozenset({500, 502, 503, 504})

# Called with a 200 answer's headers once its whole body is in and its connection is free again,
# before the body is parsed.
OnReceived = Callable[[httpx.Headers], None]


class Abandoned(Exception):
    """A request whose `cancel` event was set: its caller no longer wants the answer (a page read
    ahead after the pull failed). Never reaches the person; not a CloudError, so no route turns it
    into one and no retry follows."""


def default_server() -> str:
    """The server a new sign-in or sign-up goes to unless the person picks another."""
    return os.environ.get(SERVER_ENV, "").strip() or DEFAULT_SERVER_URL


@dataclass(frozen=True)
class Answer:
    status: int
    headers: httpx.Headers
    body: dict[str, Any] | None
    wire_bytes: int
    raw: bytes = b""


def b64(data: bytes | bytearray) -> str:
    return base64.b64encode(bytes(data)).decode("ascii")


class CloudClient:
    """One server; `token` is the session (set by login / verify_signup / confirm_reset).
    `device_token` is this device's standing with the service: given at construction (the one
    kept from an earlier sign-in), sent by login, and replaced by what each sign-in returns, so
    the caller keeps `client.device_token` after signing in. It lets a known device past the
    limits an attacker guessing the password can fill (docs/sync-protocol.md, "Limits")."""

    def __init__(
        self,
        server: str,
        token: str | None = None,
        *,
        device_token: str | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        attempts: int = DEFAULT_ATTEMPTS,
        backoff_s: float = 0.5,
        max_wait_s: float = 8.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.server = p.normalize_server_url(server)
        self.token = token
        self.device_token = device_token
        self.attempts = max(1, attempts)
        self.backoff_s = backoff_s
        self.max_wait_s = max_wait_s
        self._sleep = sleep
        self._http = httpx.Client(
            base_url=self.server, timeout=timeout, transport=transport, follow_redirects=False,
            headers={"User-Agent": f"DreamTree-Desktop/{__version__}", "Accept": "application/json"},
        )

        # Server time - device time, measured from X-Server-Time (None until an answer has it).
        self.clock_offset_s: float | None = None
        self._best_round_trip: float | None = None
        # A page read ahead is measured on its own thread (sync/pull_ahead.py).
        self._clock_lock = threading.Lock()

    def __repr__(self) -> str:
        return (f"CloudClient({self.server!r}, token={'<hidden>' if self.token else None}, "
                f"device_token={'<hidden>' if self.device_token else None})")

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> CloudClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the routes ----------------------------------------------------------------------------
    def prelogin(self, email: str) -> dict[str, Any]:
        answer = self._call("POST", p.PRELOGIN, json_body={"email": email}, auth=False)
        kdf = (answer.body or {}).get("kdf") if answer.status == 200 else None
        if not isinstance(kdf, dict):
            raise self._unexpected(answer)
        return kdf

    def request_signup(self, email: str, auth_secret: bytes | bytearray, kdf: dict[str, Any],
                       wrapped_data_key: str, user_id: str) -> None:
        """POST /v1/accounts: the service mails a verification code (or, when the address already
        has an account, a warning to its owner: the answer is the same)."""
        body = {"email": email, "auth_secret": b64(auth_secret), "kdf": kdf,
                "wrapped_data_key": wrapped_data_key, "user_id": user_id}
        answer = self._call("POST", p.ACCOUNTS, json_body=body, auth=False)
        if answer.status != 202:
            raise self._unexpected(answer)

    def verify_signup(self, email: str, code: str) -> p.Session:
        """POST /v1/accounts/verify: creates the account; CloudError code invalid_code otherwise."""
        answer = self._call("POST", p.ACCOUNTS_VERIFY, json_body={"email": email, "code": code}, auth=False)
        session = p.parse_session(answer.body) if answer.status == 201 else None
        if session is None:
            raise self._unexpected(answer)
        self.token = session.token
        self.device_token = session.device_token or self.device_token
        return session

    def request_reset(self, email: str) -> None:
        """POST /v1/account/reset: a reset code is mailed if the address has an account."""
        answer = self._call("POST", p.ACCOUNT_RESET, json_body={"email": email}, auth=False)
        if answer.status != 202:
            raise self._unexpected(answer)

    def confirm_reset(self, email: str, code: str, auth_secret: bytes | bytearray, kdf: dict[str, Any],
                      wrapped_data_key: str) -> p.Session:
        """POST /v1/account/reset/confirm: the account takes the new password and data key; all
        its sessions end and this one starts. The session's reset_at is set."""
        body = {"email": email, "code": code, "auth_secret": b64(auth_secret), "kdf": kdf,
                "wrapped_data_key": wrapped_data_key}
        answer = self._call("POST", p.ACCOUNT_RESET_CONFIRM, json_body=body, auth=False)
        session = p.parse_session(answer.body) if answer.status == 200 else None
        if session is None:
            raise self._unexpected(answer)
        self.token = session.token
        self.device_token = session.device_token or self.device_token
        return session

    def login(self, email: str, auth_secret: bytes | bytearray, device_token: str | None = None) -> p.Session:
        """POST /v1/sessions; `device_token` (default: the client's) is the one an earlier sign-in
        of this device got."""
        body = {"email": email, "auth_secret": b64(auth_secret)}
        device_token = device_token or self.device_token
        if device_token:
            body["device_token"] = device_token
        answer = self._call("POST", p.SESSIONS, json_body=body, auth=False)
        session = p.parse_session(answer.body) if answer.status == 200 else None
        if session is None or session.kdf is None or session.wrapped_data_key is None:
            raise self._unexpected(answer)
        self.token = session.token
        self.device_token = session.device_token or self.device_token
        return session

    def change_password(self, old_auth_secret: bytes | bytearray, new_auth_secret: bytes | bytearray,
                        new_kdf: dict[str, Any], new_wrapped_data_key: str) -> None:
        body = {"old_auth_secret": b64(old_auth_secret), "new_auth_secret": b64(new_auth_secret),
                "new_kdf": new_kdf, "new_wrapped_data_key": new_wrapped_data_key}
        answer = self._call("POST", p.PASSWORD, json_body=body)
        if answer.status != 200:
            raise self._unexpected(answer)

    def logout(self) -> None:
        answer = self._call("DELETE", p.SESSION_CURRENT)
        if answer.status != 204:
            raise self._unexpected(answer)
        self.token = None

    def get_snapshot(self) -> p.Snapshot:
        try:
            answer = self._call("GET", p.SNAPSHOT, headers={"Accept-Encoding": "gzip"},
                                limit=p.MAX_SNAPSHOT_RESPONSE)
        except CloudError as exc:
            reasons = {"response_too_large": f"it is larger than {p.MAX_SNAPSHOT_BODY // (1024 * 1024)} MB",
                       "damaged_answer": "its compression is damaged"}
            if exc.code in reasons:
                raise DamagedSnapshot(reasons[exc.code], exc.revision) from None
            raise
        if answer.status != 200:
            raise self._unexpected(answer)
        snapshot = p.parse_snapshot(answer.body, answer.wire_bytes, p.wallet_digest(answer.raw))
        if snapshot is None:
            reason = "it is not valid JSON" if answer.body is None else "it is not a snapshot"
            raise DamagedSnapshot(reason, _etag_revision(answer.headers))
        return snapshot

    def put_snapshot(self, upload: p.Upload, if_match: int) -> int:
        headers = {"If-Match": str(if_match), "Content-Type": "application/json", "Content-Encoding": "gzip"}
        answer = self._call("PUT", p.SNAPSHOT, content=upload.body, headers=headers)
        body = answer.body or {}
        if answer.status == 409 and p.error_of(body)[0] == p.STALE_REVISION:
            current = body.get("revision")
            raise StaleRevision(current if type(current) is int else -1)
        revision = body.get("revision")
        if answer.status != 200 or type(revision) is not int:
            raise self._unexpected(answer)
        if body.get("sha256") not in (None, upload.wallet_sha256):
            # The server stored other bytes than we sent: say so rather than trust the copy.
            raise CloudError("The cloud service stored a different snapshot than the one sent.", status=200,
                             code="checksum_mismatch", hint="Sync again; your data here is unchanged.")
        return revision

    def get_changes(self, since: int, cursor: str | None = None, *, since_id: str | None = None,
                    if_none_match: bool = False, on_received: OnReceived | None = None,
                    cancel: threading.Event | None = None) -> p.ChangesPage | None:
        """One page of the items changed after revision `since` (made by the push `since_id`,
        when known); None when `if_none_match` and nothing is newer (304). RevisionAhead when
        the server is behind `since` or its revision `since` is another push. `on_received` sees
        each 200 answer's headers once its body is in, before it is parsed; `cancel` set: Abandoned."""
        query = f"?since={since}&limit={p.PULL_PAGE}" + (f"&after={quote(cursor, safe='')}" if cursor else "")
        if since_id and since:
            query += f"&since_id={quote(since_id, safe='')}"
        headers = {"Accept-Encoding": "gzip"}
        if if_none_match:
            headers["If-None-Match"] = f'"{since}"'
        try:
            answer = self._call("GET", p.CHANGES + query, headers=headers, limit=p.MAX_PAGE_RESPONSE,
                                on_received=on_received, cancel=cancel)
        except CloudError as exc:
            reasons = {"response_too_large": f"a page of it is larger than {_size(p.MAX_PAGE_RESPONSE)}",
                       "damaged_answer": "its compression is damaged"}
            if exc.code in reasons:
                raise DamagedSnapshot(reasons[exc.code], None) from None
            raise
        if answer.status == 304:
            return None
        body = answer.body or {}
        if answer.status == 409 and p.error_of(body)[0] == p.REVISION_AHEAD:
            current = body.get("revision")
            raise RevisionAhead(current if type(current) is int else 0)
        if answer.status != 200:
            raise self._unexpected(answer)
        page = p.parse_changes(answer.body, answer.wire_bytes, answer.raw)
        if page is None:
            reason = "it is not valid JSON" if answer.body is None else "a page of changes has the wrong shape"
            raise DamagedSnapshot(reason, None)
        return page

    def post_changes(self, body: bytes, if_match: int) -> tuple[int, str | None]:
        """Push one page (gzip JSON from protocol.encode_changes); the new revision and its id.
        StaleRevision when another device pushed first (nothing written)."""
        headers = {"If-Match": str(if_match), "Content-Type": "application/json", "Content-Encoding": "gzip"}
        answer = self._call("POST", p.CHANGES, content=body, headers=headers)
        reply = answer.body or {}
        if answer.status == 409 and p.error_of(reply)[0] == p.STALE_REVISION:
            current = reply.get("revision")
            raise StaleRevision(current if type(current) is int else -1)
        revision, revision_id = reply.get("revision"), reply.get("revision_id")
        if answer.status != 200 or type(revision) is not int:
            raise self._unexpected(answer)
        return revision, revision_id if isinstance(revision_id, str) else None

    # -- transport -----------------------------------------------------------------------------
    def _call(self, method: str, path: str, *, json_body: Any = None, content: bytes | None = None,
              headers: dict[str, str] | None = None, auth: bool = True,
              limit: int = p.MAX_SMALL_RESPONSE, on_received: OnReceived | None = None,
              cancel: threading.Event | None = None) -> Answer:
        """One request, retried on no answer and on 5xx with exponential backoff (every route
        is safe to repeat: a push is compare-and-set on the revision). `cancel` (a request on a
        thread of its own): once set, Abandoned at the next step, its backoff waits cut short."""
        all_headers = dict(headers or {})
        if auth:
            if not self.token:
                raise SessionRefused("missing_token", self.server)
            all_headers["Authorization"] = f"Bearer {self.token}"
        last_problem = ""
        retry_after: int | None = None
        for attempt in range(self.attempts):
            if attempt:
                self._pause(self._wait(attempt, retry_after), cancel)
            if cancel is not None and cancel.is_set():
                raise Abandoned
            retry_after = None
            try:
                answer = self._exchange(method, path, json_body, content, all_headers, limit, on_received, cancel)
            except httpx.TransportError as exc:
                last_problem = _describe_transport(exc)
                log.info("%s %s: no answer (%s), attempt %d", method, path, last_problem, attempt + 1)
                continue
            if answer.status in RETRY_STATUSES:
                last_problem = f"HTTP {answer.status}"
                retry_after = _retry_after(answer.headers)
                log.info("%s %s: HTTP %d, attempt %d", method, path, answer.status, attempt + 1)
                if attempt + 1 < self.attempts:
                    continue
                raise self._unexpected(answer)
            return self._refusals(answer)
        raise CloudUnreachable(f"The cloud service at {self.server} cannot be reached ({last_problem}).",
                               code="unreachable", hint=UNREACHABLE_HINT)

    def _pause(self, seconds: float, cancel: threading.Event | None) -> None:
        if cancel is None:
            self._sleep(seconds)
        elif cancel.wait(seconds):
            # Whoever waits for this thread should not wait out a backoff first.
            raise Abandoned

    def _exchange(self, method: str, path: str, json_body: Any, content: bytes | None,
                  headers: dict[str, str], limit: int, on_received: OnReceived | None = None,
                  cancel: threading.Event | None = None) -> Answer:
        request = self._http.build_request(method, path, json=json_body, content=content, headers=headers)
        sent = clock.device_now().timestamp()
        response = self._http.send(request, stream=True)
        received = clock.device_now().timestamp()
        try:
            parts: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                if cancel is not None and cancel.is_set():
                    raise Abandoned
                size += len(chunk)
                if size > limit:
                    raise CloudError(
                        f"The cloud service sent more than {limit // (1024 * 1024) or 1} MB",
                        status=response.status_code, code="response_too_large",
                        hint="Your data here is unchanged.", revision=_etag_revision(response.headers),
                    )
                parts.append(chunk)
            wire = response.num_bytes_downloaded
        except httpx.DecodingError:
            raise CloudError("The cloud service sent a damaged (badly compressed) answer",
                             status=response.status_code, code="damaged_answer",
                             hint="Your data here is unchanged; try again.",
                             revision=_etag_revision(response.headers)) from None
        finally:
            response.close()
        if on_received is not None and response.status_code == 200:
            on_received(response.headers)
        self._measure_clock(response.headers, sent, received)
        data = b"".join(parts)
        body = p.parse_json_object(data) if data else None
        return Answer(response.status_code, response.headers, body, wire, data)

    def _measure_clock(self, headers: httpx.Headers, sent: float, received: float) -> None:
        """The server stamped its answer somewhere between sending and receiving: the midpoint
        is the best guess, off by at most half the round trip. Too far off: refuse before any
        route's answer is used (so nothing is written)."""
        value = (headers.get("x-server-time") or "").strip()
        if not value.isdigit():
            return
        offset = int(value) / 1000 - (sent + received) / 2
        if abs(offset) > clock.TOLERANCE.total_seconds():
            raise ClockSkew(offset)
        # The quickest exchange bounds the error best (a long upload widens the window).
        round_trip = received - sent
        with self._clock_lock:
            if self._best_round_trip is None or round_trip <= self._best_round_trip:
                self._best_round_trip = round_trip
                self.clock_offset_s = offset
                clock.set_trusted_offset(offset)

    def _wait(self, attempt: int, retry_after: int | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_wait_s)
        base = min(self.backoff_s * (2.0 ** (attempt - 1)), self.max_wait_s)
        return base * (1 + random.random() / 4)  # jitter: devices retrying together spread out

    def _refusals(self, answer: Answer) -> Answer:
        """Answers no route can use: a refused session, a wrong password, rate limiting."""
        code, _message = p.error_of(answer.body)
        if answer.status == 401 and code == p.INVALID_CREDENTIALS:
            raise WrongPasswordError(
                "Wrong password.", hint="Or no cloud account uses this email address on this server.",
            )
        if answer.status == 401:
            raise SessionRefused(code or "invalid_token", self.server)
        if answer.status == 429:
            retry = (answer.body or {}).get("retry_after")
            raise RateLimited(retry if type(retry) is int else _retry_after(answer.headers) or 60)
        return answer

    def _unexpected(self, answer: Answer) -> CloudError:
        code, message = p.error_of(answer.body)
        if answer.status == 413 or code == p.PAYLOAD_TOO_LARGE:
            return CloudError(
                "Your data is larger than the cloud service accepts (50 MB): it was not uploaded.",
                status=answer.status, code=p.PAYLOAD_TOO_LARGE,
                hint="Your data here is unchanged. Export a JSON backup instead.",
            )
        what = f"HTTP {answer.status}" + (f" {code}" if code else "")
        detail = f": {message}" if message else ""
        return CloudError(f"The cloud service refused the request ({what}){detail}.", status=answer.status,
                          code=code, hint="Your data here is unchanged; try again later.")


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


def _retry_after(headers: httpx.Headers) -> int | None:
    value = headers.get("retry-after")
    if value and value.strip().isdigit():
        return int(value.strip())
    return None


def _etag_revision(headers: httpx.Headers) -> int | None:
    value = (headers.get("etag") or "").strip().removeprefix("W/").strip('"')
    return int(value) if value.isdigit() else None


def _describe_transport(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.ConnectTimeout):
        return "connection timed out"
    if isinstance(exc, httpx.ConnectError):
        return "connection refused or no network"
    if isinstance(exc, httpx.TimeoutException):
        return "no answer in time"
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
        return "connection cut"
    return type(exc).__name__
