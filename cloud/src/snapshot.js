// Wallet snapshot routes: GET /v1/snapshot and PUT /v1/snapshot (compare-and-set on revision).
//
// The wallet's JSON text is stored byte for byte as the client sent it (the exact bytes of the
// "wallet" member of the PUT body), split into chunks of at most CHUNK_BYTES in
// user_wallet_chunks. All writes of one PUT go in one D1 batch (one transaction): the revision
// bump is guarded by the expected revision, and every chunk write is guarded by the random
// write_id that bump set, so a PUT that loses a race writes nothing at all.

import {
  acceptsGzip, ApiError, badRequest, concatBytes, emptyResponse, jsonResponse, readJsonObject, sendJson,
} from "./http.js";
import { memberRange } from "./jsonbytes.js";
import { bytesToHex, randomUuid, sha256Hex } from "./crypto.js";
import { checkFields, isoTimestamp, revisionHeader, versionString, wallet as checkWallet } from "./validation.js";
import { requireSession } from "./sessions.js";
import { iso, nowMs } from "./time.js";

export const CHUNK_BYTES = 1_000_000;
export const MAX_SNAPSHOT_BODY = 50 * 1024 * 1024; // 52,428,800 bytes, after gzip decoding

const encoder = new TextEncoder();

function etag(revision) {
  return `"${revision}"`;
}

function staleRevision(current) {
  return new ApiError(
    409,
    "stale_revision",
    `the snapshot changed on the server (now at revision ${current}); pull, merge and push again`,
    { revision: current },
    { etag: etag(current) },
  );
}

async function currentRevision(db, userId) {
  const row = await db.prepare("SELECT revision FROM user_wallet WHERE user_id = ?1").bind(userId).first();
  return row ? row.revision : 0;
}

// ---- GET ----------------------------------------------------------------------------------

export async function getSnapshot(request, env) {
  const { userId } = await requireSession(request, env);
  const db = env.DB;
  const ifNoneMatch = revisionHeader(request, "if-none-match");
  if (ifNoneMatch !== null && ifNoneMatch === (await currentRevision(db, userId))) {
    return emptyResponse(304, { etag: etag(ifNoneMatch) });
  }

  const gzip = acceptsGzip(request);
  const snap = await readSnapshot(db, userId);
  const resetAt = await resetMarker(db, userId);
  if (!snap) {
    const body = { revision: 0, schema_version: null, exported_at: null, updated_at: null,
      size_bytes: 0, sha256: null, reset_at: resetAt, wallet: null };
    return sendJson(JSON.stringify(body), gzip, etag(0));
  }
  const { row, parts } = snap;

  const head = JSON.stringify({
    revision: row.revision,
    schema_version: row.schema_version,
    exported_at: row.exported_at,
    updated_at: row.updated_at,
    size_bytes: row.size_bytes,
    sha256: row.sha256,
    reset_at: resetAt,
  });
  const prefix = encoder.encode(`${head.slice(0, -1)},"wallet":`);
  const body = [prefix, ...parts, encoder.encode("}")];
  return sendJson(body, gzip, etag(row.revision));
}

/** When the account's password was last reset with a mailed code (ISO time), or null. */
async function resetMarker(db, userId) {
  const row = await db.prepare("SELECT reset_at FROM users WHERE id = ?1").bind(userId).first();
  return row ? row.reset_at : null;
}

const READ_ATTEMPTS = 5;

/**
 * Reads the current snapshot: { row, parts } (the wallet bytes, chunk by chunk), or null when
 * there is none. Chunks are read one query at a time (a D1 result carries BLOBs as arrays of numbers, so one query for
 * all chunks of a large snapshot would be huge); each chunk must belong to the revision of the
 * metadata row, and the whole must match its SHA-256. A PUT landing in between shows up as a
 * chunk of another revision: then the read starts again.
 */
async function readSnapshot(db, userId) {
  for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
    const row = await db
      .prepare(
        `SELECT revision, schema_version, exported_at, size_bytes, chunk_count, sha256, updated_at
         FROM user_wallet WHERE user_id = ?1`,
      )
      .bind(userId)
      .first();
    if (!row) return null;
    const parts = [];
    let off = 0;
    let raced = false;
    for (let k = 0; k < row.chunk_count && !raced; k++) {
      const c = await db
        .prepare("SELECT revision, data FROM user_wallet_chunks WHERE user_id = ?1 AND idx = ?2")
        .bind(userId, k)
        .first();
      if (!c || c.revision !== row.revision) {
        raced = true;
        break;
      }
      const data = chunkBytes(c.data);
      off += data.length;
      if (off > row.size_bytes) throw corrupt();
      parts.push(data);
    }
    if (raced) {
      if ((await currentRevision(db, userId)) === row.revision) throw corrupt();
      continue; // a newer revision was written meanwhile: read again
    }
    if (off !== row.size_bytes || (await sha256OfParts(parts)) !== row.sha256) {
      if ((await currentRevision(db, userId)) === row.revision) throw corrupt();
      continue;
    }
    return { row, parts };
  }
  throw new ApiError(503, "busy", "the snapshot is being rewritten; try again", {}, { "retry-after": "1" });
}

function corrupt() {
  console.error("snapshot chunks inconsistent with user_wallet row");
  return new ApiError(500, "internal_error", "stored snapshot is inconsistent");
}

/** Lowercase hex SHA-256 over a list of byte arrays, without joining them. */
async function sha256OfParts(parts) {
  if (typeof crypto.DigestStream === "function") {
    const digest = new crypto.DigestStream("SHA-256");
    const writer = digest.getWriter();
    for (const p of parts) await writer.write(p);
    await writer.close();
    return bytesToHex(new Uint8Array(await digest.digest));
  }
  return sha256Hex(concatBytes(parts));
}

// ---- PUT ----------------------------------------------------------------------------------

export async function putSnapshot(request, env) {
  const { userId } = await requireSession(request, env);
  const db = env.DB;
  const expected = revisionHeader(request, "if-match");
  if (expected === null) {
    throw new ApiError(428, "precondition_required", "If-Match: <revision> is required (0 when there is no snapshot yet)");
  }
  // Cheap early refusal before reading a large body.
  const before = await currentRevision(db, userId);
  if (expected !== before) throw staleRevision(before);

  const { value, bytes } = await readJsonObject(request, {
    maxBytes: MAX_SNAPSHOT_BODY,
    maxDecodedBytes: MAX_SNAPSHOT_BODY,
  });
  checkFields(value, ["schema_version", "exported_at", "wallet"]);
  const schemaVersion = versionString(value.schema_version, "schema_version");
  const exportedAt = isoTimestamp(value.exported_at, "exported_at");
  checkWallet(value.wallet);

  const range = memberRange(bytes, "wallet");
  if (!range) throw badRequest("missing field 'wallet' in body");
  const walletBytes = bytes.subarray(range[0], range[1]);
  const size = walletBytes.length;
  const digest = await sha256Hex(walletBytes);
  const chunkCount = Math.ceil(size / CHUNK_BYTES);
  const writeId = randomUuid();
  const revision = expected + 1;
  const nowIso = iso(nowMs());

  const statements = [];
  if (expected === 0) {
    statements.push(
      db.prepare(
        `INSERT INTO user_wallet (user_id, schema_version, revision, exported_at, size_bytes, chunk_count, sha256,
                                  write_id, updated_at)
         VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(user_id) DO NOTHING`,
      ).bind(userId, schemaVersion, exportedAt, size, chunkCount, digest, writeId, nowIso),
    );
  } else {
    statements.push(
      db.prepare(
        `UPDATE user_wallet SET revision = ?3, schema_version = ?4, exported_at = ?5, size_bytes = ?6,
                                chunk_count = ?7, sha256 = ?8, write_id = ?9, updated_at = ?10
         WHERE user_id = ?1 AND revision = ?2`,
      ).bind(userId, expected, revision, schemaVersion, exportedAt, size, chunkCount, digest, writeId, nowIso),
    );
  }
  const guard = "EXISTS (SELECT 1 FROM user_wallet WHERE user_id = ?1 AND write_id = ?2)";
  statements.push(
    db.prepare(`DELETE FROM user_wallet_chunks WHERE user_id = ?1 AND idx >= ?3 AND ${guard}`)
      .bind(userId, writeId, chunkCount),
  );
  for (let k = 0; k < chunkCount; k++) {
    const chunk = walletBytes.slice(k * CHUNK_BYTES, (k + 1) * CHUNK_BYTES);
    statements.push(
      db.prepare(
        `INSERT OR REPLACE INTO user_wallet_chunks (user_id, revision, idx, data)
         SELECT ?1, ?3, ?4, ?5 WHERE ${guard}`,
      ).bind(userId, writeId, revision, k, bytesToBase64(chunk)),
    );
  }
  const results = await db.batch(statements);
  if (results[0].meta.changes !== 1) throw staleRevision(await currentRevision(db, userId));
  return jsonResponse(200, { revision, size_bytes: size, sha256: digest, updated_at: nowIso }, { etag: etag(revision) });
}

// Chunks are stored as base64 text: D1 passes BLOBs through its API as JSON arrays of numbers,
// which made a 20 MB snapshot several times slower to store and read than the same bytes as text.
const B64_SLICE = 0x8000;

function bytesToBase64(bytes) {
  let binary = "";
  for (let i = 0; i < bytes.length; i += B64_SLICE) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + B64_SLICE));
  }
  return btoa(binary);
}

function chunkBytes(data) {
  if (typeof data === "string") {
    const binary = atob(data);
    const out = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out;
  }
  // Chunks written before the switch to text.
  return data instanceof ArrayBuffer ? new Uint8Array(data) : Uint8Array.from(data);
}
