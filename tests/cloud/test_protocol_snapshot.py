"""Snapshot tests against the real worker (wrangler dev --local + local D1): round trips, gzip,
large wallets, compare-and-set between devices, malformed and oversized bodies.

See docs/sync-protocol.md. Secrets are never printed: failure messages show status codes and
error codes only.
"""

from __future__ import annotations

import concurrent.futures
import gzip
import json

import httpx
import pytest
from protocol_helpers import (
    MAX_SNAPSHOT_BODY,
    Account,
    bearer,
    create_account,
    describe,
    expect,
    expect_error,
    make_wallet,
    put_snapshot,
    random_ip,
    snapshot_body,
    sql_str,
)

pytestmark = pytest.mark.cloud


@pytest.fixture
def client(cloud_server):
    headers = {"Accept-Encoding": "identity", "CF-Connecting-IP": random_ip()}
    with httpx.Client(base_url=cloud_server.url, timeout=60.0, headers=headers) as c:
        yield c


# ---- snapshot -----------------------------------------------------------------------------

def test_snapshot_round_trip_and_gzip(client, cloud_server):
    acct = create_account(client)
    wallet = make_wallet()
    r = expect(put_snapshot(client, acct, snapshot_body(wallet, "2026-01-31T12:00:00.123+02:00"), 0), 200)
    body = r.json()
    assert body["revision"] == 1 and r.headers["etag"] == '"1"'
    sent = json.dumps(wallet, ensure_ascii=False).encode()
    assert body["size_bytes"] == len(sent)

    got = expect(client.get("/v1/snapshot", headers=acct.auth), 200)
    assert "content-encoding" not in got.headers
    g = got.json()
    assert g["revision"] == 1 and g["schema_version"] == "1.0"
    assert g["exported_at"] == "2026-01-31T12:00:00.123+02:00"
    assert g["wallet"] == wallet

    # gzip response when asked (check the raw bytes really are gzip).
    with client.stream("GET", "/v1/snapshot", headers={**acct.auth, "Accept-Encoding": "gzip"}) as s:
        assert s.status_code == 200 and s.headers["content-encoding"] == "gzip"
        raw = b"".join(s.iter_raw())
    assert raw[:2] == b"\x1f\x8b"
    assert json.loads(gzip.decompress(raw))["wallet"] == wallet

    # gzip request body.
    wallet2 = make_wallet(extra_field="second")
    r = expect(put_snapshot(client, acct, snapshot_body(wallet2), 1, gzip_body=True), 200)
    assert r.json()["revision"] == 2
    assert expect(client.get("/v1/snapshot", headers=acct.auth), 200).json()["wallet"] == wallet2

    # Conditional GET.
    r = client.get("/v1/snapshot", headers={**acct.auth, "If-None-Match": '"2"'})
    assert r.status_code == 304, describe(r)
    expect(client.get("/v1/snapshot", headers={**acct.auth, "If-None-Match": '"1"'}), 200)

    rows = cloud_server.d1(f"SELECT revision, size_bytes, chunk_count FROM user_wallet WHERE user_id = {sql_str(acct.user_id)}")
    assert rows[0]["revision"] == 2 and rows[0]["chunk_count"] == 1


def test_multi_chunk_3mb_wallet(client, cloud_server):
    acct = create_account(client)
    wallet = make_wallet(payload_bytes=3 * 1000 * 1000)
    r = expect(put_snapshot(client, acct, snapshot_body(wallet), 0), 200)
    size = r.json()["size_bytes"]
    assert size > 3_000_000

    got = expect(client.get("/v1/snapshot", headers=acct.auth), 200)
    assert got.json()["wallet"] == wallet

    g = client.get("/v1/snapshot", headers={**acct.auth, "Accept-Encoding": "gzip"})
    assert g.headers["content-encoding"] == "gzip" and g.json()["wallet"] == wallet

    r = expect(put_snapshot(client, acct, snapshot_body(wallet), 1, gzip_body=True), 200)
    assert r.json()["revision"] == 2

    chunks = cloud_server.d1(
        f"SELECT idx, revision, length(data) AS n FROM user_wallet_chunks "
        f"WHERE user_id = {sql_str(acct.user_id)} ORDER BY idx")
    assert [c["idx"] for c in chunks] == [0, 1, 2, 3]
    # Chunks are stored as base64 text of at most 1,000,000 bytes each.
    assert all(c["n"] <= 1_333_336 for c in chunks) and all(c["revision"] == 2 for c in chunks)
    assert sum(c["n"] * 3 // 4 for c in chunks) - size in range(0, 3 * len(chunks))

    # A smaller snapshot afterwards drops the surplus chunks.
    expect(put_snapshot(client, acct, snapshot_body(make_wallet()), 2), 200)
    chunks = cloud_server.d1(f"SELECT idx FROM user_wallet_chunks WHERE user_id = {sql_str(acct.user_id)}")
    assert chunks == [{"idx": 0}]


def test_stale_and_missing_if_match(client):
    acct = create_account(client)
    expect_error(put_snapshot(client, acct, snapshot_body(make_wallet()), None), 428, "precondition_required")
    expect_error(put_snapshot(client, acct, snapshot_body(make_wallet()), "abc"), 400, "invalid_revision")
    body = expect_error(put_snapshot(client, acct, snapshot_body(make_wallet()), 3), 409, "stale_revision")
    assert body["revision"] == 0
    expect(put_snapshot(client, acct, snapshot_body(make_wallet()), 0), 200)
    expect(put_snapshot(client, acct, snapshot_body(make_wallet()), '"1"'), 200)
    body = expect_error(put_snapshot(client, acct, snapshot_body(make_wallet()), 1), 409, "stale_revision")
    assert body["revision"] == 2
    body = expect_error(put_snapshot(client, acct, snapshot_body(make_wallet()), 0), 409, "stale_revision")
    assert body["revision"] == 2


def test_compare_and_set_two_devices(client):
    """Two devices push from the same base: one wins, the other pulls, merges, pushes again."""
    acct = create_account(client)
    other = acct.login()
    expect(put_snapshot(client, acct, snapshot_body(make_wallet(device="a")), 0), 200)
    base = expect(client.get("/v1/snapshot", headers=bearer(other)), 200).json()["revision"]
    expect(put_snapshot(client, acct, snapshot_body(make_wallet(device="a2")), base), 200)
    b = Account(client, acct.email, acct.secret, acct.kdf, acct.wrapped, acct.user_id, other)
    conflict = expect_error(put_snapshot(client, b, snapshot_body(make_wallet(device="b")), base), 409, "stale_revision")
    pulled = expect(client.get("/v1/snapshot", headers=b.auth), 200).json()
    assert pulled["revision"] == conflict["revision"] == 2
    merged = make_wallet(device="a2+b")
    assert expect(put_snapshot(client, b, snapshot_body(merged), pulled["revision"]), 200).json()["revision"] == 3
    assert expect(client.get("/v1/snapshot", headers=acct.auth), 200).json()["wallet"] == merged


def test_concurrent_pushes_exactly_one_wins(client, cloud_server):
    """Pushes racing from the same base revision: one stores, the others get 409 and write nothing."""
    acct = create_account(client)
    expect(put_snapshot(client, acct, snapshot_body(make_wallet()), 0), 200)
    wallets = [make_wallet(payload_bytes=1_200_000, device=f"d{i}") for i in range(4)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda w: put_snapshot(client, acct, snapshot_body(w), 1), wallets))
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200, 409, 409, 409], statuses
    winner = wallets[[r.status_code for r in results].index(200)]
    for r in results:
        if r.status_code == 409:
            assert r.json()["revision"] == 2
    got = expect(client.get("/v1/snapshot", headers=acct.auth), 200).json()
    assert got["revision"] == 2 and got["wallet"] == winner
    chunks = cloud_server.d1(
        f"SELECT idx, revision FROM user_wallet_chunks WHERE user_id = {sql_str(acct.user_id)} ORDER BY idx")
    assert chunks == [{"idx": 0, "revision": 2}, {"idx": 1, "revision": 2}]


def test_malformed_and_oversized_snapshots_store_nothing(client, cloud_server):
    acct = create_account(client)
    h = {**acct.auth, "If-Match": "0", "Content-Type": "application/json"}
    good = snapshot_body(make_wallet())
    cases = [
        (client.put("/v1/snapshot", content=b'{"wallet": ', headers=h), 400, "invalid_json"),
        (client.put("/v1/snapshot", content=b"\xff\xfe{}", headers=h), 400, "invalid_json"),
        (client.put("/v1/snapshot", json={**good, "wallet": [1, 2]}, headers=h), 400, "invalid_request"),
        (client.put("/v1/snapshot", json={**good, "wallet": None}, headers=h), 400, "invalid_request"),
        (client.put("/v1/snapshot", json={**good, "wallet": {"format": "other", "version": "1"}}, headers=h),
         400, "invalid_request"),
        (client.put("/v1/snapshot", json={**good, "wallet": {"format": "dreamtree-export"}}, headers=h),
         400, "invalid_request"),
        (client.put("/v1/snapshot", json={**good, "wallet": {"format": "dreamtree-export", "version": 1}},
                    headers=h), 400, "invalid_request"),
        (client.put("/v1/snapshot", json={**good, "exported_at": "yesterday"}, headers=h), 400, "invalid_request"),
        (client.put("/v1/snapshot", json={**good, "exported_at": "2026-02-30T00:00:00Z"}, headers=h),
         400, "invalid_request"),
        (client.put("/v1/snapshot", json={**good, "exported_at": "2026-01-31T12:00:00"}, headers=h),
         400, "invalid_request"),
        (client.put("/v1/snapshot", json={**good, "schema_version": 3}, headers=h), 400, "invalid_request"),
        (client.put("/v1/snapshot", json={**good, "extra": 1}, headers=h), 400, "invalid_request"),
        (client.put("/v1/snapshot", json={"wallet": good["wallet"]}, headers=h), 400, "invalid_request"),
        (client.put("/v1/snapshot", content=json.dumps(good), headers={**h, "Content-Type": "text/plain"}),
         415, "unsupported_media_type"),
        (client.put("/v1/snapshot", content=b"\x1f\x8bnot gzip at all",
                    headers={**h, "Content-Encoding": "gzip"}), 400, "invalid_body"),
    ]
    for r, status, code in cases:
        expect_error(r, status, code)

    # > 50 MiB after decompression: a small gzip body that inflates past the limit.
    bomb_raw = b'{"schema_version":"1.0","exported_at":"2026-01-31T12:00:00Z","wallet":{"format":"dreamtree-export","version":"1.0","pad":"'
    bomb_raw += b"x" * (MAX_SNAPSHOT_BODY + 1024) + b'"}}'
    bomb = gzip.compress(bomb_raw, compresslevel=9)
    del bomb_raw
    expect_error(client.put("/v1/snapshot", content=bomb, headers={**h, "Content-Encoding": "gzip"}),
                 413, "payload_too_large")

    rows = cloud_server.d1(
        f"SELECT (SELECT COUNT(*) FROM user_wallet WHERE user_id = {sql_str(acct.user_id)}) AS w, "
        f"(SELECT COUNT(*) FROM user_wallet_chunks WHERE user_id = {sql_str(acct.user_id)}) AS c")
    assert rows == [{"w": 0, "c": 0}]
    assert expect(client.get("/v1/snapshot", headers=acct.auth), 200).json()["revision"] == 0

    # With a stored snapshot, a bad push leaves it untouched.
    expect(put_snapshot(client, acct, good, 0), 200)
    expect_error(client.put("/v1/snapshot", json={**good, "exported_at": "nope"}, headers={**h, "If-Match": "1"}),
                 400, "invalid_request")
    expect_error(client.put("/v1/snapshot", content=bomb, headers={**h, "If-Match": "1", "Content-Encoding": "gzip"}),
                 413, "payload_too_large")
    g = expect(client.get("/v1/snapshot", headers=acct.auth), 200).json()
    assert g["revision"] == 1 and g["wallet"] == good["wallet"]
