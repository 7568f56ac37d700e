"""Protocol tests against the real worker (wrangler dev --local + local D1).

See docs/sync-protocol.md. Secrets (auth secrets, tokens) are never printed: failure messages
show status codes and error codes only.
"""

from __future__ import annotations

import base64
import concurrent.futures
import gzip
import json
import os
import re
import time
import uuid

import httpx
import pytest
from protocol_helpers import (
    KDF_KEYS,
    Account,
    b64,
    bearer,
    create_account,
    describe,
    expect,
    expect_error,
    make_wallet,
    new_email,
    new_kdf,
    new_secret,
    put_snapshot,
    random_ip,
    signup_body,
    snapshot_body,
    sql_str,
)
from sync_helpers import mails_to, read_mailed_code

pytestmark = pytest.mark.cloud


@pytest.fixture
def client(cloud_server):
    headers = {"Accept-Encoding": "identity", "CF-Connecting-IP": random_ip()}
    with httpx.Client(base_url=cloud_server.url, timeout=60.0, headers=headers) as c:
        yield c


# ---- routing and errors -------------------------------------------------------------------

def test_unknown_route_404_and_wrong_method_405(client):
    expect_error(client.get("/v1/nope"), 404, "not_found")
    expect_error(client.get("/"), 404, "not_found")
    expect_error(client.get("/v1/snapshot/"), 404, "not_found")
    r = client.get("/v1/accounts")
    expect_error(r, 405, "method_not_allowed")
    assert "POST" in r.headers["allow"]
    expect_error(client.post("/v1/snapshot", json={}), 405, "method_not_allowed")


def test_malformed_account_bodies(client, cloud_server):
    email = new_email("bad")
    good = {"email": email, "auth_secret": new_secret(), "kdf": new_kdf(), "wrapped_data_key": "k"}
    cases = [
        (client.post("/v1/accounts", content=b"{not json", headers={"Content-Type": "application/json"}),
         400, "invalid_json"),
        (client.post("/v1/accounts", content=b"[1,2]", headers={"Content-Type": "application/json"}),
         400, "invalid_json"),
        (client.post("/v1/accounts", content=json.dumps(good), headers={"Content-Type": "text/plain"}),
         415, "unsupported_media_type"),
        (client.post("/v1/accounts", json={**good, "email": "not-an-email"}), 400, "invalid_email"),
        (client.post("/v1/accounts", json={**good, "email": "a" * 250 + "@x.org"}), 400, "invalid_email"),
        (client.post("/v1/accounts", json={**good, "auth_secret": b64(os.urandom(31))}), 400, "invalid_request"),
        (client.post("/v1/accounts", json={**good, "auth_secret": "!!!"}), 400, "invalid_request"),
        (client.post("/v1/accounts", json={**good, "kdf": {**good["kdf"], "t": 1}}), 400, "invalid_request"),
        (client.post("/v1/accounts", json={**good, "kdf": {**good["kdf"], "salt": b64(b"short")}}),
         400, "invalid_request"),
        (client.post("/v1/accounts", json={**good, "kdf": {**good["kdf"], "extra": 1}}), 400, "invalid_request"),
        (client.post("/v1/accounts", json={**good, "wrapped_data_key": "x" * 4097}), 400, "invalid_request"),
        (client.post("/v1/accounts", json={**good, "wrapped_data_key": 5}), 400, "invalid_request"),
        (client.post("/v1/accounts", json={**good, "user_id": "not-a-uuid"}), 400, "invalid_request"),
        (client.post("/v1/accounts", json={**good, "surprise": True}), 400, "invalid_request"),
        (client.post("/v1/accounts", json={k: v for k, v in good.items() if k != "kdf"}), 400, "invalid_request"),
        # 64 KiB limit on account routes
        (client.post("/v1/accounts", json={**good, "padding": "x" * (70 * 1024)}), 413, "payload_too_large"),
        (client.post("/v1/accounts", content=gzip.compress(b" " * (100 * 1024)),
                     headers={"Content-Type": "application/json", "Content-Encoding": "gzip"}),
         413, "payload_too_large"),
        (client.post("/v1/accounts", content=b"\x1f\x8b garbage",
                     headers={"Content-Type": "application/json", "Content-Encoding": "gzip"}),
         400, "invalid_body"),
        (client.post("/v1/accounts", content=json.dumps(good),
                     headers={"Content-Type": "application/json", "Content-Encoding": "br"}),
         415, "unsupported_encoding"),
        (client.post("/v1/prelogin", json={"email": 42}), 400, "invalid_email"),
        (client.post("/v1/sessions", json={"email": email}), 400, "invalid_request"),
    ]
    for r, status, code in cases:
        expect_error(r, status, code)
    rows = cloud_server.d1(f"SELECT COUNT(*) AS n FROM emails WHERE email = {sql_str(email)}")
    assert rows == [{"n": 0}]
    assert mails_to(cloud_server, email) == [], "a refused sign-up mails nobody"


# ---- accounts and sessions ----------------------------------------------------------------

def test_create_login_logout(client, cloud_server):
    email = new_email("Life")
    acct = create_account(client, email="  " + email.upper() + " ")
    assert uuid.UUID(acct.user_id)
    assert len(acct.token) == 43 and "=" not in acct.token

    # The stored e-mail is normalised; only the token's hash is stored.
    rows = cloud_server.d1(f"SELECT email, is_active FROM emails WHERE user_id = {sql_str(acct.user_id)}")
    assert rows == [{"email": email.lower(), "is_active": 1}]
    sessions = cloud_server.d1(f"SELECT id FROM sessions WHERE user_id = {sql_str(acct.user_id)}")
    assert len(sessions) == 1 and len(sessions[0]["id"]) == 64
    leaked = acct.token in json.dumps(sessions)
    assert not leaked, "raw token stored"
    auth = cloud_server.d1(
        f"SELECT type, verifier_iterations, length(verifier_hash) AS h, wrapped_data_key FROM auth "
        f"WHERE user_id = {sql_str(acct.user_id)}")
    assert auth[0]["type"] == "password" and auth[0]["verifier_iterations"] == 100000
    secret_stored = acct.secret in json.dumps(cloud_server.d1(f"SELECT * FROM auth WHERE user_id = {sql_str(acct.user_id)}"))
    assert not secret_stored, "auth secret stored in clear"

    # The sign-up token works.
    r = expect(client.get("/v1/snapshot", headers=acct.auth), 200)
    assert r.json()["revision"] == 0 and r.json()["wallet"] is None

    # Sign in (e-mail in another case) returns kdf + wrapped key as given at sign-up.
    r = expect(client.post("/v1/sessions", json={"email": email.upper(), "auth_secret": acct.secret}), 200)
    body = r.json()
    assert body["user_id"] == acct.user_id
    assert body["kdf"] == acct.kdf
    assert body["wrapped_data_key"] == acct.wrapped
    token2 = body["token"]
    same = token2 == acct.token
    assert not same, "tokens must differ"

    # Sign out the second session: it stops working, the first still works.
    expect(client.delete("/v1/sessions/current", headers=bearer(token2)), 204)
    expect_error(client.get("/v1/snapshot", headers=bearer(token2)), 401, "invalid_token")
    expect(client.get("/v1/snapshot", headers=acct.auth), 200)


def test_signup_with_a_taken_address_looks_the_same_and_mails_the_owner(client, cloud_server):
    uid = str(uuid.uuid4()).upper()
    acct = create_account(client, user_id=uid)
    assert acct.user_id == uid.lower(), "server keeps the desktop's user id"
    mails_before = len(mails_to(cloud_server, acct.email))
    taken = client.post("/v1/accounts", json=signup_body(" " + acct.email.upper()))
    fresh = client.post("/v1/accounts", json=signup_body(new_email()))
    assert (taken.status_code, taken.json()) == (fresh.status_code, fresh.json()) == (202, {"status": "verification_sent"})
    assert set(taken.headers) - {"x-server-time"} == set(fresh.headers) - {"x-server-time"}
    owner = mails_to(cloud_server, acct.email)
    assert len(owner) == mails_before + 1
    warning = owner[-1]
    assert "already has one" in warning.get_body(("plain",)).get_content()
    assert re.search(r"\d{8}", str(warning["Subject"]) + warning.get_body(("plain",)).get_content()) is None
    # No code exists for the taken address: guessing one is refused like any wrong code.
    expect_error(client.post("/v1/accounts/verify", json={"email": acct.email, "code": "12345678"}),
                 400, "invalid_code")
    # The owner's account is untouched.
    acct.login()
    expect_error(client.post("/v1/accounts", json=signup_body(new_email(), user_id=uid)), 409, "user_id_taken")


def test_verification_codes(client, cloud_server):
    email = new_email("verify")
    expect(client.post("/v1/accounts", json=signup_body(email)), 202)
    code = read_mailed_code(cloud_server, email)
    assert re.fullmatch(r"\d{8}", code)
    assert cloud_server.d1(f"SELECT COUNT(*) AS n FROM emails WHERE email = {sql_str(email)}") == [{"n": 0}]
    stored = cloud_server.d1(f"SELECT * FROM email_codes WHERE email = {sql_str(email)}")
    assert len(stored) == 1 and code not in json.dumps(stored), "the code is stored only as a hash"
    for bad in ({"email": email}, {"email": email, "code": 12345678}, {"email": email, "code": "1234"},
                {"email": email, "code": "abcdefgh"}, {"email": email, "code": code, "x": 1}):
        expect_error(client.post("/v1/accounts/verify", json=bad), 400, "invalid_request")
    wrong = f"{(int(code) + 1) % 10**8:08d}"
    expect_error(client.post("/v1/accounts/verify", json={"email": email, "code": wrong}), 400, "invalid_code")
    spaced = f"{code[:4]} {code[4:]}"
    r = expect(client.post("/v1/accounts/verify", json={"email": email.upper(), "code": spaced}), 201)
    expect(client.get("/v1/snapshot", headers=bearer(r.json()["token"])), 200)
    # Used: a second try with the same code fails.
    expect_error(client.post("/v1/accounts/verify", json={"email": email, "code": code}), 400, "invalid_code")

    # Five tries per code, counted atomically even in parallel; then even the right code fails.
    other = new_email("tries")
    expect(client.post("/v1/accounts", json=signup_body(other)), 202)
    good = read_mailed_code(cloud_server, other)
    wrongs = [f"{(int(good) + k) % 10**8:08d}" for k in range(1, 13)]
    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(
            lambda c: httpx.post(f"{cloud_server.url}/v1/accounts/verify", json={"email": other, "code": c},
                                 timeout=60).status_code, wrongs))
    assert answers == [400] * 12
    expect_error(client.post("/v1/accounts/verify", json={"email": other, "code": good}), 400, "invalid_code")

    # Expired codes are refused; a new sign-up mails a new code that works.
    late = new_email("late")
    expect(client.post("/v1/accounts", json=signup_body(late)), 202)
    late_code = read_mailed_code(cloud_server, late)
    cloud_server.d1(f"UPDATE email_codes SET expires_at = '2000-01-01T00:00:00.000Z' WHERE email = {sql_str(late)}")
    expect_error(client.post("/v1/accounts/verify", json={"email": late, "code": late_code}), 400, "invalid_code")
    expect(client.post("/v1/accounts", json=signup_body(late)), 202)
    new_code = read_mailed_code(cloud_server, late)
    expect(client.post("/v1/accounts/verify", json={"email": late, "code": new_code}), 201)


def test_every_answer_states_the_server_time(client):
    before = int(time.time() * 1000)
    answers = [client.get("/v1/nope"), client.get("/v1/accounts"), client.get("/v1/snapshot"),
               client.post("/v1/prelogin", json={"email": new_email()}),
               client.post("/v1/prelogin", content=b"{", headers={"Content-Type": "application/json"})]
    after = int(time.time() * 1000)
    for r in answers:
        stamp = r.headers["x-server-time"]
        assert stamp.isdigit(), describe(r)
        assert before - 5000 <= int(stamp) <= after + 5000, describe(r)


def test_prelogin_known_and_unknown(client):
    acct = create_account(client)
    r = expect(client.post("/v1/prelogin", json={"email": acct.email.upper()}), 200)
    assert r.json() == {"kdf": acct.kdf}

    unknown = new_email("ghost")
    k1 = expect(client.post("/v1/prelogin", json={"email": unknown}), 200).json()
    k2 = expect(client.post("/v1/prelogin", json={"email": " " + unknown.upper()}), 200).json()
    k3 = expect(client.post("/v1/prelogin", json={"email": new_email("ghost")}), 200).json()
    assert set(k1) == {"kdf"} and set(k1["kdf"]) == KDF_KEYS
    assert {k: v for k, v in k1["kdf"].items() if k != "salt"} == {"alg": "argon2id", "m_kib": 65536, "t": 3, "p": 4}
    assert len(base64.b64decode(k1["kdf"]["salt"], validate=True)) == 16
    assert k1 == k2, "fake parameters are stable for one address"
    assert k1["kdf"]["salt"] != k3["kdf"]["salt"], "fake salts differ between addresses"


def test_wrong_secret_and_unknown_email_401(client):
    acct = create_account(client)
    expect_error(client.post("/v1/sessions", json={"email": acct.email, "auth_secret": new_secret()}),
                 401, "invalid_credentials")
    expect_error(client.post("/v1/sessions", json={"email": new_email("ghost"), "auth_secret": new_secret()}),
                 401, "invalid_credentials")
    acct.login()  # still fine after one failure


def test_rate_limit_sixth_attempt_429(client, cloud_server):
    acct = create_account(client)
    known = expect(client.post("/v1/sessions", json={"email": acct.email, "auth_secret": acct.secret}), 200).json()
    attacker = {"CF-Connecting-IP": random_ip()}
    burst = [client.post("/v1/sessions", json={"email": acct.email, "auth_secret": new_secret()}, headers=attacker)
             for _ in range(5)]
    assert [r.status_code for r in burst] == [401] * 5
    # The 6th attempt from that address waits, even with the right secret: a short, growing delay.
    r = client.post("/v1/sessions", json={"email": acct.email, "auth_secret": acct.secret}, headers=attacker)
    body = expect_error(r, 429, "rate_limited")
    assert 1 <= body["retry_after"] <= 5
    assert int(r.headers["retry-after"]) == body["retry_after"]
    rows = cloud_server.d1(f"SELECT attempts FROM throttle WHERE key LIKE 'pair:%|' || {sql_str(acct.email)}")
    assert rows and rows[0]["attempts"] == 5
    # The owner, elsewhere or on the device that signed in before, is not locked out.
    expect(client.post("/v1/sessions", json={"email": acct.email, "auth_secret": acct.secret},
                       headers={"CF-Connecting-IP": random_ip()}), 200)
    again = client.post("/v1/sessions", json={"email": acct.email, "auth_secret": acct.secret,
                                              "device_token": known["device_token"]}, headers=attacker)
    assert expect(again, 200).json()["device_token"] == known["device_token"]
    # Unknown addresses are throttled the same way (no account-existence oracle).
    ghost = new_email("ghost")
    for _ in range(5):
        expect_error(client.post("/v1/sessions", json={"email": ghost, "auth_secret": new_secret()}, headers=attacker),
                     401, "invalid_credentials")
    expect_error(client.post("/v1/sessions", json={"email": ghost, "auth_secret": new_secret()}, headers=attacker),
                 429, "rate_limited")
    expect(client.get("/v1/snapshot", headers=acct.auth), 200)


def test_parallel_guesses_get_exactly_five_checks(client, cloud_server):
    acct = create_account(client)
    attacker = {"CF-Connecting-IP": random_ip()}

    def guess(_: int) -> int:
        return httpx.post(f"{cloud_server.url}/v1/sessions", json={"email": acct.email, "auth_secret": new_secret()},
                          headers=attacker, timeout=60).status_code

    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(guess, range(20)))
    assert sorted(answers) == [401] * 5 + [429] * 15


def test_forged_missing_and_expired_tokens(client, cloud_server):
    expect_error(client.get("/v1/snapshot"), 401, "missing_token")
    forged = base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()
    r = client.get("/v1/snapshot", headers=bearer(forged))
    expect_error(r, 401, "invalid_token")
    assert r.headers["www-authenticate"].startswith("Bearer")
    expect_error(client.get("/v1/snapshot", headers=bearer("short")), 401, "invalid_token")
    expect_error(client.get("/v1/snapshot", headers={"Authorization": "Basic abc"}), 401, "invalid_token")
    expect_error(client.delete("/v1/sessions/current", headers=bearer(forged)), 401, "invalid_token")
    expect_error(put_snapshot(client, Account(client, "", "", {}, "", "", forged), snapshot_body(make_wallet()), 0),
                 401, "invalid_token")

    acct = create_account(client)
    cloud_server.d1(f"UPDATE sessions SET expires_at = '2000-01-01T00:00:00.000Z' "
                    f"WHERE user_id = {sql_str(acct.user_id)}")
    expect_error(client.get("/v1/snapshot", headers=acct.auth), 401, "token_expired")
    expect_error(client.get("/v1/snapshot", headers=acct.auth), 401, "invalid_token")  # and it is gone


# ---- password change and account deletion -------------------------------------------------

def test_password_change_revokes_other_sessions(client):
    acct = create_account(client)
    other = acct.login()
    new_secret_, new_kdf_, new_wrapped = new_secret(), new_kdf(), "v1." + b64(os.urandom(60))
    body = {"old_auth_secret": new_secret(), "new_auth_secret": new_secret_, "new_kdf": new_kdf_,
            "new_wrapped_data_key": new_wrapped}
    expect_error(client.post("/v1/password", json=body, headers=acct.auth), 401, "invalid_credentials")
    expect_error(client.post("/v1/password", json=body), 401, "missing_token")
    expect_error(client.post("/v1/password", json={**body, "new_kdf": {"alg": "scrypt"}}, headers=acct.auth),
                 400, "invalid_request")

    r = expect(client.post("/v1/password", json={**body, "old_auth_secret": acct.secret}, headers=acct.auth), 200)
    assert r.json()["revoked_sessions"] == 1
    expect_error(client.get("/v1/snapshot", headers=bearer(other)), 401, "invalid_token")
    expect(client.get("/v1/snapshot", headers=acct.auth), 200)  # current session kept

    expect_error(client.post("/v1/sessions", json={"email": acct.email, "auth_secret": acct.secret}),
                 401, "invalid_credentials")
    r = expect(client.post("/v1/sessions", json={"email": acct.email, "auth_secret": new_secret_}), 200)
    assert r.json()["kdf"] == new_kdf_ and r.json()["wrapped_data_key"] == new_wrapped
    assert expect(client.post("/v1/prelogin", json={"email": acct.email}), 200).json() == {"kdf": new_kdf_}


def test_account_delete_cascades(client, cloud_server):
    acct = create_account(client)
    acct.login()
    expect(put_snapshot(client, acct, snapshot_body(make_wallet(payload_bytes=1_500_000)), 0), 200)
    uid = sql_str(acct.user_id)
    tables = ["users WHERE id = " + uid] + [f"{t} WHERE user_id = {uid}" for t in
                                            ("auth", "emails", "sessions", "user_wallet", "user_wallet_chunks")]
    count_sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {t}) AS c{i}" for i, t in enumerate(tables))
    before = cloud_server.d1(count_sql)[0]
    assert before == {"c0": 1, "c1": 1, "c2": 1, "c3": 2, "c4": 1, "c5": 2}
    assert cloud_server.d1(f"SELECT COUNT(*) AS n FROM devices WHERE user_id = {uid}") == [{"n": 2}]

    expect_error(client.request("DELETE", "/v1/account", json={"auth_secret": new_secret()}, headers=acct.auth),
                 401, "invalid_credentials")
    expect_error(client.request("DELETE", "/v1/account", json={}, headers=acct.auth), 400, "invalid_request")
    expect(client.request("DELETE", "/v1/account", json={"auth_secret": acct.secret}, headers=acct.auth), 204)

    after = cloud_server.d1(count_sql)[0]
    assert after == {f"c{i}": 0 for i in range(len(tables))}
    expect_error(client.get("/v1/snapshot", headers=acct.auth), 401, "invalid_token")
    expect_error(client.post("/v1/sessions", json={"email": acct.email, "auth_secret": acct.secret}),
                 401, "invalid_credentials")
    # The address is free again.
    create_account(client, email=acct.email)


# ---- password reset by mailed code ---------------------------------------------------------

def test_password_reset_with_a_mailed_code(client, cloud_server):
    acct = create_account(client)
    other = acct.login()
    expect(put_snapshot(client, acct, snapshot_body(make_wallet()), 0), 200)
    assert expect(client.get("/v1/snapshot", headers=acct.auth), 200).json()["reset_at"] is None

    # Known and unknown addresses get the same answer; only the owner is mailed.
    ghost = new_email("ghost")
    known = client.post("/v1/account/reset", json={"email": acct.email.upper()})
    unknown = client.post("/v1/account/reset", json={"email": ghost})
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json()) == (202, {"status": "reset_sent"})
    assert mails_to(cloud_server, ghost) == []
    code = read_mailed_code(cloud_server, acct.email)
    expect_error(client.post("/v1/account/reset", json={"email": "nope"}), 400, "invalid_email")

    new = signup_body(acct.email)
    confirm = {k: new[k] for k in ("email", "auth_secret", "kdf", "wrapped_data_key")}
    expect_error(client.post("/v1/account/reset/confirm", json={**confirm, "code": f"{(int(code) + 1) % 10**8:08d}"}),
                 400, "invalid_code")
    expect_error(client.post("/v1/account/reset/confirm", json={**confirm, "email": ghost, "code": code}),
                 400, "invalid_code")
    expect_error(client.post("/v1/account/reset/confirm", json={**confirm, "code": code, "kdf": {"alg": "x"}}),
                 400, "invalid_request")
    expect_error(client.post("/v1/account/reset/confirm", json={k: v for k, v in confirm.items()}),
                 400, "invalid_request")
    # The account is untouched so far.
    acct.login()

    r = expect(client.post("/v1/account/reset/confirm", json={**confirm, "code": code}), 200).json()
    assert set(r) == {"user_id", "token", "expires_at", "reset_at", "device_token"} and r["user_id"] == acct.user_id
    # Every earlier session ended; the new one works; the old secret no longer signs in.
    for token in (acct.token, other):
        expect_error(client.get("/v1/snapshot", headers=bearer(token)), 401, "invalid_token")
    snap = expect(client.get("/v1/snapshot", headers=bearer(r["token"])), 200).json()
    assert snap["reset_at"] == r["reset_at"] and snap["revision"] == 1
    expect_error(client.post("/v1/sessions", json={"email": acct.email, "auth_secret": acct.secret}),
                 401, "invalid_credentials")
    signed = expect(client.post("/v1/sessions", json={"email": acct.email, "auth_secret": new["auth_secret"]}),
                    200).json()
    assert signed["reset_at"] == r["reset_at"]
    assert signed["kdf"] == new["kdf"] and signed["wrapped_data_key"] == new["wrapped_data_key"]
    # The code is used up.
    expect_error(client.post("/v1/account/reset/confirm", json={**confirm, "code": code}), 400, "invalid_code")


def test_a_known_device_signs_in_while_a_distributed_guess_slows_new_ones(client, cloud_server):
    from dreamtree_desktop.sync.client import CloudClient, RateLimited

    acct = create_account(client)
    secret = base64.b64decode(acct.secret)
    with CloudClient(cloud_server.url, attempts=1) as device:
        first = device.login(acct.email, secret)
        kept = device.device_token
        assert kept and first.device_token == kept and "device_token=<hidden>" in repr(device)
    # Twenty wrong guesses, each from another address: the account's budget for new devices is spent.
    for _ in range(20):
        r = client.post("/v1/sessions", json={"email": acct.email, "auth_secret": new_secret()},
                        headers={"CF-Connecting-IP": random_ip()})
        expect_error(r, 401, "invalid_credentials")
    with CloudClient(cloud_server.url, attempts=1) as new_device, pytest.raises(RateLimited, match="Try again in"):
        new_device.login(acct.email, secret)
    # The device that signed in before presents its token and gets in, with the right password only.
    with CloudClient(cloud_server.url, attempts=1, device_token=kept) as device:
        again = device.login(acct.email, secret)
        assert again.user_id == acct.user_id and device.device_token == kept
