"""Incremental sync routes (GET/POST /v1/changes) against the real worker (wrangler dev --local +
local D1), over HTTP with gzip both ways, as the desktop client uses them. See
docs/sync-protocol.md, "Incremental sync (items)"."""

from __future__ import annotations

import concurrent.futures
import gzip
import json

import httpx
import pytest
from protocol_helpers import create_account, expect, expect_error, random_ip, sql_str

pytestmark = pytest.mark.cloud


@pytest.fixture
def api(cloud_server):
    with httpx.Client(base_url=cloud_server.url, timeout=60.0, headers={"CF-Connecting-IP": random_ip()}) as c:
        yield c


def push(client: httpx.Client, token: str, items: list[dict] | str, if_match: int | None) -> httpx.Response:
    raw = items if isinstance(items, str) else json.dumps({"items": items}, ensure_ascii=False)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Content-Encoding": "gzip"}
    if if_match is not None:
        headers["If-Match"] = str(if_match)
    return client.post("/v1/changes", content=gzip.compress(raw.encode("utf-8")), headers=headers)


def pull(client: httpx.Client, token: str, **params) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}", "Accept-Encoding": "gzip"}
    if "if_none_match" in params:
        headers["If-None-Match"] = f'"{params.pop("if_none_match")}"'
    return client.get("/v1/changes", params=params, headers=headers)


def record(n: int) -> dict:
    return {"kind": "record", "key": f"flow_logs/{n:05d}",
            "body": {"id": n, "activity": f"Walked by the river, day {n} 🌳", "energy": n % 5 + 0.5, "done": n % 2 == 0}}


def test_a_full_upload_and_a_paged_pull_carry_every_item_exactly(api, cloud_server):
    acct = create_account(api)
    assert expect(pull(api, acct.token, since=0), 200).json() == {
        "revision": 0, "revision_id": None, "reset_at": None, "cursor": None, "items": []}
    first = [record(n) for n in range(5000)]
    answer = expect(push(api, acct.token, first, 0), 200).json()
    assert (answer["revision"], answer["count"]) == (1, 5000)
    # A body whose spelling JSON parsers would change (1.0, a big integer, spacing) comes back as sent.
    odd = '{ "n": 1.0, "big": 12345678901234567890 }'
    raw = '{"items": [{"kind": "module", "key": "1.1", "body": ' + odd + "}]}"
    answer = expect(push(api, acct.token, raw, 1), 200).json()
    assert (answer["revision"], answer["count"]) == (2, 1)

    seen, after, pages = [], None, 0
    while True:
        r = expect(pull(api, acct.token, since=0, limit=2000, **({"after": after} if after else {})), 200)
        assert r.headers["content-encoding"] == "gzip"
        page = r.json()
        pages += 1
        seen.extend(page["items"])
        if page["cursor"] is None:
            break
        after = page["cursor"]
    assert (pages, page["revision"], page["revision_id"], len(seen)) == (3, 2, answer["revision_id"], 5001)
    assert [{"kind": i["kind"], "key": i["key"], "body": i["body"]} for i in seen[:5000]] == first
    assert odd in r.text
    assert {i["revision"] for i in seen} == {1, 2}

    r = pull(api, acct.token, since=2, since_id=answer["revision_id"], if_none_match=2)
    assert (r.status_code, r.content) == (304, b"")
    assert r.headers["x-server-time"].isdigit()
    ahead = expect_error(pull(api, acct.token, since=3), 409, "revision_ahead")
    assert ahead["revision"] == 2


def test_only_one_of_parallel_pushes_wins_and_a_stale_one_writes_nothing(api, cloud_server):
    acct = create_account(api)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda n: push(api, acct.token, [record(n), record(99)], 0), range(4)))
    assert sorted(r.status_code for r in answers) == [200, 409, 409, 409]
    uid = sql_str(acct.user_id)
    assert cloud_server.d1(f"SELECT COUNT(*) AS n FROM sync_items WHERE user_id = {uid}") == [{"n": 2}]
    stale = expect_error(push(api, acct.token, [record(7)], 0), 409, "stale_revision")
    assert stale["revision"] == 1
    expect_error(push(api, acct.token, [record(7)], None), 428, "precondition_required")
    assert cloud_server.d1(f"SELECT COUNT(*) AS n FROM sync_items WHERE user_id = {uid}") == [{"n": 2}]


def test_deleting_the_account_deletes_its_items(api, cloud_server):
    acct = create_account(api)
    expect(push(api, acct.token, [record(n) for n in range(50)], 0), 200)
    uid = sql_str(acct.user_id)
    count = (f"SELECT (SELECT COUNT(*) FROM sync_items WHERE user_id = {uid}) AS items, "
             f"(SELECT COUNT(*) FROM sync_heads WHERE user_id = {uid}) AS heads")
    assert cloud_server.d1(count) == [{"items": 50, "heads": 1}]
    expect(api.request("DELETE", "/v1/account", json={"auth_secret": acct.secret}, headers=acct.auth), 204)
    assert cloud_server.d1(count) == [{"items": 0, "heads": 0}]
