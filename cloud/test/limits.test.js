import { describe, expect, it } from "vitest";
import { call, createAccount, expectError, json, newEmail, randomB64, signIn, signupBody, sql } from "./helpers.js";
import { RULES } from "../src/limits.js";

const wrongSecret = () => randomB64(32);

describe("throttling: atomic, per address and account, and fair to the owner", () => {
  it("checks exactly 5 guesses of a parallel burst of 20 from one address", async () => {
    const acct = await createAccount();
    const answers = await Promise.all(Array.from({ length: 20 }, () =>
      signIn(acct, { ip: "198.51.100.20", secret: wrongSecret() })));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(RULES.pair.maxFree);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20 - RULES.pair.maxFree);
    const limited = await json(answers[statuses.indexOf(429)]);
    expect(limited.retry_after).toBeGreaterThanOrEqual(1);
    // The right secret from that address waits too; the owner elsewhere signs in at once.
    await expectError(await signIn(acct, { ip: "198.51.100.20" }), 429, "rate_limited");
    expect((await signIn(acct, { ip: "203.0.113.50" })).status).toBe(200);
  });

  it("makes each further guess of one address wait longer (a delay, not a lock)", async () => {
    const acct = await createAccount();
    const ip = "198.51.100.21";
    for (let i = 0; i < RULES.pair.maxFree; i++) {
      await expectError(await signIn(acct, { ip, secret: wrongSecret() }), 401, "invalid_credentials");
    }
    const waits = [];
    for (let round = 0; round < 3; round++) {
      const limited = await expectError(await signIn(acct, { ip }), 429, "rate_limited");
      waits.push(limited.retry_after);
      // Let the delay pass, then guess wrong once more.
      await sql("UPDATE throttle SET last_at = last_at - ?1 WHERE key LIKE 'pair:%' || ?2", limited.retry_after * 1000 + 1, acct.email);
      await expectError(await signIn(acct, { ip, secret: wrongSecret() }), 401, "invalid_credentials");
    }
    expect(waits[1]).toBeGreaterThan(waits[0]);
    expect(waits[2]).toBeGreaterThan(waits[1]);
    // After the delay the owner's right secret gets in and the pair starts over.
    const [row] = await sql("SELECT key FROM throttle WHERE key LIKE 'pair:%' || ?1", acct.email);
    await sql("UPDATE throttle SET last_at = 0 WHERE key = ?1", row.key);
    expect((await signIn(acct, { ip })).status).toBe(200);
    expect(await sql("SELECT * FROM throttle WHERE key = ?1", row.key)).toEqual([]);
  });

  it("limits one address trying many accounts, and only that address", async () => {
    const ip = "198.51.100.22";
    const statuses = [];
    for (let i = 0; i < RULES.ip.maxFree + 3; i++) {
      const r = await call("POST", "/v1/sessions", { body: { email: newEmail("spray"), auth_secret: wrongSecret() }, ip });
      statuses.push(r.status);
    }
    expect(statuses.filter((s) => s === 401)).toHaveLength(RULES.ip.maxFree);
    expect(statuses.slice(RULES.ip.maxFree)).toEqual([429, 429, 429]);
    const acct = await createAccount(newEmail(), {}, "203.0.113.60");
    expect((await signIn(acct, { ip: "203.0.113.61" })).status).toBe(200);
  });

  it("stops a guess spread over many addresses, yet a device that signed in before gets in", async () => {
    const acct = await createAccount();
    const known = await json(await signIn(acct, { ip: "203.0.113.70" }));
    const answers = [];
    for (let i = 0; i < RULES.acct.maxFree + 2; i++) {
      answers.push((await signIn(acct, { ip: `10.1.${i}.1`, secret: wrongSecret() })).status);
    }
    expect(answers.filter((s) => s === 401)).toHaveLength(RULES.acct.maxFree);
    expect(answers.slice(-2)).toEqual([429, 429]);
    // A new device, even with the right secret, waits; the known device does not.
    await expectError(await signIn(acct, { ip: "203.0.113.71" }), 429, "rate_limited");
    const back = await signIn(acct, { ip: "203.0.113.71", deviceToken: known.device_token });
    expect(back.status).toBe(200);
    expect((await json(back)).device_token).toBe(known.device_token);
    // Somebody else's device token does not help.
    const stranger = await createAccount();
    await expectError(await signIn(acct, { ip: "203.0.113.72", deviceToken: stranger.deviceToken }), 429, "rate_limited");
  });

  it("does not count successful sign-ins against the address", async () => {
    const acct = await createAccount();
    for (let i = 0; i < RULES.pair.maxFree + 3; i++) {
      expect((await signIn(acct, { ip: "198.51.100.23" })).status).toBe(200);
    }
    const rows = await sql("SELECT attempts FROM throttle WHERE key IN ('ip:198.51.100.23', 'acct:' || ?1)", acct.email);
    expect(rows.every((r) => r.attempts === 0)).toBe(true);
  });

  it("throttles sign-ups per client address and mail per recipient", async () => {
    const ip = "198.51.100.24";
    for (let i = 0; i < RULES.signup.maxFree; i++) {
      expect((await call("POST", "/v1/accounts", { body: signupBody(newEmail("many")), ip })).status).toBe(202);
    }
    await expectError(await call("POST", "/v1/accounts", { body: signupBody(newEmail("many")), ip }), 429, "rate_limited");
    await expectError(await call("POST", "/v1/account/reset", { body: { email: newEmail() }, ip }), 429, "rate_limited");
    expect((await call("POST", "/v1/accounts", { body: signupBody(newEmail("other")), ip: "198.51.100.25" })).status).toBe(202);

    const victim = newEmail("victim");
    for (let i = 0; i < RULES.mail.maxFree; i++) {
      expect((await call("POST", "/v1/account/reset", { body: { email: victim }, ip: `10.2.${i}.1` })).status).toBe(202);
    }
    await expectError(await call("POST", "/v1/accounts", { body: signupBody(victim), ip: "10.2.99.1" }), 429, "rate_limited");
  });

  it("counts wrong verification codes against the client's address", async () => {
    const ip = "198.51.100.26";
    let last;
    for (let i = 0; i < RULES.ip.maxFree + 1; i++) {
      last = await call("POST", "/v1/accounts/verify", { body: { email: newEmail("code"), code: "00000000" }, ip });
    }
    await expectError(last, 429, "rate_limited");
  });
});

describe("throttle rules from configuration", () => {
  it("lets THROTTLE_RULES raise a limit, and refuses a malformed one loudly", async () => {
    const ip = "198.51.100.30";
    const envOverrides = { THROTTLE_RULES: JSON.stringify({ signup: { maxFree: 1000 } }) };
    for (let i = 0; i < RULES.signup.maxFree + 2; i++) {
      expect((await call("POST", "/v1/accounts", { body: signupBody(newEmail("load")), ip, envOverrides })).status).toBe(202);
    }
    for (const bad of ['{"signup": {"maxFree": -1}}', '{"nope": {}}', '{"ip": {"other": 1}}', "not json"]) {
      const r = await call("POST", "/v1/accounts", { body: signupBody(newEmail()), ip: "198.51.100.31",
        envOverrides: { THROTTLE_RULES: bad } });
      await expectError(r, 500, "internal_error");
    }
  });
});
