import { describe, expect, it } from "vitest";
import { call, expectError, json, newEmail } from "./helpers.js";
import { stampServerTime } from "../src/index.js";

describe("routing and the server clock", () => {
  it("answers unknown paths 404 and other methods 405 with Allow", async () => {
    await expectError(await call("GET", "/v1/nope"), 404, "not_found");
    await expectError(await call("GET", "/"), 404, "not_found");
    await expectError(await call("GET", "/v1/snapshot/"), 404, "not_found");
    const r = await call("GET", "/v1/accounts");
    await expectError(r, 405, "method_not_allowed");
    expect(r.headers.get("allow")).toContain("POST");
    await expectError(await call("POST", "/v1/snapshot", { body: {} }), 405, "method_not_allowed");
    await expectError(await call("GET", "/v1/accounts/verify"), 405, "method_not_allowed");
    await expectError(await call("GET", "/v1/account/reset"), 405, "method_not_allowed");
    const put = await call("PUT", "/v1/changes", { body: { items: [] } });
    await expectError(put, 405, "method_not_allowed");
    expect(put.headers.get("allow")).toBe("GET, POST");
    await expectError(await call("DELETE", "/v1/changes"), 405, "method_not_allowed");
    await expectError(await call("GET", "/v1/changes/"), 404, "not_found");
    await expectError(await call("GET", "/v1/change?since=0"), 404, "not_found");
  });

  it("states X-Server-Time in unix milliseconds on every answer, errors included", async () => {
    const before = Date.now();
    const answers = [
      await call("GET", "/v1/nope"),
      await call("POST", "/v1/prelogin", { body: { email: newEmail() } }),
      await call("POST", "/v1/prelogin", { raw: "{", headers: { "content-type": "application/json" } }),
      await call("GET", "/v1/snapshot"),
      await call("GET", "/v1/changes?since=0"),
      await call("POST", "/v1/changes", { body: { items: [] } }),
      await call("POST", "/v1/accounts/verify", { body: { email: newEmail(), code: "12345678" } }),
    ];
    const after = Date.now();
    for (const r of answers) {
      const stamp = r.headers.get("x-server-time");
      expect(stamp).toMatch(/^\d{13}$/);
      expect(Number(stamp)).toBeGreaterThanOrEqual(before);
      expect(Number(stamp)).toBeLessThanOrEqual(after);
    }
  });

  it("stamps responses whose headers cannot be changed by copying them", () => {
    const frozen = Response.redirect("https://example.org/", 302);
    const stamped = stampServerTime(frozen, 1234);
    expect(stamped.headers.get("x-server-time")).toBe("1234");
    expect(stamped.status).toBe(302);
  });

  it("answers an unexpected failure with a bare 500 and no details", async () => {
    const broken = { prepare() { throw new Error("database exploded: secret detail"); } };
    const r = await call("POST", "/v1/prelogin", { body: { email: newEmail() }, envOverrides: { DB: broken } });
    const body = await expectError(r, 500, "internal_error");
    expect(JSON.stringify(body)).not.toContain("exploded");
  });

  it("refuses bodies that are not JSON objects, too large, or wrongly encoded", async () => {
    const good = { email: newEmail() };
    await expectError(await call("POST", "/v1/prelogin", { raw: "[1]", headers: { "content-type": "application/json" } }),
      400, "invalid_json");
    await expectError(await call("POST", "/v1/prelogin", { raw: JSON.stringify(good), headers: { "content-type": "text/plain" } }),
      415, "unsupported_media_type");
    await expectError(await call("POST", "/v1/prelogin", { body: { ...good, pad: "x".repeat(70 * 1024) } }),
      413, "payload_too_large");
    await expectError(await call("POST", "/v1/prelogin", {
      raw: JSON.stringify(good), headers: { "content-type": "application/json", "content-encoding": "br" },
    }), 415, "unsupported_encoding");
    await expectError(await call("POST", "/v1/prelogin", {
      raw: new Uint8Array([0x1f, 0x8b, 1, 2, 3]), headers: { "content-type": "application/json", "content-encoding": "gzip" },
    }), 400, "invalid_body");
    const bomb = await new Response(new Blob([" ".repeat(200 * 1024)]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer();
    await expectError(await call("POST", "/v1/prelogin", {
      raw: bomb, headers: { "content-type": "application/json", "content-encoding": "gzip" },
    }), 413, "payload_too_large");
    const utf8 = await call("POST", "/v1/prelogin", { raw: new Uint8Array([0x7b, 0xff, 0x7d]), headers: { "content-type": "application/json" } });
    await expectError(utf8, 400, "invalid_json");
    const r = await call("POST", "/v1/prelogin", { body: good });
    expect(r.status).toBe(200);
    expect(Object.keys(await json(r))).toEqual(["kdf"]);
  });
});
