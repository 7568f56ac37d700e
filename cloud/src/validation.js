// Validation of request fields. Every failure is an ApiError (400) naming the field.

import { ApiError, badRequest } from "./http.js";
import { base64ToBytes } from "./crypto.js";

export const KDF_DEFAULTS = Object.freeze({ alg: "argon2id", m_kib: 65536, t: 3, p: 4 });
export const KDF_SALT_BYTES = 16;
export const AUTH_SECRET_BYTES = 32;
export const MAX_EMAIL_LENGTH = 254;
export const MAX_WRAPPED_KEY_LENGTH = 4096;
export const MAX_SCHEMA_VERSION_LENGTH = 32;
export const WALLET_FORMAT = "dreamtree-export";

/** Rejects anything but the listed fields; `required` must all be present. */
export function checkFields(obj, required, optional = [], where = "body") {
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
    throw badRequest(`${where} must be a JSON object`);
  }
  for (const key of Object.keys(obj)) {
    if (!required.includes(key) && !optional.includes(key)) {
      throw badRequest(`unknown field '${key}' in ${where}`);
    }
  }
  for (const key of required) {
    if (!(key in obj)) throw badRequest(`missing field '${key}' in ${where}`);
  }
}

const EMAIL_RE =
  /^[a-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

/** Lowercases and trims an e-mail address and checks its shape. */
export function normalizeEmail(value, field = "email") {
  if (typeof value !== "string") throw new ApiError(400, "invalid_email", `'${field}' must be a string`);
  const email = value.trim().toLowerCase();
  if (email.length > MAX_EMAIL_LENGTH || !EMAIL_RE.test(email) || email.includes("..")
      || email.startsWith(".") || email.includes(".@")) {
    throw new ApiError(400, "invalid_email", `'${field}' is not a valid e-mail address`);
  }
  return email;
}

/** A base64 string of exactly `length` bytes; returns the bytes. */
export function base64Field(value, field, length) {
  const bytes = typeof value === "string" ? base64ToBytes(value) : null;
  if (!bytes || bytes.length !== length) {
    throw badRequest(`'${field}' must be standard base64 (with padding) of exactly ${length} bytes`);
  }
  return bytes;
}

export function authSecret(value, field = "auth_secret") {
  return base64Field(value, field, AUTH_SECRET_BYTES);
}

/** The client's Argon2id parameters; v1 accepts exactly the default cost parameters. */
export function kdfParams(value, field = "kdf") {
  checkFields(value, ["alg", "m_kib", "t", "p", "salt"], [], `'${field}'`);
  for (const [key, want] of Object.entries(KDF_DEFAULTS)) {
    if (value[key] !== want) {
      throw badRequest(`'${field}.${key}' must be ${JSON.stringify(want)}`);
    }
  }
  base64Field(value.salt, `${field}.salt`, KDF_SALT_BYTES);
  return { ...KDF_DEFAULTS, salt: value.salt };
}

export function wrappedDataKey(value, field = "wrapped_data_key") {
  if (typeof value !== "string" || value.length < 1 || value.length > MAX_WRAPPED_KEY_LENGTH) {
    throw badRequest(`'${field}' must be a string of 1 to ${MAX_WRAPPED_KEY_LENGTH} characters`);
  }
  return value;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function uuid(value, field) {
  if (typeof value !== "string" || !UUID_RE.test(value.toLowerCase())) {
    throw badRequest(`'${field}' must be a UUID (8-4-4-4-12 hex digits)`);
  }
  return value.toLowerCase();
}

const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](\d{2}):(\d{2}))$/;

/** ISO 8601 date-time with seconds and a time zone (Z or +hh:mm), e.g. 2026-01-31T12:00:00Z. */
export function isoTimestamp(value, field) {
  const m = typeof value === "string" ? ISO_RE.exec(value) : null;
  const bad = () => badRequest(`'${field}' must be an ISO 8601 date-time with time zone, e.g. 2026-01-31T12:00:00Z`);
  if (!m) throw bad();
  const [, y, mo, d, h, mi, s, th, tm] = m.map((x) => (x === undefined ? 0 : Number(x)));
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth || h > 23 || mi > 59 || s > 59 || th > 23 || tm > 59) {
    throw bad();
  }
  return value;
}

const SCHEMA_VERSION_RE = /^[0-9A-Za-z._-]+$/;

export function versionString(value, field) {
  if (typeof value !== "string" || value.length < 1 || value.length > MAX_SCHEMA_VERSION_LENGTH
      || !SCHEMA_VERSION_RE.test(value)) {
    throw badRequest(`'${field}' must be a string of 1 to ${MAX_SCHEMA_VERSION_LENGTH} characters [0-9A-Za-z._-]`);
  }
  return value;
}

/** The wallet (the desktop's export): an object with format "dreamtree-export" and a version. */
export function wallet(value, field = "wallet") {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw badRequest(`'${field}' must be a JSON object`);
  }
  if (value.format !== WALLET_FORMAT) {
    throw badRequest(`'${field}.format' must be "${WALLET_FORMAT}"`);
  }
  versionString(value.version, `${field}.version`);
  return value;
}

/** Parses a revision from If-Match / If-None-Match: `7` or `"7"`. Returns null when absent. */
export function revisionHeader(request, name) {
  const raw = request.headers.get(name);
  if (raw === null) return null;
  const m = /^\s*"?(\d{1,15})"?\s*$/.exec(raw);
  if (!m || (raw.includes('"') && !/^\s*"\d+"\s*$/.test(raw))) {
    throw badRequest(`${name} must be a revision number, e.g. ${name}: 3`, "invalid_revision");
  }
  return Number(m[1]);
}
