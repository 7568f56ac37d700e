import { describe, expect, it } from "vitest";
import { call, createAccount, expectError, json, newEmail, randomB64, signIn, sql } from "./helpers.js";

describe("prelogin, sign-in and sign-out", () => {
  it("gives the stored kdf for a known address and stable fake ones for unknown addresses", async () => {
    const acct = await createAccount();
    expect(await json(await call("POST", "/v1/prelogin", { body: { email: acct.email.toUpperCase() } })))
      .toEqual({ kdf: acct.kdf });
    const ghost = newEmail("ghost");
    const k1 = await json(await call("POST", "/v1/prelogin", { body: { email: ghost } }));
    const k2 = await json(await call("POST", "/v1/prelogin", { body: { email: ` ${ghost.toUpperCase()}` } }));
    const k3 = await json(await call("POST", "/v1/prelogin", { body: { email: newEmail("ghost") } }));
    expect(k1).toEqual(k2);
    expect(k1.kdf.salt).not.toBe(k3.kdf.salt);
    expect(Object.keys(k1.kdf).sort()).toEqual(["alg", "m_kib", "p", "salt", "t"]);
    await expectError(await call("POST", "/v1/prelogin", { body: { email: 42 } }), 400, "invalid_email");
    await expectError(await call("POST", "/v1/prelogin", { body: { email: ghost, x: 1 } }), 400, "invalid_request");
  });

  it("signs in with the right secret only, stores only token hashes, and signs out one session", async () => {
    const acct = await createAccount();
    const r = await signIn(acct);
    expect(r.status).toBe(200);
    const body = await json(r);
    expect(body).toMatchObject({ user_id: acct.userId, kdf: acct.kdf, wrapped_data_key: acct.wrapped, reset_at: null });
    expect(body.device_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(body.token).not.toBe(acct.token);
    const stored = JSON.stringify(await sql("SELECT * FROM sessions WHERE user_id = ?1", acct.userId))
      + JSON.stringify(await sql("SELECT * FROM devices WHERE user_id = ?1", acct.userId))
      + JSON.stringify(await sql("SELECT * FROM auth WHERE user_id = ?1", acct.userId));
    for (const secret of [body.token, acct.token, body.device_token, acct.secret]) expect(stored).not.toContain(secret);

    await expectError(await signIn(acct, { secret: randomB64(32) }), 401, "invalid_credentials");
    await expectError(await call("POST", "/v1/sessions", { body: { email: newEmail("ghost"), auth_secret: randomB64(32) } }),
      401, "invalid_credentials");
    await expectError(await call("POST", "/v1/sessions", { body: { email: acct.email } }), 400, "invalid_request");
    await expectError(await call("POST", "/v1/sessions", { body: { email: acct.email, auth_secret: acct.secret, device_token: "x" } }),
      400, "invalid_request");

    expect((await call("DELETE", "/v1/sessions/current", { token: body.token })).status).toBe(204);
    await expectError(await call("GET", "/v1/snapshot", { token: body.token }), 401, "invalid_token");
    expect((await call("GET", "/v1/snapshot", { token: acct.token })).status).toBe(200);
  });

  it("refuses missing, malformed, forged and expired tokens", async () => {
    await expectError(await call("GET", "/v1/snapshot"), 401, "missing_token");
    const r = await call("GET", "/v1/snapshot", { token: randomB64(32).replace(/[+/=]/g, "A").slice(0, 43) });
    await expectError(r, 401, "invalid_token");
    expect(r.headers.get("www-authenticate")).toMatch(/^Bearer/);
    await expectError(await call("GET", "/v1/snapshot", { token: "short" }), 401, "invalid_token");
    await expectError(await call("GET", "/v1/snapshot", { headers: { authorization: "Basic abc" } }), 401, "invalid_token");
    const acct = await createAccount();
    await sql("UPDATE sessions SET expires_at = '2000-01-01T00:00:00.000Z' WHERE user_id = ?1", acct.userId);
    await expectError(await call("GET", "/v1/snapshot", { token: acct.token }), 401, "token_expired");
    await expectError(await call("GET", "/v1/snapshot", { token: acct.token }), 401, "invalid_token");
  });

  it("moves last_seen_at forward at most once a minute", async () => {
    const acct = await createAccount();
    await sql("UPDATE sessions SET last_seen_at = '2000-01-01T00:00:00.000Z' WHERE user_id = ?1", acct.userId);
    await call("GET", "/v1/snapshot", { token: acct.token });
    const [row] = await sql("SELECT last_seen_at FROM sessions WHERE user_id = ?1", acct.userId);
    expect(row.last_seen_at > "2020").toBe(true);
  });
});
