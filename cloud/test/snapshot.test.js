import { describe, expect, it } from "vitest";
import { call, createAccount, expectError, json, sql } from "./helpers.js";
import { CHUNK_BYTES } from "../src/snapshot.js";
import { elementStarts, memberRange, skipValue } from "../src/jsonbytes.js";

const wallet = (extra = {}) => ({ format: "dreamtree-export", version: "1.0", user: { name: "Zoë 🌳" }, ...extra });
const body = (w = wallet(), exportedAt = "2026-01-31T12:00:00Z") => ({ schema_version: "1.0", exported_at: exportedAt, wallet: w });

function put(acct, b, ifMatch, headers = {}) {
  const h = { ...headers };
  if (ifMatch !== null) h["if-match"] = String(ifMatch);
  return call("PUT", "/v1/snapshot", { body: b, token: acct.token, headers: h });
}

describe("snapshot: compare-and-set push and pull", () => {
  it("starts empty, stores the wallet's exact bytes, and counts revisions", async () => {
    const acct = await createAccount();
    const empty = await json(await call("GET", "/v1/snapshot", { token: acct.token }));
    expect(empty).toMatchObject({ revision: 0, wallet: null, reset_at: null });
    const r1 = await put(acct, body(), 0);
    expect(r1.status).toBe(200);
    expect(r1.headers.get("etag")).toBe('"1"');
    const meta = await json(r1);
    expect(meta.revision).toBe(1);
    const text = await (await call("GET", "/v1/snapshot", { token: acct.token, headers: { "accept-encoding": "identity" } })).text();
    expect(text.endsWith(`"wallet":${JSON.stringify(wallet())}}`)).toBe(true);
    const got = JSON.parse(text);
    expect(got).toMatchObject({ revision: 1, schema_version: "1.0", sha256: meta.sha256, reset_at: null });
    const notModified = await call("GET", "/v1/snapshot", { token: acct.token, headers: { "if-none-match": '"1"' } });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get("x-server-time")).toMatch(/^\d+$/);

    const stale = await put(acct, body(wallet({ n: 2 })), 0);
    const err = await expectError(stale, 409, "stale_revision");
    expect(err.revision).toBe(1);
    expect((await put(acct, body(wallet({ n: 2 })), 1)).status).toBe(200);
    await expectError(await put(acct, body(), null), 428, "precondition_required");
    await expectError(await put(acct, body(), "W/\"2\""), 400, "invalid_revision");
  });

  it("validates the body and never changes the stored copy on refusal", async () => {
    const acct = await createAccount();
    await put(acct, body(), 0);
    const bad = [
      [{ ...body(), exported_at: "nope" }, "invalid_request"],
      [{ ...body(), exported_at: "2026-02-30T12:00:00Z" }, "invalid_request"],
      [{ ...body(), schema_version: "" }, "invalid_request"],
      [{ ...body(), wallet: { format: "other", version: "1" } }, "invalid_request"],
      [{ ...body(), wallet: { format: "dreamtree-export" } }, "invalid_request"],
      [{ ...body(), wallet: [] }, "invalid_request"],
      [{ ...body(), extra: 1 }, "invalid_request"],
      [{ schema_version: "1.0", exported_at: "2026-01-31T12:00:00Z" }, "invalid_request"],
    ];
    for (const [b, code] of bad) await expectError(await put(acct, b, 1), 400, code);
    const got = await json(await call("GET", "/v1/snapshot", { token: acct.token }));
    expect(got.revision).toBe(1);
    expect(got.wallet).toEqual(wallet());
  });

  it("splits large wallets into chunks and reads them back whole, gzip both ways", async () => {
    const acct = await createAccount();
    const big = wallet({ blob: "x".repeat(CHUNK_BYTES * 2 + 123) });
    const raw = JSON.stringify(body(big));
    const gz = await new Response(new Blob([raw]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer();
    const r = await call("PUT", "/v1/snapshot", { raw: gz, token: acct.token,
      headers: { "if-match": "0", "content-type": "application/json", "content-encoding": "gzip" } });
    expect(r.status).toBe(200);
    expect(await sql("SELECT COUNT(*) AS n FROM user_wallet_chunks WHERE user_id = ?1", acct.userId)).toEqual([{ n: 3 }]);
    const g = await call("GET", "/v1/snapshot", { token: acct.token, headers: { "accept-encoding": "gzip" } });
    expect(g.headers.get("content-encoding")).toBe("gzip");
    const text = await new Response(g.body.pipeThrough(new DecompressionStream("gzip"))).text();
    expect(JSON.parse(text).wallet).toEqual(big);
    // Shrinking drops the chunks past the new end.
    expect((await put(acct, body(), 1)).status).toBe(200);
    expect(await sql("SELECT COUNT(*) AS n FROM user_wallet_chunks WHERE user_id = ?1", acct.userId)).toEqual([{ n: 1 }]);
  });

  it("lets only one of two pushes on the same revision win", async () => {
    const acct = await createAccount();
    const answers = await Promise.all([1, 2, 3, 4].map((n) => put(acct, body(wallet({ n })), 0)));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409, 409, 409]);
    expect((await json(await call("GET", "/v1/snapshot", { token: acct.token }))).revision).toBe(1);
  });

  it("reports a stored copy whose chunks do not add up as a server error", async () => {
    const acct = await createAccount();
    await put(acct, body(), 0);
    await sql("UPDATE user_wallet SET sha256 = 'x' WHERE user_id = ?1", acct.userId);
    await expectError(await call("GET", "/v1/snapshot", { token: acct.token }), 500, "internal_error");
  });

  it("finds the wallet member's bytes in a raw body", () => {
    const enc = new TextEncoder();
    const b = enc.encode('{"a":"}\\"{","wallet": {"k":[1,{"x":"]"}]} ,"z":null}');
    const [s, e] = memberRange(b, "wallet");
    expect(new TextDecoder().decode(b.subarray(s, e))).toBe('{"k":[1,{"x":"]"}]}');
    expect(memberRange(enc.encode("{}"), "wallet")).toBeNull();
  });

  it("finds members and array elements by offset, escaped names and backslashes included", () => {
    const enc = new TextEncoder();
    const dec = (b, [s, e]) => new TextDecoder().decode(b.subarray(s, e));
    const text = ' {"items" : [ {"b\\u006fdy":"x\\\\","body":"a\\"b"} , 7 ,[1,"]"],{"body":{"k":"}"}}] }';
    const b = enc.encode(text);
    const starts = elementStarts(b, memberRange(b, "items")[0]);
    expect(starts.map((s) => dec(b, [s, skipValue(b, s)]))).toEqual(
      ['{"b\\u006fdy":"x\\\\","body":"a\\"b"}', "7", '[1,"]"]', '{"body":{"k":"}"}}']);
    // The last of two members of the same name wins, as in JSON.parse (which reads both as "body").
    expect(dec(b, memberRange(b, "body", starts[0]))).toBe('"a\\"b"');
    expect(JSON.parse(text).items[0].body).toBe('a"b');
    expect(dec(b, memberRange(b, "body", starts[3]))).toBe('{"k":"}"}');
    expect(elementStarts(enc.encode("[ ]"), 0)).toEqual([]);
  });
});
