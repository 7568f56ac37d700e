"""The cloud protocol v1 as the desktop speaks it: paths, limits, bodies, and what answers mean.

Pure code (no network): docs/sync-protocol.md describes the server side; the section
"Desktop client" there describes how this client uses it.
"""

from __future__ import annotations

import gzip
import hashlib
import ipaddress
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ..errors import UserInputError

PRELOGIN = "/v1/prelogin"
ACCOUNTS = "/v1/accounts"
SESSIONS = "/v1/sessions"
SESSION_CURRENT = "/v1/sessions/current"
SNAPSHOT = "/v1/snapshot"
CHANGES = "/v1/changes"
PASSWORD = "/v1/password"
ACCOUNTS_VERIFY = "/v1/accounts/verify"
ACCOUNT_RESET = "/v1/account/reset"
ACCOUNT_RESET_CONFIRM = "/v1/account/reset/confirm"
# Every answer of the service carries its clock as integer unix milliseconds.
SERVER_TIME_HEADER = "X-Server-Time"

# The server refuses a snapshot body larger than this after gzip decoding (cloud/src/snapshot.js).
MAX_SNAPSHOT_BODY = 50 * 1024 * 1024
# A GET answer carries the wallet plus a few hundred bytes of metadata.
MAX_SNAPSHOT_RESPONSE = MAX_SNAPSHOT_BODY + 64 * 1024
# Small answers (accounts, sessions, errors) never come near this.
MAX_SMALL_RESPONSE = 256 * 1024
# gzip level for uploads: level 6 costs ~3x the time of level 1 for a few percent less on the
# wire (bench/bench_sync.py measures both on a heavy user).
GZIP_LEVEL = 1
# Pull, merge, push: a push refused as stale starts the round again, at most this many times.
MAX_ROUNDS = 5

# Item pages (docs/sync-protocol.md, "Items"): the server's limits for one POST /v1/changes, and
# what this client asks for per GET page.
MAX_PUSH_ITEMS = 5000
MAX_PUSH_BYTES = 6 * 1024 * 1024  # of JSON before gzip (the server's limit is 8 MiB)
# The server's largest page: a new computer reads every item, and each page costs the server a
# query and this client a round trip (its answer is still cut at 8 MiB of bodies by the server).
PULL_PAGE = 10000
# A page's answer names the next page's cursor in this header too (absent on the last page), so
# the next page can be asked for before this one's body is parsed (sync/pull_ahead.py). An older
# server does not send it: its pages are read one after the other.
NEXT_CURSOR_HEADER = "x-next-cursor"
MAX_ITEM_BYTES = 1_000_000  # one item's body as JSON (the server refuses more)
MAX_PAGE_RESPONSE = 64 * 1024 * 1024

# Error codes the client acts on (cloud/src/*.js).
INVALID_CREDENTIALS = "invalid_credentials"
RATE_LIMITED = "rate_limited"
STALE_REVISION = "stale_revision"
REVISION_AHEAD = "revision_ahead"
EMAIL_TAKEN = "email_taken"
USER_ID_TAKEN = "user_id_taken"
INVALID_CODE = "invalid_code"
PAYLOAD_TOO_LARGE = "payload_too_large"
SESSION_CODES = frozenset({"missing_token", "invalid_token", "token_expired"})

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


def normalize_server_url(value: object) -> str:
    """`https://host[:port][/prefix]` without a trailing slash. Plain http is accepted only for
    this computer (the local worker), since the session token travels in every request."""
    if not isinstance(value, str) or not value.strip():
        raise UserInputError("server: give the cloud server's address, e.g. https://sync.example.org")
    text = value.strip().rstrip("/")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise UserInputError("server: not a valid address (expected https://host[:port]).") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UserInputError("server: not a valid address (expected https://host[:port]).")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise UserInputError("server: the address must not hold a query, fragment or user name.")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise UserInputError(
            "server: plain http is only allowed for a server on this computer; use https://.",
        )
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    netloc = host if port is None else f"{host}:{port}"
    return f"{parts.scheme}://{netloc}{parts.path}"


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Session:
    user_id: str
    token: str
    kdf: dict[str, Any] | None = None
    wrapped_data_key: str | None = None
    reset_at: str | None = None  # when the account's password was last reset with a mailed code
    # Given by sign-in: presented at the next sign-in, it keeps this device past the limits an
    # attacker guessing the password can fill (a bearer secret, like the token).
    device_token: str | None = None

    def __repr__(self) -> str:  # the token is a bearer secret: never in a repr or a log
        return f"Session(user_id={self.user_id!r}, token=<hidden>, device_token=<hidden>)"


@dataclass(frozen=True)
class Snapshot:
    """GET /v1/snapshot: revision 0 and wallet None when the account has none yet."""

    revision: int
    wallet: dict[str, Any] | None
    schema_version: str | None = None
    exported_at: str | None = None
    size_bytes: int = 0  # of the wallet JSON as stored
    wire_bytes: int = 0  # what crossed the network (gzip)
    wallet_sha256: str | None = None  # of the wallet's bytes as received (computed here)
    reset_at: str | None = None  # when the account's password was last reset with a mailed code


@dataclass(frozen=True)
class Upload:
    """A PUT /v1/snapshot body, ready to send."""

    body: bytes  # gzip of `raw`
    raw_size: int
    wallet_sha256: str  # of the wallet member's bytes, as the server reports it back


def encode_upload(doc: dict[str, Any], exported_at: str, level: int = GZIP_LEVEL) -> Upload:
    """{"schema_version","exported_at","wallet"}: the wallet is the export document, byte for
    byte as an export file holds it (UTF-8, compact)."""
    wallet = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    head = json.dumps({"schema_version": str(doc.get("version")), "exported_at": exported_at},
                      separators=(",", ":")).encode("ascii")
    raw = head[:-1] + b',"wallet":' + wallet + b"}"
    body = gzip.compress(raw, compresslevel=level, mtime=0)
    return Upload(body, len(raw), hashlib.sha256(wallet).hexdigest())


def parse_json_object(data: bytes) -> dict[str, Any] | None:
    """A JSON object, or None when the bytes are not one (NaN and friends refused)."""
    try:
        value = json.loads(data, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def error_of(body: dict[str, Any] | None) -> tuple[str, str]:
    """(code, message) of an error body {"error": {"code", "message"}}; ("", "") if it is not one."""
    error = (body or {}).get("error")
    if not isinstance(error, dict):
        return "", ""
    code, message = error.get("code"), error.get("message")
    return (code if isinstance(code, str) else "", message[:300] if isinstance(message, str) else "")


def parse_session(body: dict[str, Any] | None) -> Session | None:
    if not body or not isinstance(body.get("user_id"), str) or not isinstance(body.get("token"), str):
        return None
    kdf = body.get("kdf")
    wrapped = body.get("wrapped_data_key")
    reset_at = body.get("reset_at")
    device = body.get("device_token")
    return Session(
        body["user_id"], body["token"],
        kdf if isinstance(kdf, dict) else None,
        wrapped if isinstance(wrapped, str) else None,
        reset_at if isinstance(reset_at, str) else None,
        device if isinstance(device, str) else None,
    )


def wallet_digest(raw: bytes) -> str | None:
    """SHA-256 of the wallet member's bytes in a GET answer, which the server writes as
    `{...metadata...,"wallet":<the bytes it stored>}`; None for any other layout. The same bytes
    pushed by this client have the digest encode_upload computed."""
    start = raw.find(b',"wallet":')
    if start < 0 or not raw.endswith(b"}"):
        return None
    return hashlib.sha256(raw[start + len(b',"wallet":'):-1]).hexdigest()


def parse_snapshot(body: dict[str, Any] | None, wire_bytes: int,
                   digest: str | None = None) -> Snapshot | None:
    """The snapshot answer, or None when its shape is wrong."""
    if body is None:
        return None
    revision, wallet = body.get("revision"), body.get("wallet")
    if type(revision) is not int or revision < 0:
        return None
    if wallet is not None and not isinstance(wallet, dict):
        return None
    if wallet is None and revision != 0:
        return None
    size = body.get("size_bytes")
    return Snapshot(
        revision, wallet,
        body.get("schema_version") if isinstance(body.get("schema_version"), str) else None,
        body.get("exported_at") if isinstance(body.get("exported_at"), str) else None,
        size if type(size) is int else 0,
        wire_bytes,
        digest if wallet is not None else None,
        body.get("reset_at") if isinstance(body.get("reset_at"), str) else None,
    )


@dataclass(frozen=True)
class ChangesPage:
    """GET /v1/changes: the account's item revision, and the page's items as
    ((kind, key), body or None for a removal)."""

    revision: int
    items: list[tuple[tuple[str, str], Any]]
    cursor: str | None = None
    reset_at: str | None = None
    wire_bytes: int = 0
    revision_id: str | None = None  # the push that made `revision` (sent back as since_id)
    raw: bytes = b""  # the page's JSON as received (decompressed)


def parse_changes(body: dict[str, Any] | None, wire_bytes: int, raw: bytes = b"") -> ChangesPage | None:
    """The page, or None when its shape is wrong."""
    if body is None:
        return None
    revision, cursor, raw_items = body.get("revision"), body.get("cursor"), body.get("items")
    if type(revision) is not int or revision < 0 or not isinstance(raw_items, list):
        return None
    if cursor is not None and not isinstance(cursor, str):
        return None
    items: list[tuple[tuple[str, str], Any]] = []
    for item in raw_items:
        if not isinstance(item, dict) or not isinstance(item.get("kind"), str) or not isinstance(item.get("key"), str):
            return None
        items.append(((item["kind"], item["key"]), item.get("body")))
    reset_at, revision_id = body.get("reset_at"), body.get("revision_id")
    return ChangesPage(revision, items, cursor, reset_at if isinstance(reset_at, str) else None, wire_bytes,
                       revision_id if isinstance(revision_id, str) else None, raw)


def encode_changes(changes: list[tuple[tuple[str, str], str | None]], level: int = GZIP_LEVEL) -> tuple[bytes, int]:
    """A POST /v1/changes body (gzip) from items whose bodies are JSON text already; and its raw size."""
    parts = []
    for (kind, key), text in changes:
        head = json.dumps({"kind": kind, "key": key}, ensure_ascii=False, separators=(",", ":"))
        parts.append(f'{head[:-1]},"body":{text if text is not None else "null"}}}')
    raw = ('{"items":[' + ",".join(parts) + "]}").encode("utf-8")
    return gzip.compress(raw, compresslevel=level, mtime=0), len(raw)
