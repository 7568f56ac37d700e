// Password reset by mailed code, for a user who forgot the password. The data key wrapped under
// the old password cannot be recovered, so the client brings a new one: every personal field
// sealed under the old key is lost, and `users.reset_at` tells the other devices so.

import { jsonResponse, readJsonObject } from "./http.js";
import { makeVerifier, newToken, tokenId } from "./crypto.js";
import { authSecret, checkFields, kdfParams, normalizeEmail, wrappedDataKey } from "./validation.js";
import { checkCode, codeField, codeGuard, consumeStatement, invalidCode, issueCode } from "./codes.js";
import { sendMail } from "./mail.js";
import { SESSION_LIFETIME_MS } from "./sessions.js";
import { iso, nowMs } from "./time.js";
import { ACCOUNT_LIMITS, deviceStatements } from "./accounts.js";
import { clientAddress, key, limitRules, releaseStatements, reserve, TOO_MANY } from "./limits.js";

function resetMail(code) {
  return {
    subject: `DreamTree password reset code: ${code}`,
    text: [
      "Someone (we hope you) asked to reset the password of the DreamTree cloud account of this address.",
      "",
      `Your reset code is ${code}`,
      "",
      "Enter it in DreamTree within 30 minutes, with a new password. Resetting signs out every",
      "device, and the personal fields encrypted under the old password cannot be recovered;",
      "everything else stays. If you did not ask for this, ignore this mail: nothing changes",
      "without the code.",
      "",
    ].join("\n"),
  };
}

// POST /v1/account/reset {email} -> 202 {status: "reset_sent"}, whether or not the address has an account
export async function requestReset(request, env) {
  const { value } = await readJsonObject(request, ACCOUNT_LIMITS);
  checkFields(value, ["email"]);
  const email = normalizeEmail(value.email);
  const db = env.DB;
  const now = nowMs();
  await reserve(db, [key("signup", clientAddress(request)), key("mail", email)], now,
    "too many requests from this address or for this e-mail address; try again later", limitRules(env));
  const row = await db.prepare("SELECT user_id FROM emails WHERE email = ?1 AND is_active = 1").bind(email).first();
  // An unknown address gets no mail: the answer is the same, so nothing is revealed.
  if (row) {
    const { code, statements } = await issueCode(db, email, "reset", { user_id: row.user_id }, now);
    await db.batch(statements);
    const mail = resetMail(code);
    await sendMail(env, email, mail.subject, mail.text);
  }
  return jsonResponse(202, { status: "reset_sent" });
}

// POST /v1/account/reset/confirm {email, code, auth_secret, kdf, wrapped_data_key}
//   -> 200 {user_id, token, expires_at, reset_at}
export async function confirmReset(request, env) {
  const { value } = await readJsonObject(request, ACCOUNT_LIMITS);
  checkFields(value, ["email", "code", "auth_secret", "kdf", "wrapped_data_key"]);
  const email = normalizeEmail(value.email);
  const code = codeField(value.code);
  const secret = authSecret(value.auth_secret);
  const kdf = kdfParams(value.kdf);
  const wrapped = wrappedDataKey(value.wrapped_data_key);
  const db = env.DB;
  const now = nowMs();
  const ipKey = key("ip", clientAddress(request));
  await reserve(db, [ipKey], now, TOO_MANY, limitRules(env));
  const { hash, payload } = await checkCode(db, email, "reset", code, now);
  const userId = payload.user_id;
  const verifier = await makeVerifier(secret);
  const token = newToken();
  const sessionId = await tokenId(token);
  const nowIso = iso(now);
  const expiresAt = iso(now + SESSION_LIFETIME_MS);
  // Every write is guarded by the code still being unused, so of two right answers in parallel
  // only the first changes anything; the code goes last.
  const guard = codeGuard(1); // ?1 email, ?2 purpose, ?3 code hash; ?4 user id
  const g = [email, "reset", hash, userId];
  const results = await db.batch([
    db.prepare(
      `UPDATE auth SET verifier_hash = ?5, verifier_salt = ?6, verifier_iterations = ?7, kdf_json = ?8,
                       wrapped_data_key = ?9, updated_at = ?10
       WHERE user_id = ?4 AND type = 'password' AND ${guard}`,
    ).bind(...g, verifier.hash, verifier.salt, verifier.iterations, JSON.stringify(kdf), wrapped, nowIso),
    db.prepare(`DELETE FROM sessions WHERE user_id = ?4 AND ${guard}`).bind(...g),
    db.prepare(`UPDATE users SET reset_at = ?5, updated_at = ?5 WHERE id = ?4 AND ${guard}`).bind(...g, nowIso),
    db.prepare(
      `INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at)
       SELECT ?5, ?4, ?6, ?6, ?7 WHERE ${guard}`,
    ).bind(...g, sessionId, nowIso, expiresAt),
    // The account starts afresh: no known devices, no sign-in throttle left over.
    db.prepare(`DELETE FROM devices WHERE user_id = ?4 AND ${guard}`).bind(...g),
    db.prepare(`DELETE FROM throttle WHERE key = ?5 AND ?4 IS NOT NULL AND ${guard}`).bind(...g, key("acct", email).key),
    consumeStatement(db, email, "reset", hash),
  ]);
  if (results[0].meta.changes !== 1) throw invalidCode();
  const device = await deviceStatements(db, userId, null, now);
  await db.batch([...device.statements, ...releaseStatements(db, { refund: [ipKey] }, now)]);
  return jsonResponse(200, {
    user_id: userId, token, expires_at: expiresAt, reset_at: nowIso, device_token: device.token,
  });
}
