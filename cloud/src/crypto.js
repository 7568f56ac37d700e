// Crypto helpers on WebCrypto: tokens, hashes, the PBKDF2 verifier, HMAC, base64.

export const PBKDF2_ITERATIONS = 100_000; // also the highest count Workers' WebCrypto accepts
export const VERIFIER_BYTES = 32;
export const SALT_BYTES = 16;
export const TOKEN_BYTES = 32;

const encoder = new TextEncoder();

export function randomBytes(n) {
  const out = new Uint8Array(n);
  crypto.getRandomValues(out);
  return out;
}

export function randomUuid() {
  return crypto.randomUUID();
}

// ---- base64 -------------------------------------------------------------------------------

export function bytesToBase64(bytes) {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}

export function bytesToBase64Url(bytes) {
  return bytesToBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict standard base64 (RFC 4648 section 4, with padding). Returns null when malformed. */
export function base64ToBytes(text) {
  if (typeof text !== "string" || !BASE64_RE.test(text)) return null;
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function bytesToHex(bytes) {
  let hex = "";
  for (let i = 0; i < bytes.length; i++) hex += bytes[i].toString(16).padStart(2, "0");
  return hex;
}

// ---- hashes -------------------------------------------------------------------------------

/** Lowercase hex SHA-256 of a string (UTF-8) or bytes. */
export async function sha256Hex(data) {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  return bytesToHex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
}

export async function hmacSha256(keyText, messageText) {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(keyText),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(messageText)));
}

/** PBKDF2-HMAC-SHA256(secret, salt, iterations) -> 32 bytes. */
export async function pbkdf2(secretBytes, saltBytes, iterations = PBKDF2_ITERATIONS) {
  const key = await crypto.subtle.importKey("raw", secretBytes, "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: saltBytes, iterations },
    key,
    VERIFIER_BYTES * 8,
  );
  return new Uint8Array(bits);
}

/** Constant-time comparison of two byte arrays. */
export function timingSafeEqual(a, b) {
  if (a.byteLength !== b.byteLength) return false;
  if (crypto.subtle.timingSafeEqual) return crypto.subtle.timingSafeEqual(a, b);
  let diff = 0;
  for (let i = 0; i < a.byteLength; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

// ---- verifier -----------------------------------------------------------------------------

/** Makes a new verifier for an auth secret: { hash, salt, iterations } (base64 strings). */
export async function makeVerifier(authSecretBytes) {
  const salt = randomBytes(SALT_BYTES);
  const hash = await pbkdf2(authSecretBytes, salt, PBKDF2_ITERATIONS);
  return { hash: bytesToBase64(hash), salt: bytesToBase64(salt), iterations: PBKDF2_ITERATIONS };
}

/** Checks an auth secret against a stored verifier row (verifier_hash/salt/iterations). */
export async function checkVerifier(authSecretBytes, row) {
  const salt = base64ToBytes(row.verifier_salt);
  const expected = base64ToBytes(row.verifier_hash);
  if (!salt || !expected) return false;
  const actual = await pbkdf2(authSecretBytes, salt, row.verifier_iterations);
  return timingSafeEqual(actual, expected);
}

/** Spends the same work as a real check, for unknown accounts (no timing difference). */
export async function dummyVerifierWork(authSecretBytes) {
  await pbkdf2(authSecretBytes, new Uint8Array(SALT_BYTES), PBKDF2_ITERATIONS);
  return false;
}

// ---- session tokens -----------------------------------------------------------------------

/** New bearer token: 32 random bytes, base64url without padding (43 characters). */
export function newToken() {
  return bytesToBase64Url(randomBytes(TOKEN_BYTES));
}

export const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;

/** The stored session id of a token: lowercase hex SHA-256 of the token's ASCII text. */
export function tokenId(token) {
  return sha256Hex(token);
}
