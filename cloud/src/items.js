// The shapes of incremental sync: items of a push, the query of a pull, and the page cursor.
// Every refusal is an ApiError naming the field; nothing here touches the database.

import { ApiError, badRequest, readJsonObject } from "./http.js";
import { checkFields, uuid } from "./validation.js";
import { elementStarts, memberRange } from "./jsonbytes.js";

export const MAX_ITEMS_PER_PUSH = 5000;
export const MAX_PUSH_BODY = 8 * 1024 * 1024; // 8,388,608 bytes, after gzip decoding
export const MAX_ITEM_BODY = 1_000_000; // bytes of one item's body as sent
export const MAX_KEY_CHARS = 256;
export const DEFAULT_PAGE = 5000;
export const MAX_PAGE = 10000;

const KIND_RE = /^[a-z][a-z0-9_]{0,31}$/;
// C0 controls, DEL and C1 controls.
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f]/;

function kindOk(value) {
  return typeof value === "string" && KIND_RE.test(value);
}

/** 1–256 characters (code points), no control characters, no lone surrogate halves. */
function keyOk(value) {
  if (typeof value !== "string" || value.length === 0 || CONTROL_RE.test(value) || !value.isWellFormed()) {
    return false;
  }
  if (value.length <= MAX_KEY_CHARS) return true;
  let count = 0;
  for (const _ of value) if (++count > MAX_KEY_CHARS) return false;
  return true;
}

const utf8 = new TextDecoder("utf-8");

/**
 * Checks a parsed push body and finds each item's body bytes in the raw request.
 * Returns [{ kind, key, body, size }]: body is the item's JSON text exactly as sent (or null),
 * size its length in UTF-8 bytes.
 */
export function pushItems(value, bytes) {
  checkFields(value, ["items"]);
  const items = value.items;
  if (!Array.isArray(items) || items.length < 1 || items.length > MAX_ITEMS_PER_PUSH) {
    throw badRequest(`'items' must be an array of 1 to ${MAX_ITEMS_PER_PUSH} items; send more as several pushes`);
  }
  const seen = new Set();
  items.forEach((item, n) => {
    const where = `items[${n}]`;
    checkFields(item, ["kind", "key", "body"], [], `'${where}'`);
    if (!kindOk(item.kind)) throw badRequest(`'${where}.kind' must match [a-z][a-z0-9_]{0,31}`);
    if (!keyOk(item.key)) {
      throw badRequest(`'${where}.key' must be 1 to ${MAX_KEY_CHARS} characters without control characters`);
    }
    const id = `${item.kind}\u0000${item.key}`;
    if (seen.has(id)) {
      throw badRequest(`'${where}' repeats kind ${JSON.stringify(item.kind)} key ${JSON.stringify(item.key)}`);
    }
    seen.add(id);
  });

  const itemsRange = memberRange(bytes, "items");
  const starts = elementStarts(bytes, itemsRange[0]);
  return items.map((item, n) => {
    const [start, end] = memberRange(bytes, "body", starts[n]);
    if (end - start > MAX_ITEM_BODY) {
      throw new ApiError(413, "item_too_large",
        `'items[${n}].body' is ${end - start} bytes; one item's body may be at most ${MAX_ITEM_BODY} bytes`);
    }
    if (item.body === null) return { kind: item.kind, key: item.key, body: null, size: 0 };
    return { kind: item.kind, key: item.key, body: utf8.decode(bytes.subarray(start, end)), size: end - start };
  });
}

/**
 * Reads and checks the body of a push; returns its items (see pushItems). The raw bytes and the
 * parsed tree are dropped on return, so they are not kept alive while the writes are prepared.
 */
export async function readPush(request) {
  const { value, bytes } = await readJsonObject(request, { maxBytes: MAX_PUSH_BODY, maxDecodedBytes: MAX_PUSH_BODY });
  return pushItems(value, bytes);
}

// ---- the pull's query ------------------------------------------------------------------------

const CURSOR_PREFIX = "c1.";

/** An opaque page cursor: the position (revision, kind, key) of the last item of a page. */
export function encodeCursor(revision, kind, key) {
  const text = JSON.stringify([revision, kind, key]);
  const binary = String.fromCharCode(...new TextEncoder().encode(text));
  return CURSOR_PREFIX + btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function decodeCursor(value) {
  const bad = () => badRequest("'after' must be a cursor returned by GET /v1/changes");
  if (!value.startsWith(CURSOR_PREFIX) || !/^[A-Za-z0-9_-]+$/.test(value.slice(CURSOR_PREFIX.length))) throw bad();
  let position;
  try {
    const binary = atob(value.slice(CURSOR_PREFIX.length).replace(/-/g, "+").replace(/_/g, "/"));
    const text = new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
    position = JSON.parse(text);
  } catch {
    throw bad();
  }
  if (!Array.isArray(position) || position.length !== 3 || !Number.isSafeInteger(position[0]) || position[0] < 1
      || !kindOk(position[1]) || !keyOk(position[2])) {
    throw bad();
  }
  return { revision: position[0], kind: position[1], key: position[2] };
}

function single(params, name) {
  const values = params.getAll(name);
  if (values.length > 1) throw badRequest(`query parameter '${name}' is given more than once`);
  return values.length ? values[0] : null;
}

/**
 * The query of GET /v1/changes: { since, sinceId, after, limit } where `sinceId` is the id the
 * client holds for revision `since` (or null), and `after` the position to start after
 * ({ revision, kind, key }); for the first page that is just before revision since + 1.
 */
export function pullQuery(url) {
  const params = new URL(url).searchParams;
  for (const name of params.keys()) {
    if (!["since", "since_id", "after", "limit"].includes(name)) throw badRequest(`unknown query parameter '${name}'`);
  }
  const sinceText = single(params, "since");
  if (sinceText === null || !/^\d{1,15}$/.test(sinceText)) {
    throw badRequest("query parameter 'since' must be a revision number (an integer >= 0)", "invalid_revision");
  }
  const since = Number(sinceText);
  const sinceIdText = single(params, "since_id");
  // The id of revision 0 is null: there is nothing to compare.
  const sinceId = sinceIdText === null || since === 0 ? null : uuid(sinceIdText, "since_id");
  const limitText = single(params, "limit");
  let limit = DEFAULT_PAGE;
  if (limitText !== null) {
    limit = /^\d{1,6}$/.test(limitText) ? Number(limitText) : 0;
    if (limit < 1 || limit > MAX_PAGE) throw badRequest(`query parameter 'limit' must be an integer from 1 to ${MAX_PAGE}`);
  }
  const cursorText = single(params, "after");
  // Kinds are never empty, so ("", "") sorts before every item of revision since + 1.
  const start = { revision: since + 1, kind: "", key: "" };
  let after = cursorText === null ? start : decodeCursor(cursorText);
  // A cursor from a pull with a lower `since` must not bring back items at or below this one.
  if (after.revision <= since) after = start;
  return { since, sinceId, after, limit };
}
