// HTTP helpers: JSON responses, API errors, bounded body reading with optional gzip.

export class ApiError extends Error {
  /**
   * @param {number} status HTTP status
   * @param {string} code machine-readable error code (see docs/sync-protocol.md)
   * @param {string} message human-readable text; never contains secrets
   * @param {object} [extra] extra top-level fields of the error body (e.g. revision, retry_after)
   * @param {object} [headers] extra response headers
   */
  constructor(status, code, message, extra = {}, headers = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.extra = extra;
    this.headers = headers;
  }
}

const BASE_HEADERS = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
};

export function jsonResponse(status, body, headers = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...BASE_HEADERS, "content-type": "application/json; charset=utf-8", ...headers },
  });
}

export function bytesResponse(status, body, headers = {}) {
  return new Response(body, {
    status,
    headers: { ...BASE_HEADERS, ...headers },
    // The body is sent exactly as given (we compress ourselves when we set content-encoding).
    encodeBody: "manual",
  });
}

export function emptyResponse(status, headers = {}) {
  return new Response(null, { status, headers: { ...BASE_HEADERS, ...headers } });
}

export function errorResponse(err) {
  const body = { error: { code: err.code, message: err.message }, ...err.extra };
  return jsonResponse(err.status, body, err.headers);
}

export function badRequest(message, code = "invalid_request") {
  return new ApiError(400, code, message);
}

/**
 * Reads the whole request body, refusing more than `maxBytes` on the wire and more than
 * `maxDecodedBytes` after gzip decoding (Content-Encoding: gzip), while streaming, so an
 * oversized or compressed-bomb body never sits in memory whole.
 * @returns {Promise<Uint8Array>}
 */
export async function readBody(request, { maxBytes, maxDecodedBytes = maxBytes }) {
  const tooLarge = () =>
    new ApiError(413, "payload_too_large", `request body exceeds ${maxDecodedBytes} bytes`);
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > maxBytes) {
    throw new ApiError(413, "payload_too_large", `request body exceeds ${maxBytes} bytes`);
  }
  const encoding = (request.headers.get("content-encoding") || "identity").trim().toLowerCase();
  if (encoding !== "identity" && encoding !== "gzip") {
    throw new ApiError(415, "unsupported_encoding", "Content-Encoding must be gzip or absent");
  }
  if (request.body === null) return new Uint8Array(0);

  let stream = request.body;
  let wireCount = 0;
  // Count the bytes on the wire before decoding.
  stream = stream.pipeThrough(
    new TransformStream({
      transform(chunk, controller) {
        wireCount += chunk.byteLength;
        if (wireCount > maxBytes) {
          controller.error(new ApiError(413, "payload_too_large", `request body exceeds ${maxBytes} bytes`));
          return;
        }
        controller.enqueue(chunk);
      },
    }),
  );
  if (encoding === "gzip") stream = stream.pipeThrough(new DecompressionStream("gzip"));

  const reader = stream.getReader();
  const parts = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxDecodedBytes) {
        reader.cancel().catch(() => {});
        throw tooLarge();
      }
      parts.push(value);
    }
  } catch (err) {
    if (err instanceof ApiError) throw err;
    if (encoding === "gzip") throw badRequest("request body is not valid gzip data", "invalid_body");
    throw badRequest("could not read the request body", "invalid_body");
  }
  return concatBytes(parts, total);
}

export function concatBytes(parts, total) {
  if (total === undefined) total = parts.reduce((n, p) => n + p.byteLength, 0);
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.byteLength;
  }
  return out;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Reads and parses a JSON object body. Returns { value, bytes } (bytes = decoded UTF-8 text).
 */
export async function readJsonObject(request, limits) {
  const type = (request.headers.get("content-type") || "").split(";")[0].trim().toLowerCase();
  if (type !== "application/json") {
    throw new ApiError(415, "unsupported_media_type", "Content-Type must be application/json");
  }
  const bytes = await readBody(request, limits);
  let text;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw badRequest("request body is not valid UTF-8", "invalid_json");
  }
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest("request body is not valid JSON", "invalid_json");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw badRequest("request body must be a JSON object", "invalid_json");
  }
  return { value, bytes };
}

/** True when the Accept-Encoding header accepts gzip (q > 0). */
export function acceptsGzip(request) {
  const header = request.headers.get("accept-encoding");
  if (!header) return false;
  for (const part of header.split(",")) {
    const [name, ...params] = part.trim().toLowerCase().split(";");
    if (name.trim() !== "gzip") continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    if (q === undefined) return true;
    const v = Number(q.slice(2));
    return Number.isFinite(v) && v > 0;
  }
  return false;
}

const textEncoder = new TextEncoder();

/**
 * Sends a 200 JSON body given as a string or a list of parts (byte arrays or strings), streamed
 * part by part (no single multi-megabyte buffer is built), gzip-compressed with
 * CompressionStream when the request's Accept-Encoding allows gzip. (On Cloudflare, and in
 * wrangler dev, the Worker always sees "Accept-Encoding: br, gzip"; the platform decompresses
 * for clients that did not ask.) `extra`: more headers of the answer.
 */
export function sendJson(body, gzip, tag, extra = {}) {
  const parts = typeof body === "string" ? [body] : body;
  let next = 0;
  let stream = new ReadableStream({
    pull(controller) {
      if (next < parts.length) {
        const part = parts[next++];
        controller.enqueue(typeof part === "string" ? textEncoder.encode(part) : part);
      }
      if (next >= parts.length) controller.close();
    },
  });
  const headers = { "content-type": "application/json; charset=utf-8", etag: tag, vary: "Accept-Encoding", ...extra };
  if (gzip) {
    stream = stream.pipeThrough(new CompressionStream("gzip"));
    headers["content-encoding"] = "gzip";
  }
  return bytesResponse(200, stream, headers);
}
