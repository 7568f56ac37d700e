// Sign-in throttling per e-mail address: 5 failures within 15 minutes block that address for
// 30 minutes (even a correct secret gets 429 while blocked). Unknown addresses are throttled
// the same way, so the limiter reveals nothing about which accounts exist.

import { ApiError } from "./http.js";
import { iso, nowMs } from "./time.js";

export const MAX_FAILURES = 5;
export const WINDOW_MS = 15 * 60 * 1000;
export const BLOCK_MS = 30 * 60 * 1000;
const STALE_MS = 24 * 60 * 60 * 1000;

/** Throws 429 rate_limited when the address is blocked. */
export async function assertNotBlocked(db, email, now = nowMs()) {
  const row = await db.prepare("SELECT blocked_until FROM login_attempts WHERE email = ?1").bind(email).first();
  if (row && row.blocked_until && Date.parse(row.blocked_until) > now) {
    const retryAfter = Math.max(1, Math.ceil((Date.parse(row.blocked_until) - now) / 1000));
    throw new ApiError(
      429,
      "rate_limited",
      "too many failed sign-in attempts; try again later",
      { retry_after: retryAfter },
      { "retry-after": String(retryAfter) },
    );
  }
}

/** Records one failure (atomically); blocks the address at the 5th failure in the window. */
export async function recordFailure(db, email, now = nowMs()) {
  const nowIso = iso(now);
  const row = await db
    .prepare(
      `INSERT INTO login_attempts (email, failures, blocked_until, updated_at)
       VALUES (?1, json_array(?2), NULL, ?2)
       ON CONFLICT(email) DO UPDATE SET
         failures = (SELECT json_group_array(ts) FROM (
                       SELECT value AS ts FROM json_each(login_attempts.failures) WHERE value > ?3
                       UNION ALL SELECT ?2)),
         updated_at = ?2
       RETURNING json_array_length(failures) AS n`,
    )
    .bind(email, nowIso, iso(now - WINDOW_MS))
    .first();
  const statements = [
    db.prepare("DELETE FROM login_attempts WHERE updated_at < ?1 AND (blocked_until IS NULL OR blocked_until < ?2)")
      .bind(iso(now - STALE_MS), nowIso),
  ];
  if (row && row.n >= MAX_FAILURES) {
    statements.push(
      db.prepare("UPDATE login_attempts SET blocked_until = ?2, failures = '[]', updated_at = ?3 WHERE email = ?1")
        .bind(email, iso(now + BLOCK_MS), nowIso),
    );
  }
  await db.batch(statements);
}

export async function clearFailures(db, email) {
  await db.prepare("DELETE FROM login_attempts WHERE email = ?1").bind(email).run();
}
