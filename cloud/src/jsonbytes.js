// Locating values inside raw JSON bytes, so that a value can be stored exactly as the client sent
// it (same bytes: whitespace, key order, number spelling) instead of being re-serialised.
// Every function expects text that JSON.parse already accepted: none of them validates.

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const decoder = new TextDecoder();
const encoder = new TextEncoder();

export function skipWs(b, i) {
  while (i < b.length && WS.has(b[i])) i++;
  return i;
}

function skipString(b, i) {
  // b[i] is the opening quote. The closing one is the next quote preceded by an even number of
  // backslashes; indexOf finds candidates far faster than a byte-by-byte loop.
  let from = i + 1;
  for (;;) {
    const q = b.indexOf(QUOTE, from);
    if (q < 0) return b.length;
    let k = q - 1;
    while (b[k] === BACKSLASH) k--;
    if ((q - 1 - k) % 2 === 0) return q + 1;
    from = q + 1;
  }
}

/** Index just past the JSON value starting at b[i]. */
export function skipValue(b, i) {
  const c = b[i];
  if (c === QUOTE) return skipString(b, i);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    for (;;) {
      const d = b[i];
      if (d === QUOTE) {
        i = skipString(b, i);
        continue;
      }
      if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
  }
  // number, true, false, null
  while (i < b.length && !WS.has(b[i]) && b[i] !== 0x2c && b[i] !== 0x7d && b[i] !== 0x5d) i++;
  return i;
}

/** True when the member name b[start, end) (quotes included) is `quoted` (`"name"` as bytes) or `name`. */
function nameIs(b, start, end, quoted, name) {
  let escaped = false;
  for (let k = start; k < end; k++) {
    if (b[k] === BACKSLASH) {
      escaped = true;
      break;
    }
  }
  if (escaped) return JSON.parse(decoder.decode(b.subarray(start, end))) === name;
  if (end - start !== quoted.length) return false;
  for (let k = 0; k < quoted.length; k++) if (b[start + k] !== quoted[k]) return false;
  return true;
}

/**
 * Byte range [start, end) of the value of member `key` of the JSON object that starts at b[from]
 * (after optional whitespace), or null. The last occurrence wins, as in JSON.parse.
 */
export function memberRange(b, key, from = 0) {
  const quoted = encoder.encode(JSON.stringify(key));
  let i = skipWs(b, from) + 1; // '{'
  i = skipWs(b, i);
  if (b[i] === 0x7d) return null;
  let found = null;
  for (;;) {
    i = skipWs(b, i);
    const ks = i;
    i = skipString(b, i);
    const hit = nameIs(b, ks, i, quoted, key);
    i = skipWs(b, i) + 1; // ':'
    i = skipWs(b, i);
    const vs = i;
    i = skipValue(b, i);
    if (hit) found = [vs, i];
    i = skipWs(b, i);
    if (b[i] === 0x2c) {
      i++;
      continue;
    }
    return found;
  }
}

/** Start offsets of the elements of the JSON array that starts at b[from]. */
export function elementStarts(b, from) {
  const starts = [];
  let i = skipWs(b, skipWs(b, from) + 1); // after '['
  if (b[i] === 0x5d) return starts;
  for (;;) {
    i = skipWs(b, i);
    starts.push(i);
    i = skipWs(b, skipValue(b, i));
    if (b[i] !== 0x2c) return starts;
    i++;
  }
}
