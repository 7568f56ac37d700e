// Throttling, enforced by one D1 statement per request.
//
// Why a single D1 statement: D1 runs the statements of a database one at a time, so an
// INSERT ... ON CONFLICT DO UPDATE that both checks and counts is atomic without any extra
// service. A request names all its keys (client address, account, the pair of both, ...) and
// reserves one attempt on each of them at once, or on none of them when any key is blocked:
// parallel bursts get exactly the allowed number of checks. A Durable Object would serialise
// as well but adds a second product and a hop; the Workers rate-limiting binding is
// per-location and approximate, so it cannot promise "5 checks, not 6".
//
// Attempts are counted before the secret is checked (so a burst cannot race the count); a
// success gives the attempt back (`release`), so only failures stay counted.

import { ApiError } from "./http.js";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

// { maxFree, baseMs, maxMs, windowMs }: `maxFree` attempts in `windowMs` pass at once; after
// that each attempt waits base * 2^(n - maxFree) after the previous one, at most maxMs.
export const RULES = Object.freeze({
  // one client address guessing one account: a growing delay, never a hard lock
  pair: { maxFree: 5, baseMs: 2 * SECOND, maxMs: 15 * MINUTE, windowMs: 24 * HOUR },
  // one client address, all accounts together (spraying many addresses)
  ip: { maxFree: 30, baseMs: MINUTE, maxMs: 15 * MINUTE, windowMs: 15 * MINUTE },
  // one account, all client addresses together (a distributed guess); devices that signed in
  // before are exempt, so this cannot lock the owner out of a known device
  acct: { maxFree: 20, baseMs: MINUTE, maxMs: HOUR, windowMs: HOUR },
  // a known device (device token) or a signed-in session re-checking its secret
  dev: { maxFree: 5, baseMs: 2 * SECOND, maxMs: 15 * MINUTE, windowMs: 24 * HOUR },
  // sign-ups and reset requests per client address
  signup: { maxFree: 10, baseMs: 10 * MINUTE, maxMs: HOUR, windowMs: HOUR },
  // mails to one address (codes, notices): nobody can flood somebody's mailbox
  mail: { maxFree: 5, baseMs: 10 * MINUTE, maxMs: HOUR, windowMs: HOUR },
});

const STALE_MS = 2 * 24 * HOUR;

/** The client's address as Cloudflare reports it; locally wrangler fills in the socket's. */
export function clientAddress(request) {
  return (request.headers.get("cf-connecting-ip") || "unknown").trim().toLowerCase().slice(0, 64);
}

/** A throttle key: key("pair", ip, email) -> { kind: "pair", key: "pair:<ip>|<email>" }. */
export function key(kind, ...parts) {
  if (!RULES[kind]) throw new Error(`no throttle rule ${kind}`);
  return { kind, key: `${kind}:${parts.join("|")}` };
}

const parsedRules = new Map();

/**
 * The rules in force: RULES, with any numbers the THROTTLE_RULES variable (JSON such as
 * {"signup": {"maxFree": 100000}}) replaces. Local load tests use it to sign up hundreds of
 * users from one address; a malformed value is a configuration error (500), never ignored.
 */
export function limitRules(env) {
  const text = env && env.THROTTLE_RULES;
  if (!text) return RULES;
  if (!parsedRules.has(text)) {
    const given = JSON.parse(text);
    const merged = {};
    for (const [kind, rule] of Object.entries(RULES)) {
      const over = given[kind] || {};
      for (const [field, v] of Object.entries(over)) {
        if (!(field in rule) || !Number.isInteger(v) || v < 0) throw new Error(`THROTTLE_RULES: bad ${kind}.${field}`);
      }
      merged[kind] = Object.freeze({ ...rule, ...over });
    }
    for (const kind of Object.keys(given)) if (!RULES[kind]) throw new Error(`THROTTLE_RULES: unknown rule ${kind}`);
    parsedRules.set(text, Object.freeze(merged));
  }
  return parsedRules.get(text);
}

const BLOCKED = `t.window_start + t.window_ms > ?1 AND t.attempts >= t.max_free
  AND t.last_at + min(t.max_ms, t.base_ms << min(t.attempts - t.max_free, 30)) > ?1`;

/**
 * Reserves one attempt on every key, in one statement; throws 429 rate_limited (with
 * retry_after) and counts nothing when any key is blocked.
 */
export async function reserve(db, keys, now, message, rules = RULES) {
  const params = [now];
  const rows = [];
  for (const k of keys) {
    const i = params.length;
    const rule = rules[k.kind];
    params.push(k.key, rule.maxFree, rule.baseMs, rule.maxMs, rule.windowMs);
    rows.push(`(?${i + 1}, ?${i + 2}, ?${i + 3}, ?${i + 4}, ?${i + 5})`);
  }
  const names = keys.map((_, j) => `?${2 + 5 * j}`).join(", ");
  const reserved = await db
    .prepare(
      `INSERT INTO throttle (key, attempts, window_start, last_at, max_free, base_ms, max_ms, window_ms)
       SELECT column1, 1, ?1, ?1, column2, column3, column4, column5 FROM (VALUES ${rows.join(", ")})
       WHERE NOT EXISTS (SELECT 1 FROM throttle t WHERE t.key IN (${names}) AND ${BLOCKED})
       ON CONFLICT (key) DO UPDATE SET
         attempts = CASE WHEN throttle.window_start + throttle.window_ms <= ?1 THEN 1 ELSE throttle.attempts + 1 END,
         window_start = CASE WHEN throttle.window_start + throttle.window_ms <= ?1 THEN ?1 ELSE throttle.window_start END,
         last_at = ?1,
         max_free = excluded.max_free, base_ms = excluded.base_ms, max_ms = excluded.max_ms,
         window_ms = excluded.window_ms
       RETURNING key`,
    )
    .bind(...params)
    .all();
  if (reserved.results.length === keys.length) return;
  const waitNames = keys.map((_, j) => `?${j + 2}`).join(", ");
  const wait = await db
    .prepare(
      `SELECT max(t.last_at + min(t.max_ms, t.base_ms << min(t.attempts - t.max_free, 30)) - ?1) AS ms
       FROM throttle t WHERE t.key IN (${waitNames}) AND ${BLOCKED}`,
    )
    .bind(now, ...keys.map((k) => k.key))
    .first();
  const retryAfter = Math.max(1, Math.ceil(((wait && wait.ms) || 1000) / 1000));
  throw new ApiError(429, "rate_limited", message, { retry_after: retryAfter }, { "retry-after": String(retryAfter) });
}

/**
 * After a success: the attempt is given back on `refund` keys and the `clear` keys start
 * over (the pair that just proved the secret). Also drops rows idle for two days.
 */
export function releaseStatements(db, { refund = [], clear = [] }, now) {
  const statements = [db.prepare("DELETE FROM throttle WHERE last_at < ?1").bind(now - STALE_MS)];
  for (const k of clear) statements.push(db.prepare("DELETE FROM throttle WHERE key = ?1").bind(k.key));
  for (const k of refund) {
    statements.push(db.prepare("UPDATE throttle SET attempts = max(attempts - 1, 0) WHERE key = ?1").bind(k.key));
  }
  return statements;
}

export const TOO_MANY = "too many attempts; try again later";

export async function release(db, which, now) {
  await db.batch(releaseStatements(db, which, now));
}
