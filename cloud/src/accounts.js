// Account routes: prelogin, sign-in/out, password change, account deletion.

import { ApiError, emptyResponse, jsonResponse, readJsonObject } from "./http.js";
import {
  bytesToBase64 as b64, checkVerifier, dummyVerifierWork, hmacSha256, makeVerifier, newToken, tokenId, TOKEN_RE,
} from "./crypto.js";
import {
  authSecret, checkFields, KDF_DEFAULTS, KDF_SALT_BYTES, kdfParams, normalizeEmail, wrappedDataKey,
} from "./validation.js";
import { clientAddress, key, limitRules, release, releaseStatements, reserve } from "./limits.js";
import { prepareSession, requireSession } from "./sessions.js";
import { iso, nowMs } from "./time.js";

export const ACCOUNT_BODY_LIMIT = 64 * 1024;
export const ACCOUNT_LIMITS = { maxBytes: ACCOUNT_BODY_LIMIT, maxDecodedBytes: ACCOUNT_BODY_LIMIT };
const LIMITS = ACCOUNT_LIMITS;

const invalidCredentials = () => new ApiError(401, "invalid_credentials", "wrong e-mail address or password");

/** Credentials of the account whose active address is `email`, or null. */
function findByEmail(db, email) {
  return db
    .prepare(
      `SELECT e.user_id, a.verifier_hash, a.verifier_salt, a.verifier_iterations, a.kdf_json, a.wrapped_data_key,
              u.reset_at
       FROM emails e JOIN auth a ON a.user_id = e.user_id AND a.type = 'password' JOIN users u ON u.id = e.user_id
       WHERE e.email = ?1 AND e.is_active = 1`,
    )
    .bind(email)
    .first();
}

/** Credentials and active address of a user (for routes that re-check the secret). */
function findByUser(db, userId) {
  return db
    .prepare(
      `SELECT a.user_id, e.email, a.verifier_hash, a.verifier_salt, a.verifier_iterations
       FROM auth a LEFT JOIN emails e ON e.user_id = a.user_id AND e.is_active = 1
       WHERE a.user_id = ?1 AND a.type = 'password'`,
    )
    .bind(userId)
    .first();
}

const SIGN_IN_LIMITED = "too many failed sign-in attempts; try again later";
export const MAX_DEVICES_PER_USER = 20;

/** Re-checks a signed-in user's auth secret; failures slow down that account's sessions. */
async function verifyUserSecret(env, userId, secretBytes) {
  const db = env.DB;
  const row = await findByUser(db, userId);
  if (!row) throw new ApiError(401, "invalid_token", "invalid session token");
  const keys = [key("dev", "session", userId)];
  const now = nowMs();
  await reserve(db, keys, now, SIGN_IN_LIMITED, limitRules(env));
  if (!(await checkVerifier(secretBytes, row))) throw invalidCredentials();
  await release(db, { clear: keys }, now);
  return row;
}

/** The optional `device_token` of a sign-in: a token an earlier sign-in gave this device. */
function deviceTokenField(value) {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string" || !TOKEN_RE.test(value)) {
    throw new ApiError(400, "invalid_request", "'device_token' must be the token an earlier sign-in returned");
  }
  return value;
}

/**
 * The device token to hand out after a successful sign-in, and the statements that record it:
 * the one presented when it is this user's, else a new one; at most MAX_DEVICES_PER_USER are kept.
 */
export async function deviceStatements(db, userId, presented, now) {
  const token = presented || newToken();
  const id = await tokenId(token);
  const nowIso = iso(now);
  return {
    token,
    statements: [
      db.prepare(
        `INSERT INTO devices (id, user_id, created_at, last_used_at) VALUES (?1, ?2, ?3, ?3)
         ON CONFLICT (id) DO UPDATE SET last_used_at = ?3 WHERE devices.user_id = ?2`,
      ).bind(id, userId, nowIso),
      db.prepare(
        `DELETE FROM devices WHERE user_id = ?1 AND id NOT IN
           (SELECT id FROM devices WHERE user_id = ?1 ORDER BY last_used_at DESC LIMIT ?2)`,
      ).bind(userId, MAX_DEVICES_PER_USER),
    ],
  };
}

// POST /v1/prelogin {email} -> {kdf}
export async function prelogin(request, env) {
  const { value } = await readJsonObject(request, LIMITS);
  checkFields(value, ["email"]);
  const email = normalizeEmail(value.email);
  const row = await env.DB.prepare(
    `SELECT a.kdf_json FROM emails e JOIN auth a ON a.user_id = e.user_id AND a.type = 'password'
     WHERE e.email = ?1 AND e.is_active = 1`,
  )
    .bind(email)
    .first();
  let kdf;
  if (row) {
    kdf = JSON.parse(row.kdf_json);
  } else {
    // Unknown address: stable, plausible parameters, indistinguishable from a real account's.
    if (!env.PRELOGIN_SECRET) throw new Error("PRELOGIN_SECRET is not configured");
    const mac = await hmacSha256(env.PRELOGIN_SECRET, email);
    kdf = { ...KDF_DEFAULTS, salt: b64(mac.subarray(0, KDF_SALT_BYTES)) };
  }
  return jsonResponse(200, { kdf });
}

// POST /v1/sessions {email, auth_secret, device_token?}
//   -> {user_id, token, expires_at, kdf, wrapped_data_key, reset_at, device_token}
export async function login(request, env) {
  const { value } = await readJsonObject(request, LIMITS);
  checkFields(value, ["email", "auth_secret"], ["device_token"]);
  const email = normalizeEmail(value.email);
  const secret = authSecret(value.auth_secret);
  const presented = deviceTokenField(value.device_token);
  const db = env.DB;
  const now = nowMs();

  const row = await findByEmail(db, email);
  let device = null;
  if (presented && row) {
    device = await db.prepare("SELECT id FROM devices WHERE id = ?1 AND user_id = ?2")
      .bind(await tokenId(presented), row.user_id).first();
  }
  // A device that signed in before has its own budget; anybody else shares the budgets of
  // their address, of the account, and of that pair (see limits.js).
  const ip = clientAddress(request);
  const keys = device ? [key("dev", device.id)] : [key("pair", ip, email), key("ip", ip), key("acct", email)];
  await reserve(db, keys, now, SIGN_IN_LIMITED, limitRules(env));
  const ok = row ? await checkVerifier(secret, row) : await dummyVerifierWork(secret);
  if (!ok) throw invalidCredentials();

  const session = await prepareSession(db, row.user_id, now);
  const trusted = await deviceStatements(db, row.user_id, device ? presented : null, now);
  await db.batch([
    ...releaseStatements(db, device ? { clear: keys } : { clear: [keys[0]], refund: keys.slice(1) }, now),
    db.prepare("DELETE FROM sessions WHERE user_id = ?1 AND expires_at <= ?2").bind(row.user_id, iso(now)),
    session.statement,
    ...trusted.statements,
  ]);
  return jsonResponse(200, {
    user_id: row.user_id,
    token: session.token,
    expires_at: session.expiresAt,
    kdf: JSON.parse(row.kdf_json),
    wrapped_data_key: row.wrapped_data_key,
    reset_at: row.reset_at ?? null,
    device_token: trusted.token,
  });
}

// DELETE /v1/sessions/current -> 204
export async function logout(request, env) {
  const { sessionId } = await requireSession(request, env);
  await env.DB.prepare("DELETE FROM sessions WHERE id = ?1").bind(sessionId).run();
  return emptyResponse(204);
}

// POST /v1/password {old_auth_secret, new_auth_secret, new_kdf, new_wrapped_data_key} -> 200
export async function changePassword(request, env) {
  const { sessionId, userId } = await requireSession(request, env);
  const { value } = await readJsonObject(request, LIMITS);
  checkFields(value, ["old_auth_secret", "new_auth_secret", "new_kdf", "new_wrapped_data_key"]);
  const oldSecret = authSecret(value.old_auth_secret, "old_auth_secret");
  const newSecret = authSecret(value.new_auth_secret, "new_auth_secret");
  const kdf = kdfParams(value.new_kdf, "new_kdf");
  const wrapped = wrappedDataKey(value.new_wrapped_data_key, "new_wrapped_data_key");
  const db = env.DB;

  await verifyUserSecret(env, userId, oldSecret);
  const verifier = await makeVerifier(newSecret);
  const nowIso = iso(nowMs());
  const results = await db.batch([
    db.prepare(
      `UPDATE auth SET verifier_hash = ?2, verifier_salt = ?3, verifier_iterations = ?4, kdf_json = ?5,
                       wrapped_data_key = ?6, updated_at = ?7
       WHERE user_id = ?1 AND type = 'password'`,
    ).bind(userId, verifier.hash, verifier.salt, verifier.iterations, JSON.stringify(kdf), wrapped, nowIso),
    db.prepare("DELETE FROM sessions WHERE user_id = ?1 AND id != ?2").bind(userId, sessionId),
    db.prepare("UPDATE users SET updated_at = ?2 WHERE id = ?1").bind(userId, nowIso),
  ]);
  return jsonResponse(200, { user_id: userId, revoked_sessions: results[1].meta.changes });
}

// DELETE /v1/account {auth_secret} -> 204 (everything of the user goes, by ON DELETE CASCADE)
export async function deleteAccount(request, env) {
  const { userId } = await requireSession(request, env);
  const { value } = await readJsonObject(request, LIMITS);
  checkFields(value, ["auth_secret"]);
  const secret = authSecret(value.auth_secret);
  const db = env.DB;
  await verifyUserSecret(env, userId, secret);
  await db.prepare("DELETE FROM users WHERE id = ?1").bind(userId).run();
  return emptyResponse(204);
}
