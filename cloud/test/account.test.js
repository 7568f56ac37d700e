import { describe, expect, it } from "vitest";
import { call, createAccount, expectError, json, newKdf, randomB64, signIn, sql } from "./helpers.js";

describe("password change and account deletion", () => {
  it("changes the password, ends the other sessions and keeps the caller's", async () => {
    const acct = await createAccount();
    const other = (await json(await signIn(acct))).token;
    const fresh = { secret: randomB64(32), kdf: newKdf(), wrapped: `v1.${randomB64(60)}` };
    const body = { old_auth_secret: randomB64(32), new_auth_secret: fresh.secret, new_kdf: fresh.kdf,
      new_wrapped_data_key: fresh.wrapped };
    await expectError(await call("POST", "/v1/password", { body, token: acct.token }), 401, "invalid_credentials");
    await expectError(await call("POST", "/v1/password", { body }), 401, "missing_token");
    await expectError(await call("POST", "/v1/password", { body: { ...body, new_kdf: { alg: "scrypt" } }, token: acct.token }),
      400, "invalid_request");
    await expectError(await call("POST", "/v1/password", { body: { ...body, old_auth_secret: "x" }, token: acct.token }),
      400, "invalid_request");
    const r = await call("POST", "/v1/password", { body: { ...body, old_auth_secret: acct.secret }, token: acct.token });
    expect(await json(r)).toEqual({ user_id: acct.userId, revoked_sessions: 1 });
    await expectError(await call("GET", "/v1/snapshot", { token: other }), 401, "invalid_token");
    expect((await call("GET", "/v1/snapshot", { token: acct.token })).status).toBe(200);
    await expectError(await signIn(acct), 401, "invalid_credentials");
    const again = await json(await signIn(acct, { secret: fresh.secret }));
    expect(again.kdf).toEqual(fresh.kdf);
    expect(again.wrapped_data_key).toBe(fresh.wrapped);
  });

  it("slows down a session that keeps giving wrong secrets", async () => {
    const acct = await createAccount();
    const wrong = { auth_secret: randomB64(32) };
    for (let i = 0; i < 5; i++) {
      await expectError(await call("DELETE", "/v1/account", { body: wrong, token: acct.token }), 401, "invalid_credentials");
    }
    const r = await call("DELETE", "/v1/account", { body: { auth_secret: acct.secret }, token: acct.token });
    const body = await expectError(r, 429, "rate_limited");
    expect(body.retry_after).toBeGreaterThanOrEqual(1);
    expect(await sql("SELECT COUNT(*) AS n FROM users WHERE id = ?1", acct.userId)).toEqual([{ n: 1 }]);
  });

  it("deletes the account and everything of it in one go; the address is free again", async () => {
    const acct = await createAccount();
    await signIn(acct);
    const put = await call("PUT", "/v1/snapshot", {
      token: acct.token, headers: { "if-match": "0" },
      body: { schema_version: "1.0", exported_at: "2026-01-31T12:00:00Z", wallet: { format: "dreamtree-export", version: "1.0" } },
    });
    expect(put.status).toBe(200);
    await expectError(await call("DELETE", "/v1/account", { body: {}, token: acct.token }), 400, "invalid_request");
    expect((await call("DELETE", "/v1/account", { body: { auth_secret: acct.secret }, token: acct.token })).status).toBe(204);
    for (const table of ["auth", "emails", "sessions", "devices", "user_wallet", "user_wallet_chunks"]) {
      expect(await sql(`SELECT COUNT(*) AS n FROM ${table} WHERE user_id = ?1`, acct.userId)).toEqual([{ n: 0 }]);
    }
    await expectError(await call("GET", "/v1/snapshot", { token: acct.token }), 401, "invalid_token");
    await createAccount(acct.email);
  });
});
