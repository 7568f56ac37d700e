import { describe, expect, it } from "vitest";
import {
  call, codeIn, createAccount, expectError, json, lastMailTo, mailsTo, newEmail, signIn, signupBody, sql,
} from "./helpers.js";

function confirmBody(email, code) {
  const b = signupBody(email);
  return { email, code, auth_secret: b.auth_secret, kdf: b.kdf, wrapped_data_key: b.wrapped_data_key };
}

describe("password reset by mailed code", () => {
  it("answers every address alike and mails a code only to an account's owner", async () => {
    const acct = await createAccount();
    const ghost = newEmail("ghost");
    const known = await call("POST", "/v1/account/reset", { body: { email: acct.email.toUpperCase() } });
    const unknown = await call("POST", "/v1/account/reset", { body: { email: ghost } });
    expect([known.status, await json(known)]).toEqual([202, { status: "reset_sent" }]);
    expect([unknown.status, await json(unknown)]).toEqual([202, { status: "reset_sent" }]);
    expect(mailsTo(ghost)).toEqual([]);
    expect(codeIn(lastMailTo(acct.email))).toMatch(/^\d{8}$/);
    await expectError(await call("POST", "/v1/account/reset", { body: { email: "x" } }), 400, "invalid_email");
    await expectError(await call("POST", "/v1/account/reset", { body: { email: ghost, x: 1 } }), 400, "invalid_request");
  });

  it("takes the new password and data key, ends every session, and marks the reset", async () => {
    const acct = await createAccount();
    const other = await json(await signIn(acct));
    await call("PUT", "/v1/snapshot", { token: acct.token, headers: { "if-match": "0" },
      body: { schema_version: "1", exported_at: "2026-01-31T12:00:00Z", wallet: { format: "dreamtree-export", version: "1" } } });
    await call("POST", "/v1/account/reset", { body: { email: acct.email } });
    const code = codeIn(lastMailTo(acct.email));
    const good = confirmBody(acct.email, code);
    const wrongCode = String((Number(code) + 1) % 1e8).padStart(8, "0");
    await expectError(await call("POST", "/v1/account/reset/confirm", { body: { ...good, code: wrongCode } }), 400, "invalid_code");
    await expectError(await call("POST", "/v1/account/reset/confirm", { body: { ...good, kdf: { alg: "x" } } }), 400, "invalid_request");
    await expectError(await call("POST", "/v1/account/reset/confirm", { body: { ...good, email: newEmail() } }), 400, "invalid_code");
    const { code: _c, ...noCode } = good;
    await expectError(await call("POST", "/v1/account/reset/confirm", { body: noCode }), 400, "invalid_request");
    expect((await signIn(acct)).status).toBe(200); // untouched so far

    const r = await call("POST", "/v1/account/reset/confirm", { body: good });
    expect(r.status).toBe(200);
    const done = await json(r);
    expect(Object.keys(done).sort()).toEqual(["device_token", "expires_at", "reset_at", "token", "user_id"]);
    expect(done.user_id).toBe(acct.userId);
    for (const token of [acct.token, other.token]) {
      await expectError(await call("GET", "/v1/snapshot", { token }), 401, "invalid_token");
    }
    const snap = await json(await call("GET", "/v1/snapshot", { token: done.token }));
    expect(snap.reset_at).toBe(done.reset_at);
    expect(snap.revision).toBe(1);
    await expectError(await signIn(acct), 401, "invalid_credentials");
    const signed = await json(await signIn(acct, { secret: good.auth_secret }));
    expect(signed).toMatchObject({ reset_at: done.reset_at, kdf: good.kdf, wrapped_data_key: good.wrapped_data_key });
    // The old device token no longer counts as a known device.
    expect(await sql("SELECT COUNT(*) AS n FROM devices WHERE id IN (SELECT id FROM devices WHERE user_id = ?1)", acct.userId))
      .toEqual([{ n: 2 }]);
    await expectError(await call("POST", "/v1/account/reset/confirm", { body: good }), 400, "invalid_code");
  });

  it("applies a code used twice at the same time once", async () => {
    const acct = await createAccount();
    await call("POST", "/v1/account/reset", { body: { email: acct.email } });
    const code = codeIn(lastMailTo(acct.email));
    const answers = await Promise.all([1, 2, 3].map(() =>
      call("POST", "/v1/account/reset/confirm", { body: confirmBody(acct.email, code) })));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 400, 400]);
    expect(await sql("SELECT COUNT(*) AS n FROM sessions WHERE user_id = ?1", acct.userId)).toEqual([{ n: 1 }]);
  });
});
