import { describe, expect, it } from "vitest";
import {
  call, codeIn, createAccount, expectError, json, lastMailTo, mailsTo, newEmail, newKdf, randomB64, signIn,
  signupBody, sql,
} from "./helpers.js";

describe("sign-up with a mailed code", () => {
  it("mails an 8-digit code and creates the account only once it comes back", async () => {
    const email = newEmail("fresh");
    const body = signupBody(`  ${email.toUpperCase()} `);
    const r = await call("POST", "/v1/accounts", { body });
    expect(r.status).toBe(202);
    expect(await json(r)).toEqual({ status: "verification_sent" });
    const mail = lastMailTo(email);
    expect(mail.head).toMatch(/^From: DreamTree <no-reply@dreamtree\.invalid>/m);
    expect(mail.head).toMatch(/^Message-ID: </m);
    const code = codeIn(mail);
    expect(code).toMatch(/^\d{8}$/);
    expect(mail.text).toContain(code);
    expect(await sql("SELECT * FROM emails WHERE email = ?1", email)).toEqual([]);
    const stored = await sql("SELECT * FROM email_codes WHERE email = ?1", email);
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(code);
    expect(JSON.stringify(stored)).not.toContain(body.auth_secret);

    const v = await call("POST", "/v1/accounts/verify", { body: { email, code: `${code.slice(0, 4)}-${code.slice(4)}` } });
    expect(v.status).toBe(201);
    const data = await json(v);
    expect(Object.keys(data).sort()).toEqual(["device_token", "expires_at", "token", "user_id"]);
    expect(data.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await call("GET", "/v1/snapshot", { token: data.token })).status).toBe(200);
    expect(await sql("SELECT email FROM emails WHERE user_id = ?1", data.user_id)).toEqual([{ email }]);
    expect(await sql("SELECT * FROM email_codes WHERE email = ?1", email)).toEqual([]);
    await expectError(await call("POST", "/v1/accounts/verify", { body: { email, code } }), 400, "invalid_code");
  });

  it("keeps the desktop's user id and refuses one already in use", async () => {
    const uid = crypto.randomUUID().toUpperCase();
    const acct = await createAccount(newEmail(), { user_id: uid });
    expect(acct.userId).toBe(uid.toLowerCase());
    await expectError(await call("POST", "/v1/accounts", { body: signupBody(newEmail(), { user_id: uid }) }),
      409, "user_id_taken");
  });

  it("answers a taken address exactly like a new one and mails its owner a warning instead", async () => {
    const owner = await createAccount();
    const before = mailsTo(owner.email).length;
    const taken = await call("POST", "/v1/accounts", { body: signupBody(owner.email.toUpperCase()), ip: "198.51.100.7" });
    const fresh = await call("POST", "/v1/accounts", { body: signupBody(newEmail()), ip: "198.51.100.7" });
    expect([taken.status, await json(taken)]).toEqual([fresh.status, await json(fresh)]);
    const names = (r) => [...r.headers.keys()].filter((k) => k !== "x-server-time").sort();
    expect(names(taken)).toEqual(names(fresh));
    const mails = mailsTo(owner.email);
    expect(mails).toHaveLength(before + 1);
    expect(mails.at(-1).text).toContain("already has one");
    expect(codeIn(mails.at(-1))).toBeNull();
    await expectError(await call("POST", "/v1/accounts/verify", { body: { email: owner.email, code: "12345678" } }),
      400, "invalid_code");
    expect((await signIn(owner)).status).toBe(200);
  });

  it("validates every field of a sign-up and mails nobody when refusing", async () => {
    const email = newEmail("bad");
    const good = signupBody(email);
    const cases = [
      [{ ...good, email: "not-an-email" }, "invalid_email"],
      [{ ...good, email: `${"a".repeat(250)}@x.org` }, "invalid_email"],
      [{ ...good, email: 42 }, "invalid_email"],
      [{ ...good, auth_secret: randomB64(31) }, "invalid_request"],
      [{ ...good, auth_secret: "!!!" }, "invalid_request"],
      [{ ...good, kdf: { ...good.kdf, t: 1 } }, "invalid_request"],
      [{ ...good, kdf: { ...good.kdf, salt: randomB64(8) } }, "invalid_request"],
      [{ ...good, kdf: { ...good.kdf, extra: 1 } }, "invalid_request"],
      [{ ...good, kdf: "argon2id" }, "invalid_request"],
      [{ ...good, wrapped_data_key: "x".repeat(4097) }, "invalid_request"],
      [{ ...good, wrapped_data_key: 5 }, "invalid_request"],
      [{ ...good, user_id: "not-a-uuid" }, "invalid_request"],
      [{ ...good, surprise: true }, "invalid_request"],
      [{ email, auth_secret: good.auth_secret, wrapped_data_key: "k" }, "invalid_request"],
    ];
    for (const [body, code] of cases) {
      await expectError(await call("POST", "/v1/accounts", { body, ip: "198.51.100.8" }), 400, code);
    }
    expect(mailsTo(email)).toEqual([]);
    const verifyCases = [{ email }, { email, code: 12345678 }, { email, code: "1234" }, { email, code: "abcdefgh" },
      { email, code: "12345678", x: 1 }, { code: "12345678" }];
    for (const body of verifyCases) {
      await expectError(await call("POST", "/v1/accounts/verify", { body }), 400, "invalid_request");
    }
  });

  it("gives each code 5 tries, counted atomically even when they arrive together", async () => {
    const email = newEmail("tries");
    await call("POST", "/v1/accounts", { body: signupBody(email) });
    const code = codeIn(lastMailTo(email));
    const wrong = Array.from({ length: 12 }, (_, k) => String((Number(code) + k + 1) % 1e8).padStart(8, "0"));
    const answers = await Promise.all(wrong.map((c, k) =>
      call("POST", "/v1/accounts/verify", { body: { email, code: c }, ip: `203.0.113.${k + 1}` })));
    expect(answers.map((r) => r.status)).toEqual(Array(12).fill(400));
    const [row] = await sql("SELECT tries_left FROM email_codes WHERE email = ?1", email);
    expect(row.tries_left).toBe(0);
    await expectError(await call("POST", "/v1/accounts/verify", { body: { email, code }, ip: "203.0.113.99" }),
      400, "invalid_code");
  });

  it("refuses an expired code, and a new sign-up replaces the code", async () => {
    const email = newEmail("late");
    await call("POST", "/v1/accounts", { body: signupBody(email) });
    const first = codeIn(lastMailTo(email));
    await sql("UPDATE email_codes SET expires_at = '2000-01-01T00:00:00.000Z' WHERE email = ?1", email);
    await expectError(await call("POST", "/v1/accounts/verify", { body: { email, code: first } }), 400, "invalid_code");
    await call("POST", "/v1/accounts", { body: signupBody(email) });
    const second = codeIn(lastMailTo(email));
    if (second !== first) {
      await expectError(await call("POST", "/v1/accounts/verify", { body: { email, code: first } }), 400, "invalid_code");
    }
    expect((await call("POST", "/v1/accounts/verify", { body: { email, code: second } })).status).toBe(201);
  });

  it("creates the account once when the right code arrives twice at the same time", async () => {
    const email = newEmail("twice");
    await call("POST", "/v1/accounts", { body: signupBody(email) });
    const code = codeIn(lastMailTo(email));
    const answers = await Promise.all([1, 2, 3].map(() => call("POST", "/v1/accounts/verify", { body: { email, code } })));
    expect(answers.map((r) => r.status).sort()).toEqual([201, 400, 400]);
    expect(await sql("SELECT COUNT(*) AS n FROM emails WHERE email = ?1", email)).toEqual([{ n: 1 }]);
  });

  it("answers 503 mail_unavailable when mail cannot be sent, and keeps no half-made account", async () => {
    const email = newEmail("nomail");
    const failing = { send: async () => { throw new Error("smtp down"); } };
    const r = await call("POST", "/v1/accounts", { body: signupBody(email), envOverrides: { EMAIL: failing } });
    await expectError(r, 503, "mail_unavailable");
    expect(r.headers.get("retry-after")).toBe("60");
    const none = await call("POST", "/v1/accounts", { body: signupBody(newEmail()), envOverrides: { EMAIL: undefined } });
    await expectError(none, 503, "mail_unavailable");
    expect(await sql("SELECT * FROM emails WHERE email = ?1", email)).toEqual([]);
  });

  it("builds mail headers safely from non-ASCII subjects", async () => {
    const { buildMessage } = await import("../src/mail.js");
    const raw = buildMessage({ from: "a@b.example", to: "c@d.example", subject: "Grüße", text: "ü" });
    expect(raw).toMatch(/^Subject: =\?UTF-8\?B\?R3LDvMOfZQ==\?=$/m);
    expect(newKdf().salt).toHaveLength(24);
  });
});
