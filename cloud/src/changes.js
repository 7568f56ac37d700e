// Incremental sync routes: GET /v1/changes (pull a page of items changed since a revision) and
// POST /v1/changes (push items, compare-and-set on the account's item revision).
//
// The server keeps opaque items per account in sync_items, each stamped with the revision of the
// push that last wrote it, and the account's revision in sync_heads. A push writes everything in
// one D1 batch (one transaction): the head bump, guarded by the expected revision, sets a random
// write_id, and every item write is guarded by "the head's write_id is mine", so a push that loses
// the race writes nothing. Items travel as JSON text exactly as sent; they are handed to D1 a few
// hundred at a time as one JSON array per statement (json_each), since D1 caps a statement at 100
// bound values and a bound value at 2,000,000 bytes.

import { acceptsGzip, ApiError, emptyResponse, jsonResponse, sendJson } from "./http.js";
import { randomUuid } from "./crypto.js";
import { revisionHeader } from "./validation.js";
import { encodeCursor, pullQuery, readPush } from "./items.js";
import { requireSession } from "./sessions.js";
import { iso, nowMs } from "./time.js";

// Largest JSON array bound to one statement: half of D1's 2,000,000-byte cap on a value.
export const MAX_BOUND_JSON_BYTES = 1_000_000;
// A page stops once its bodies reach this many bytes (at least one item per page), so a page of
// large items stays far below D1's 50 MB result limit and the Worker's memory.
export const PAGE_BODY_BYTES = 8 * 1024 * 1024;
// Answer text is streamed in parts of about this many characters.
const PART_CHARS = 64 * 1024;
// The next page's cursor (also in the body), stated in a header so a client can ask for the
// next page before it has parsed this one; absent on the last page. A cursor is ASCII.
export const NEXT_CURSOR_HEADER = "x-next-cursor";

function etag(revision) {
  return `"${revision}"`;
}

function conflict(code, message, current) {
  return new ApiError(409, code, message, { revision: current }, { etag: etag(current) });
}

const staleRevision = (current) => conflict("stale_revision",
  `the items changed on the server (now at revision ${current}); pull, merge and push again`, current);

const revisionAhead = (current) => conflict("revision_ahead",
  `the server is at item revision ${current}, behind the one asked for; pull everything again from 0`, current);

const historyReplaced = (current, since) => conflict("revision_ahead",
  `the server's revision ${since} is not the one this device saw (its history was replaced); `
  + "pull everything again from 0", current);

async function headRevision(db, userId) {
  const row = await db.prepare("SELECT revision FROM sync_heads WHERE user_id = ?1").bind(userId).first();
  return row ? row.revision : 0;
}

// ---- GET ----------------------------------------------------------------------------------

// The page: up to ?5 items after the position (?2, ?3, ?4), in (revision, kind, item_key) order,
// walked on the covering index; `fits` is 0 for the items after the body-size budget ?6 is used
// up, and only the bodies of those that fit are read.
const PAGE_SQL = `
SELECT p.kind, p.item_key, p.revision, p.fits, CASE WHEN p.fits THEN s.body END AS body
FROM (SELECT kind, item_key, revision,
             COALESCE(SUM(body_bytes) OVER (
               ORDER BY revision, kind, item_key ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) < ?6 AS fits
      FROM (SELECT kind, item_key, revision, body_bytes FROM sync_items
            WHERE user_id = ?1 AND (revision, kind, item_key) > (?2, ?3, ?4)
            ORDER BY revision, kind, item_key LIMIT ?5)) AS p
JOIN sync_items AS s ON s.user_id = ?1 AND s.kind = p.kind AND s.item_key = p.item_key
ORDER BY p.revision, p.kind, p.item_key`;

export async function getChanges(request, env) {
  const { userId } = await requireSession(request, env);
  const { since, sinceId, after, limit } = pullQuery(request.url);
  const ifNoneMatch = revisionHeader(request, "if-none-match");
  const db = env.DB;
  // One batch is one transaction: the revision stated is the one the page was read at.
  const [head, page] = await db.batch([
    db.prepare(
      `SELECT COALESCE(h.revision, 0) AS revision, h.write_id AS revision_id,
              (SELECT reset_at FROM users WHERE id = ?1) AS reset_at,
              (SELECT push_id FROM sync_pushes WHERE user_id = ?1 AND revision = ?2) AS since_id
       FROM (SELECT 1) LEFT JOIN sync_heads AS h ON h.user_id = ?1`,
    ).bind(userId, since),
    db.prepare(PAGE_SQL).bind(userId, after.revision, after.kind, after.key, limit + 1, PAGE_BODY_BYTES),
  ]);
  const { revision, revision_id: revisionId, reset_at: resetAt, since_id: knownId } = head.results[0];
  if (since > revision) throw revisionAhead(revision);
  if (sinceId !== null && sinceId !== knownId) throw historyReplaced(revision, since);

  const rows = page.results;
  let count = 0;
  while (count < rows.length && count < limit && rows[count].fits) count++;
  if (ifNoneMatch !== null && ifNoneMatch === revision && rows.length === 0) {
    return emptyResponse(304, { etag: etag(revision) });
  }
  const last = rows[count - 1];
  const cursor = count < rows.length ? encodeCursor(last.revision, last.kind, last.item_key) : null;
  const parts = [];
  let part = `{"revision":${revision},"revision_id":${JSON.stringify(revisionId ?? null)},`
    + `"reset_at":${JSON.stringify(resetAt ?? null)},`
    + `"cursor":${JSON.stringify(cursor)},"items":[`;
  for (let n = 0; n < count; n++) {
    const row = rows[n];
    part += `${n ? "," : ""}{"kind":${JSON.stringify(row.kind)},"key":${JSON.stringify(row.item_key)},`
      + `"revision":${row.revision},"body":${row.body === null ? "null" : row.body}}`;
    if (part.length >= PART_CHARS) {
      parts.push(part);
      part = "";
    }
  }
  parts.push(`${part}]}`);
  return sendJson(parts, acceptsGzip(request), etag(revision), cursor === null ? {} : { [NEXT_CURSOR_HEADER]: cursor });
}

// ---- POST ---------------------------------------------------------------------------------

const UPSERT = `ON CONFLICT (user_id, kind, item_key) DO UPDATE
  SET revision = excluded.revision, body_bytes = excluded.body_bytes, body = excluded.body,
      updated_at = excluded.updated_at`;
const GUARD = "EXISTS (SELECT 1 FROM sync_heads WHERE user_id = ?1 AND write_id = ?2)";

/** Bytes of the UTF-8 encoding of a (short) string, without encoding it. */
function utf8Length(text) {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    // A surrogate pair is 2 UTF-16 units and 4 bytes: each half adds one.
    bytes += c < 0x800 || (c >= 0xd800 && c < 0xe000) ? 1 : 2;
  }
  return bytes;
}

/** Statements writing `items` at `revision`, each guarded by the push's write id. */
export function itemStatements(db, userId, writeId, revision, nowIso, items) {
  const statements = [];
  const many = db.prepare(
    `INSERT INTO sync_items (user_id, kind, item_key, revision, body_bytes, body, updated_at)
     SELECT ?1, j.value ->> 0, j.value ->> 1, ?3, j.value ->> 3, j.value ->> 2, ?4 FROM json_each(?5) AS j
     WHERE ${GUARD} ${UPSERT}`,
  );
  const one = db.prepare(
    `INSERT INTO sync_items (user_id, kind, item_key, revision, body_bytes, body, updated_at)
     SELECT ?1, ?5, ?6, ?3, ?8, ?7, ?4 WHERE ${GUARD} ${UPSERT}`,
  );
  let chunk = [];
  let size = 2;
  const flush = () => {
    if (chunk.length) statements.push(many.bind(userId, writeId, revision, nowIso, `[${chunk.join(",")}]`));
    chunk = [];
    size = 2;
  };
  for (const item of items) {
    const fragment = JSON.stringify([item.kind, item.key, item.body, item.size]);
    // The body is item.size bytes; escaping it only adds ASCII, and the kind is ASCII: so only
    // the key's characters need counting.
    const bodyUnits = item.body === null ? 0 : item.body.length;
    const bodyBytes = item.body === null ? 0 : item.size;
    const bytes = fragment.length - bodyUnits + bodyBytes + utf8Length(item.key) - item.key.length + 1;
    if (bytes + 2 > MAX_BOUND_JSON_BYTES) {
      // Escaping can make a body of up to 1,000,000 bytes nearly twice as long: bind it alone.
      statements.push(one.bind(userId, writeId, revision, nowIso, item.kind, item.key, item.body, item.size));
      continue;
    }
    if (size + bytes > MAX_BOUND_JSON_BYTES) flush();
    chunk.push(fragment);
    size += bytes;
  }
  flush();
  return statements;
}

export async function postChanges(request, env) {
  const { userId } = await requireSession(request, env);
  const expected = revisionHeader(request, "if-match");
  if (expected === null) {
    throw new ApiError(428, "precondition_required",
      "If-Match: <revision> is required (the item revision the push is based on; 0 before the first push)");
  }
  const db = env.DB;
  // Cheap early refusal before reading a large body.
  const before = await headRevision(db, userId);
  if (expected !== before) throw staleRevision(before);

  const items = await readPush(request);
  const revision = expected + 1;
  const writeId = randomUuid();
  const nowIso = iso(nowMs());
  const head = expected === 0
    ? db.prepare(
      `INSERT INTO sync_heads (user_id, revision, write_id, updated_at) VALUES (?1, 1, ?2, ?3)
       ON CONFLICT (user_id) DO NOTHING`,
    ).bind(userId, writeId, nowIso)
    : db.prepare(
      "UPDATE sync_heads SET revision = ?3, write_id = ?4, updated_at = ?5 WHERE user_id = ?1 AND revision = ?2",
    ).bind(userId, expected, revision, writeId, nowIso);
  const log = db.prepare(
    `INSERT INTO sync_pushes (user_id, revision, push_id, pushed_at) SELECT ?1, ?3, ?2, ?4 WHERE ${GUARD}`,
  ).bind(userId, writeId, revision, nowIso);
  const results = await db.batch([head, log, ...itemStatements(db, userId, writeId, revision, nowIso, items)]);
  if (results[0].meta.changes !== 1) throw staleRevision(await headRevision(db, userId));
  const count = results.slice(2).reduce((n, r) => n + r.meta.changes, 0);
  return jsonResponse(200, { revision, revision_id: writeId, count }, { etag: etag(revision) });
}
