// One-time e-mail codes: 8 digits, valid 30 minutes, 5 tries. Only a hash is stored. Every
// try is counted by one UPDATE ... RETURNING, so parallel guesses cannot exceed the 5 tries.

import { ApiError } from "./http.js";
import { sha256Hex, timingSafeEqual } from "./crypto.js";
import { iso } from "./time.js";

export const CODE_DIGITS = 8;
export const CODE_LIFETIME_MS = 30 * 60 * 1000;
export const CODE_TRIES = 5;
const CODE_RE = /^[0-9]{8}$/;

export const invalidCode = () =>
  new ApiError(400, "invalid_code", "the code is wrong or has expired; ask for a new one");

/** A uniformly random 8-digit code (rejection sampling keeps the digits unbiased). */
export function newCode() {
  const limit = 4_200_000_000; // the largest multiple of 10^8 below 2^32
  const buf = new Uint32Array(1);
  for (;;) {
    crypto.getRandomValues(buf);
    if (buf[0] < limit) return String(buf[0] % 100_000_000).padStart(CODE_DIGITS, "0");
  }
}

export function codeHash(purpose, email, code) {
  return sha256Hex(`${purpose}:${email}:${code}`);
}

/** Checks the shape of a submitted code (a string of 8 digits; spaces and dashes are ignored). */
export function codeField(value, field = "code") {
  if (typeof value !== "string") throw new ApiError(400, "invalid_request", `'${field}' must be a string of 8 digits`);
  const code = value.replace(/[\s-]/g, "");
  if (!CODE_RE.test(code)) throw new ApiError(400, "invalid_request", `'${field}' must be a string of 8 digits`);
  return code;
}

/**
 * The statement that stores a new code for (email, purpose), replacing an earlier one, and
 * one that drops expired codes of anybody. Returns { code, statements }.
 */
export async function issueCode(db, email, purpose, payload, now) {
  const code = newCode();
  const hash = await codeHash(purpose, email, code);
  const statements = [
    db.prepare("DELETE FROM email_codes WHERE expires_at <= ?1").bind(iso(now)),
    db.prepare(
      `INSERT INTO email_codes (email, purpose, code_hash, tries_left, expires_at, payload, created_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
       ON CONFLICT (email, purpose) DO UPDATE SET code_hash = excluded.code_hash,
         tries_left = excluded.tries_left, expires_at = excluded.expires_at, payload = excluded.payload,
         created_at = excluded.created_at`,
    ).bind(email, purpose, hash, CODE_TRIES, iso(now + CODE_LIFETIME_MS), JSON.stringify(payload), iso(now)),
  ];
  return { code, statements };
}

/**
 * Spends one try of the live code of (email, purpose) and checks `code` against it. Returns
 * { hash, payload } when it matches; throws 400 invalid_code otherwise (no code, expired, used
 * up or wrong: the answer is the same). The caller's writes must be guarded by
 * `codeGuard` and end with `consumeStatement`, so two right answers in parallel use it once.
 */
export async function checkCode(db, email, purpose, code, now) {
  const row = await db
    .prepare(
      `UPDATE email_codes SET tries_left = tries_left - 1
       WHERE email = ?1 AND purpose = ?2 AND tries_left > 0 AND expires_at > ?3
       RETURNING code_hash, payload`,
    )
    .bind(email, purpose, iso(now))
    .first();
  const hash = await codeHash(purpose, email, code);
  const enc = new TextEncoder();
  if (!row || !timingSafeEqual(enc.encode(row.code_hash), enc.encode(hash))) throw invalidCode();
  return { hash, payload: JSON.parse(row.payload) };
}

/** SQL condition true while the checked code is still unused (bind email, purpose, hash at ?k). */
export function codeGuard(k) {
  return `EXISTS (SELECT 1 FROM email_codes WHERE email = ?${k} AND purpose = ?${k + 1} AND code_hash = ?${k + 2})`;
}

export function consumeStatement(db, email, purpose, hash) {
  return db.prepare("DELETE FROM email_codes WHERE email = ?1 AND purpose = ?2 AND code_hash = ?3")
    .bind(email, purpose, hash);
}
