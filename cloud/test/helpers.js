// Calls the Worker's fetch handler inside the Workers runtime with the test D1 and a mail
// binding that keeps what it is given, so tests can read codes the way a user reads mail.

import { env } from "cloudflare:test";
import { expect } from "vitest";
import worker from "../src/index.js";

export const mailbox = [];

const EMAIL = {
  async send(message) {
    mailbox.push({ from: message.from, to: message.to, raw: String(message["EmailMessage::raw"]) });
  },
};

let counter = 0;
export function newEmail(tag = "user") {
  counter += 1;
  return `${tag}-${counter}-${crypto.randomUUID().slice(0, 8)}@example.org`;
}

export function b64(bytes) {
  return btoa(String.fromCharCode(...bytes));
}

export function randomB64(n) {
  return b64(crypto.getRandomValues(new Uint8Array(n)));
}

export function newKdf() {
  return { alg: "argon2id", m_kib: 65536, t: 3, p: 4, salt: randomB64(16) };
}

export function signupBody(email, extra = {}) {
  return { email, auth_secret: randomB64(32), kdf: newKdf(), wrapped_data_key: `v1.${randomB64(60)}`, ...extra };
}

/** One request to the Worker. `ip` sets CF-Connecting-IP; `envOverrides` replace bindings. */
export async function call(method, path, { body, raw, headers = {}, token, ip = "192.0.2.1", envOverrides = {} } = {}) {
  const h = new Headers(headers);
  if (!h.has("cf-connecting-ip")) h.set("cf-connecting-ip", ip);
  if (token) h.set("authorization", `Bearer ${token}`);
  let payload = raw;
  if (body !== undefined) {
    payload = JSON.stringify(body);
    if (!h.has("content-type")) h.set("content-type", "application/json");
  }
  const request = new Request(`https://cloud.test${path}`, { method, headers: h, body: payload });
  return worker.fetch(request, { ...env, EMAIL, ...envOverrides });
}

export async function json(response) {
  return JSON.parse(await response.text());
}

export async function expectError(response, status, code) {
  const body = await json(response);
  expect({ status: response.status, code: body.error && body.error.code }).toEqual({ status, code });
  expect(typeof body.error.message).toBe("string");
  expect(response.headers.get("x-server-time")).toMatch(/^\d+$/);
  return body;
}

/** Decoded text of the latest mail to `address` (null when none). */
export function lastMailTo(address) {
  for (let i = mailbox.length - 1; i >= 0; i--) {
    if (mailbox[i].to === address) return decodeMail(mailbox[i].raw);
  }
  return null;
}

export function mailsTo(address) {
  return mailbox.filter((m) => m.to === address).map((m) => decodeMail(m.raw));
}

function decodeMail(raw) {
  const [head, body] = raw.split("\r\n\r\n");
  const subject = /^Subject: (.*)$/m.exec(head)[1];
  const bin = atob(body.replace(/\s+/g, ""));
  const text = new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
  return { head, subject, text };
}

export function codeIn(mail) {
  const m = /\b(\d{8})\b/.exec(mail.subject);
  return m ? m[1] : null;
}

/** A verified account: { email, secret, kdf, wrapped, userId, token, deviceToken }. */
export async function createAccount(email = newEmail(), extra = {}, ip = "192.0.2.1") {
  const body = signupBody(email, extra);
  const r = await call("POST", "/v1/accounts", { body, ip });
  expect(r.status).toBe(202);
  const code = codeIn(lastMailTo(email.trim().toLowerCase()));
  const v = await call("POST", "/v1/accounts/verify", { body: { email, code }, ip });
  expect(v.status).toBe(201);
  const data = await json(v);
  return {
    email: email.trim().toLowerCase(), secret: body.auth_secret, kdf: body.kdf, wrapped: body.wrapped_data_key,
    userId: data.user_id, token: data.token, deviceToken: data.device_token,
  };
}

export async function signIn(account, { ip = "192.0.2.1", secret = account.secret, deviceToken } = {}) {
  const body = { email: account.email, auth_secret: secret };
  if (deviceToken) body.device_token = deviceToken;
  return call("POST", "/v1/sessions", { body, ip });
}

export function sql(query, ...params) {
  return env.DB.prepare(query).bind(...params).all().then((r) => r.results);
}
