"""Building requests to the cloud worker and checking its answers, for the protocol tests.

Secrets (auth secrets, tokens) are never printed: failure messages show status codes and error
codes only.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import re
import uuid

import httpx
from sync_helpers import read_mailed_code

KDF_KEYS = {"alg", "m_kib", "t", "p", "salt"}
MAX_SNAPSHOT_BODY = 50 * 1024 * 1024



def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def new_secret() -> str:
    return b64(os.urandom(32))


def new_kdf() -> dict:
    return {"alg": "argon2id", "m_kib": 65536, "t": 3, "p": 4, "salt": b64(os.urandom(16))}


def new_email(tag: str = "user") -> str:
    return f"{tag}-{uuid.uuid4().hex[:12]}@example.org"


def describe(r: httpx.Response) -> str:
    """Status and error code only (bodies of successful responses may hold tokens)."""
    code = None
    if r.status_code >= 400:
        try:
            code = r.json().get("error", {}).get("code")
        except ValueError:
            code = "<not json>"
    return f"{r.request.method} {r.request.url.path} -> {r.status_code} {code or ''}".strip()


def expect(r: httpx.Response, status: int) -> httpx.Response:
    ok = r.status_code == status
    assert ok, f"expected {status}: {describe(r)}"
    return r


def expect_error(r: httpx.Response, status: int, code: str) -> dict:
    ok = r.status_code == status
    assert ok, f"expected {status} {code}: {describe(r)}"
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    no_trace = re.search(r"\.js:\d+|\n\s+at |Error:", r.text) is None
    assert no_trace, "error body must not contain a stack trace"
    return body


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def make_wallet(payload_bytes: int = 0, **extra) -> dict:
    wallet = {
        "format": "dreamtree-export",
        "version": "1.0",
        "user": {"id": str(uuid.uuid4()), "display_name": "Zoë 🌳"},
        "modules": [{"id": "1.1", "last_modified_at": "2026-01-31T12:00:00Z", "notes": "café, naïve"}],
    }
    if payload_bytes:
        # Incompressible-ish text so gzip does not hide the size: hex of random bytes.
        wallet["blob"] = os.urandom(payload_bytes // 2).hex()
    wallet.update(extra)
    return wallet


def snapshot_body(wallet: dict, exported_at: str = "2026-01-31T12:00:00Z") -> dict:
    return {"schema_version": wallet.get("version", "1.0"), "exported_at": exported_at, "wallet": wallet}


class Account:
    def __init__(self, client: httpx.Client, email: str, secret: str, kdf: dict, wrapped: str,
                 user_id: str, token: str):
        self.client, self.email, self.secret, self.kdf, self.wrapped = client, email, secret, kdf, wrapped
        self.user_id, self.token = user_id, token

    @property
    def auth(self) -> dict:
        return bearer(self.token)

    def login(self) -> str:
        r = expect(self.client.post("/v1/sessions", json={"email": self.email, "auth_secret": self.secret}), 200)
        return r.json()["token"]


def signup_body(email: str, user_id: str | None = None) -> dict:
    body = {"email": email, "auth_secret": new_secret(), "kdf": new_kdf(), "wrapped_data_key": "v1." + b64(os.urandom(60))}
    if user_id:
        body["user_id"] = user_id
    return body


def create_account(client: httpx.Client, user_id: str | None = None, email: str | None = None) -> Account:
    """Sign-up, then the verification code from the mail the worker kept."""
    email = email or new_email()
    body = signup_body(email, user_id)
    r = expect(client.post("/v1/accounts", json=body), 202)
    assert r.json() == {"status": "verification_sent"}
    code = read_mailed_code(str(client.base_url), email.strip())
    data = expect(client.post("/v1/accounts/verify", json={"email": email, "code": code}), 201).json()
    assert set(data) == {"user_id", "token", "expires_at", "device_token"}
    return Account(client, email, body["auth_secret"], body["kdf"], body["wrapped_data_key"], data["user_id"],
                   data["token"])


def put_snapshot(client: httpx.Client, acct: Account, body: dict, if_match, *, gzip_body: bool = False):
    headers = dict(acct.auth)
    if if_match is not None:
        headers["If-Match"] = str(if_match)
    raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
    headers["Content-Type"] = "application/json"
    if gzip_body:
        raw = gzip.compress(raw)
        headers["Content-Encoding"] = "gzip"
    return client.put("/v1/snapshot", content=raw, headers=headers)


def sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def random_ip() -> str:
    """A client address of the documentation range: the worker's limits count per address, and
    locally it takes CF-Connecting-IP from the request (Cloudflare sets it from the connection)."""
    return f"198.18.{os.urandom(1)[0]}.{os.urandom(1)[0]}"
