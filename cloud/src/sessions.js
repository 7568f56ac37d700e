// Bearer-token sessions: only SHA-256(token) is stored; 30-day absolute lifetime.

import { ApiError } from "./http.js";
import { newToken, tokenId, TOKEN_RE } from "./crypto.js";
import { iso, nowMs } from "./time.js";

export const SESSION_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;
const LAST_SEEN_RESOLUTION_MS = 60 * 1000;

const unauthorized = (code, message) =>
  new ApiError(401, code, message, {}, { "www-authenticate": 'Bearer realm="dreamtree"' });

/**
 * Prepares a new session. Returns { token, expiresAt, statement } where statement inserts the
 * session row (run it alone or inside a batch).
 */
export async function prepareSession(db, userId, now = nowMs()) {
  const token = newToken();
  const id = await tokenId(token);
  const expiresAt = iso(now + SESSION_LIFETIME_MS);
  const statement = db
    .prepare("INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at) VALUES (?1, ?2, ?3, ?3, ?4)")
    .bind(id, userId, iso(now), expiresAt);
  return { token, expiresAt, statement };
}

/** Authenticates `Authorization: Bearer <token>`. Returns { sessionId, userId }. */
export async function requireSession(request, env) {
  const header = request.headers.get("authorization");
  if (header === null || header.trim() === "") {
    throw unauthorized("missing_token", "Authorization: Bearer <token> is required");
  }
  const m = /^Bearer +(\S+)\s*$/i.exec(header);
  if (!m || !TOKEN_RE.test(m[1])) throw unauthorized("invalid_token", "invalid session token");
  const id = await tokenId(m[1]);
  const row = await env.DB.prepare("SELECT user_id, expires_at, last_seen_at FROM sessions WHERE id = ?1")
    .bind(id)
    .first();
  if (!row) throw unauthorized("invalid_token", "invalid session token");
  const now = nowMs();
  if (Date.parse(row.expires_at) <= now) {
    await env.DB.prepare("DELETE FROM sessions WHERE id = ?1").bind(id).run();
    throw unauthorized("token_expired", "session expired; sign in again");
  }
  if (now - Date.parse(row.last_seen_at) >= LAST_SEEN_RESOLUTION_MS) {
    await env.DB.prepare("UPDATE sessions SET last_seen_at = ?2 WHERE id = ?1").bind(id, iso(now)).run();
  }
  return { sessionId: id, userId: row.user_id };
}
