import { describe, expect, it } from "vitest";
import { call, codeIn, createAccount, expectError, json, lastMailTo, signIn, signupBody, sql } from "./helpers.js";
import { itemStatements, MAX_BOUND_JSON_BYTES, NEXT_CURSOR_HEADER, PAGE_BODY_BYTES } from "../src/changes.js";

// Sign-ups are limited per client address: each account of this file comes from its own.
let addresses = 0;
const newAccount = () => createAccount(undefined, {}, `198.51.100.${++addresses}`);

/** A push whose body is given as raw JSON text (so the exact bytes of each item can be chosen). */
function pushRaw(acct, text, ifMatch, headers = {}) {
  const h = { "content-type": "application/json", ...headers };
  if (ifMatch !== null) h["if-match"] = String(ifMatch);
  return call("POST", "/v1/changes", { raw: text, token: acct.token, headers: h });
}

function push(acct, items, ifMatch, headers = {}) {
  return pushRaw(acct, JSON.stringify({ items }), ifMatch, headers);
}

function pull(acct, query, headers = {}) {
  return call("GET", `/v1/changes?${query}`, { token: acct.token, headers: { "accept-encoding": "identity", ...headers } });
}

/** Pulls every page from `since`; returns { revision, items, pages }. */
async function pullAll(acct, since, limit, between = async () => {}) {
  let after = null;
  const items = [];
  let pages = 0;
  for (;;) {
    const r = await pull(acct, `since=${since}&limit=${limit}${after ? `&after=${encodeURIComponent(after)}` : ""}`);
    expect(r.status).toBe(200);
    const page = await json(r);
    pages += 1;
    items.push(...page.items);
    if (page.cursor === null) return { revision: page.revision, items, pages };
    after = page.cursor;
    await between(pages);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A push's answer without its revision id, after checking that id's shape. */
async function pushed(response) {
  const { revision_id: id, ...rest } = await json(response);
  expect(id).toMatch(UUID);
  return rest;
}

const item = (key, body, kind = "record") => ({ kind, key, body });
const many = (n, prefix = "k", kind = "record") =>
  Array.from({ length: n }, (_, i) => item(`${prefix}/${String(i).padStart(5, "0")}`, { n: i, text: `entry ${i}` }, kind));

async function gzip(text) {
  return new Response(new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer();
}

describe("incremental sync: push and pull items", () => {
  it("starts at revision 0, pushes with compare-and-set and pulls the items back", async () => {
    const acct = await newAccount();
    const empty = await pull(acct, "since=0");
    expect(empty.status).toBe(200);
    expect(empty.headers.get("x-server-time")).toMatch(/^\d{13}$/);
    expect(await json(empty)).toEqual({ revision: 0, revision_id: null, reset_at: null, cursor: null, items: [] });

    const r1 = await push(acct, [item("a", { x: 1 }), item("b", [1, 2], "module")], 0);
    expect(r1.status).toBe(200);
    expect(r1.headers.get("x-server-time")).toMatch(/^\d{13}$/);
    expect(r1.headers.get("etag")).toBe('"1"');
    expect(await pushed(r1)).toEqual({ revision: 1, count: 2 });
    const r2 = await push(acct, [item("a", { x: 2 })], 1);
    expect(await pushed(r2)).toEqual({ revision: 2, count: 1 });

    const all = await json(await pull(acct, "since=0"));
    expect(all).toEqual({
      revision: 2, revision_id: all.revision_id, reset_at: null, cursor: null,
      items: [
        { kind: "module", key: "b", revision: 1, body: [1, 2] },
        { kind: "record", key: "a", revision: 2, body: { x: 2 } },
      ],
    });
    const newer = await json(await pull(acct, "since=1"));
    expect(newer.items).toEqual([{ kind: "record", key: "a", revision: 2, body: { x: 2 } }]);
    expect((await json(await pull(acct, "since=2"))).items).toEqual([]);
  });

  it("returns each item's JSON exactly as it was sent", async () => {
    const acct = await newAccount();
    const bodies = [
      '{ "z" : 1.0, "a": [1e3, -0, 12345678901234567890],\n\t"s": "Zoë 🌳 \\u00e9 \\ud83c\\udf33 \\"q\\"" }',
      '"just a string"',
      "42.50",
      "true",
      '{"nested":{"deep":[{"x":null}]}}',
    ];
    const text = `{"items":[${bodies.map((b, i) => `{"body": ${b} ,"kind":"record","key":"k${i}"}`).join(",")}]}`;
    expect((await pushRaw(acct, text, 0)).status).toBe(200);
    const raw = await (await pull(acct, "since=0")).text();
    for (const [i, b] of bodies.entries()) {
      expect(raw).toContain(`{"kind":"record","key":"k${i}","revision":1,"body":${b}}`);
    }
    expect(JSON.parse(raw).items.map((x) => x.key)).toEqual(["k0", "k1", "k2", "k3", "k4"]);
    const sizes = await sql("SELECT body_bytes FROM sync_items WHERE user_id = ?1 ORDER BY item_key", acct.userId);
    expect(sizes.map((r) => r.body_bytes)).toEqual(bodies.map((b) => new TextEncoder().encode(b).length));
  });

  it("refuses a push on a stale revision and writes nothing", async () => {
    const acct = await newAccount();
    await push(acct, [item("a", 1)], 0);
    const stale = await push(acct, [item("a", "overwritten"), item("new", 1)], 0);
    const err = await expectError(stale, 409, "stale_revision");
    expect(err.revision).toBe(1);
    expect(stale.headers.get("etag")).toBe('"1"');
    await expectError(await push(acct, [item("a", 2)], 5), 409, "stale_revision");
    expect(await sql("SELECT item_key, body, revision FROM sync_items WHERE user_id = ?1", acct.userId))
      .toEqual([{ item_key: "a", body: "1", revision: 1 }]);
    expect((await json(await pull(acct, "since=0"))).revision).toBe(1);
  });

  it("lets only one of several pushes on the same revision win", async () => {
    const acct = await newAccount();
    const answers = await Promise.all([1, 2, 3, 4].map((n) => push(acct, [item(`k${n}`, n), item("shared", n)], 0)));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409, 409, 409]);
    expect(await sql("SELECT revision FROM sync_pushes WHERE user_id = ?1", acct.userId)).toEqual([{ revision: 1 }]);
    const won = answers.findIndex((r) => r.status === 200) + 1;
    const got = await json(await pull(acct, "since=0"));
    expect(got.revision).toBe(1);
    expect(got.items.map((x) => [x.key, x.body])).toEqual([[`k${won}`, won], ["shared", won]]);
  });

  it("needs If-Match, and a revision number in it", async () => {
    const acct = await newAccount();
    await expectError(await push(acct, [item("a", 1)], null), 428, "precondition_required");
    for (const bad of ["*", 'W/"0"', "abc", "-1", "1.5"]) {
      await expectError(await push(acct, [item("a", 1)], bad), 400, "invalid_revision");
    }
    expect((await push(acct, [item("a", 1)], '"0"')).status).toBe(200);
    await expectError(await call("POST", "/v1/changes", { body: { items: [item("a", 1)] }, headers: { "if-match": "1" } }),
      401, "missing_token");
    await expectError(await call("GET", "/v1/changes?since=0"), 401, "missing_token");
  });

  it("lets another device see a removal (body null) incrementally", async () => {
    const acct = await newAccount();
    const other = { ...acct, token: (await json(await signIn(acct))).token };
    await push(acct, [item("keep", { v: 1 }), item("gone", { v: 1 })], 0);
    const seen = await json(await pull(other, "since=0"));
    expect(seen.items.map((x) => x.key)).toEqual(["gone", "keep"]);
    await push(acct, [item("gone", null)], 1);
    const later = await json(await pull(other, `since=${seen.revision}`));
    expect(later).toEqual({ revision: 2, revision_id: later.revision_id, reset_at: null, cursor: null,
      items: [{ kind: "record", key: "gone", revision: 2, body: null }] });
    expect(await sql("SELECT body, body_bytes FROM sync_items WHERE user_id = ?1 AND item_key = 'gone'", acct.userId))
      .toEqual([{ body: null, body_bytes: 0 }]);
  });

  it("answers 304 to 'anything new?' when nothing is, and 409 revision_ahead past the server", async () => {
    const acct = await newAccount();
    const none = await pull(acct, "since=0", { "if-none-match": '"0"' });
    expect(none.status).toBe(304);
    expect(none.headers.get("x-server-time")).toMatch(/^\d{13}$/);
    await push(acct, [item("a", 1)], 0);
    const fresh = await pull(acct, "since=0", { "if-none-match": '"0"' });
    expect(fresh.status).toBe(200);
    expect((await json(fresh)).items).toHaveLength(1);
    const same = await pull(acct, "since=1", { "if-none-match": '"1"' });
    expect([same.status, same.headers.get("etag"), await same.text()]).toEqual([304, '"1"', ""]);
    await expectError(await pull(acct, "since=0", { "if-none-match": "x" }), 400, "invalid_revision");

    const ahead = await pull(acct, "since=7");
    const err = await expectError(ahead, 409, "revision_ahead");
    expect(err.revision).toBe(1);
    await expectError(await pull(acct, "since=2", { "if-none-match": '"2"' }), 409, "revision_ahead");
  });

  it("tells a device whose revision was replaced by another history to read everything again", async () => {
    const acct = await newAccount();
    const id1 = (await json(await push(acct, [item("a", 1)], 0))).revision_id;
    const second = await json(await push(acct, [item("b", 2)], 1));
    const id2 = second.revision_id;
    expect(new Set([id1, id2]).size).toBe(2);
    const page = await json(await pull(acct, `since=1&since_id=${id1}`));
    expect([page.revision, page.revision_id, page.items.map((x) => x.key)]).toEqual([2, id2, ["b"]]);
    expect((await pull(acct, `since=2&since_id=${id2}`, { "if-none-match": '"2"' })).status).toBe(304);
    expect((await pull(acct, `since=0&since_id=${id2}`)).status).toBe(200); // nothing to compare at 0

    // The database goes back to revision 1 (a restore), then another device pushes twice.
    await sql("DELETE FROM sync_items WHERE user_id = ?1 AND revision > 1", acct.userId);
    await sql("DELETE FROM sync_pushes WHERE user_id = ?1 AND revision > 1", acct.userId);
    await sql("UPDATE sync_heads SET revision = 1, write_id = ?2 WHERE user_id = ?1", acct.userId, id1);
    await push(acct, [item("c", 3)], 1);
    await push(acct, [item("d", 4)], 2);
    // Without the id the device would take revision 3 alone and never learn that "b" is gone and
    // "c" came; with it, it is told to start again from 0.
    expect((await json(await pull(acct, "since=2"))).items.map((x) => x.key)).toEqual(["d"]);
    const err = await expectError(await pull(acct, `since=2&since_id=${id2}`), 409, "revision_ahead");
    expect(err.revision).toBe(3);
    expect(err.error.message).toContain("history");
    await expectError(await pull(acct, "since=2&since_id=nope"), 400, "invalid_request");
  });

  it("keeps items on a password reset and removes them with the account", async () => {
    const acct = await newAccount();
    await push(acct, many(3), 0);
    const count = () => sql("SELECT (SELECT COUNT(*) FROM sync_items WHERE user_id = ?1) AS items, "
      + "(SELECT COUNT(*) FROM sync_heads WHERE user_id = ?1) AS heads, "
      + "(SELECT COUNT(*) FROM sync_pushes WHERE user_id = ?1) AS pushes", acct.userId);
    expect(await count()).toEqual([{ items: 3, heads: 1, pushes: 1 }]);
    const ip = `198.51.100.${++addresses}`;
    await call("POST", "/v1/account/reset", { body: { email: acct.email }, ip });
    const fresh = signupBody(acct.email);
    const reset = await call("POST", "/v1/account/reset/confirm", { ip, body: {
      email: acct.email, code: codeIn(lastMailTo(acct.email)), auth_secret: fresh.auth_secret, kdf: fresh.kdf,
      wrapped_data_key: fresh.wrapped_data_key } });
    expect(reset.status).toBe(200);
    const { token, reset_at: resetAt } = await json(reset);
    const after = await json(await pull({ token }, "since=0"));
    expect([after.revision, after.reset_at, after.items.length]).toEqual([1, resetAt, 3]);
    const r = await call("DELETE", "/v1/account", { body: { auth_secret: fresh.auth_secret }, token });
    expect(r.status).toBe(204);
    expect(await count()).toEqual([{ items: 0, heads: 0, pushes: 0 }]);
  });
});

describe("incremental sync: pages", () => {
  it("walks several pages in order, and a push between two pages is neither skipped nor lost", async () => {
    const acct = await newAccount();
    await push(acct, many(5, "a"), 0); // revision 1
    await push(acct, many(5, "b"), 1); // revision 2
    const writer = { ...acct, token: (await json(await signIn(acct))).token };
    const { revision, items, pages } = await pullAll(acct, 0, 3, async (page) => {
      if (page === 2) {
        // Lands between page 2 and 3: rewrites one item already delivered (a/00000) and one not
        // yet delivered (b/00004), and adds a new one.
        const r = await push(writer, [item("a/00000", "again"), item("b/00004", "moved"), item("c", "new")], 2);
        expect(r.status).toBe(200);
      }
    });
    expect(pages).toBe(4); // 3 + 3 before the push, then the 6 items not yet seen
    expect(revision).toBe(3);
    // Everything up to the final revision was seen: the latest version of each key is current.
    const latest = new Map(items.map((x) => [x.key, x]));
    expect(latest.size).toBe(11);
    expect(latest.get("a/00000")).toEqual({ kind: "record", key: "a/00000", revision: 3, body: "again" });
    expect(latest.get("b/00004").body).toBe("moved");
    expect(latest.get("c").revision).toBe(3);
    const revisions = items.map((x) => x.revision);
    expect([...revisions].sort((p, q) => p - q)).toEqual(revisions);
  });

  it("pages by the default size of 5000 and the maximum of 10000", async () => {
    const acct = await newAccount();
    let rev = 0;
    for (let k = 0; k < 3; k++) {
      const r = await push(acct, many(4000, `p${k}`), rev);
      expect(await pushed(r)).toEqual({ revision: rev + 1, count: 4000 });
      rev += 1;
    }
    const first = await json(await pull(acct, "since=0"));
    expect(first.items).toHaveLength(5000);
    expect(typeof first.cursor).toBe("string");
    const second = await json(await pull(acct, `since=0&after=${encodeURIComponent(first.cursor)}`));
    expect(second.items).toHaveLength(5000);
    const third = await json(await pull(acct, `since=0&after=${encodeURIComponent(second.cursor)}`));
    expect([third.items.length, third.cursor]).toEqual([2000, null]);
    const big = await json(await pull(acct, "since=0&limit=10000"));
    expect(big.items).toHaveLength(10000);
    expect(big.items[9999].key).toBe("p2/01999");
  });

  it("states the next page's cursor in x-next-cursor before the body, and none on the last page", async () => {
    const acct = await newAccount();
    await push(acct, many(5, "h"), 0);
    let after = null;
    const seen = [];
    for (;;) {
      // Compressed like the desktop asks: the header is the same either way.
      const r = await pull(acct, `since=0&limit=2${after ? `&after=${encodeURIComponent(after)}` : ""}`,
        { "accept-encoding": "gzip" });
      expect(r.status).toBe(200);
      expect(r.headers.get("content-encoding")).toBe("gzip");
      const header = r.headers.get(NEXT_CURSOR_HEADER);
      const page = JSON.parse(await new Response(r.body.pipeThrough(new DecompressionStream("gzip"))).text());
      expect(header).toBe(page.cursor);
      seen.push(...page.items.map((x) => x.key));
      if (page.cursor === null) break;
      expect(header).toMatch(/^[\x21-\x7e]+$/);
      after = header;
    }
    expect(seen).toEqual(["h/00000", "h/00001", "h/00002", "h/00003", "h/00004"]);
    // No page, no cursor: not on a 304, nor on an error.
    const none = await pull(acct, "since=1", { "if-none-match": '"1"' });
    expect([none.status, none.headers.get(NEXT_CURSOR_HEADER)]).toEqual([304, null]);
    const ahead = await pull(acct, "since=5&limit=2");
    expect([ahead.status, ahead.headers.get(NEXT_CURSOR_HEADER)]).toEqual([409, null]);
  });

  it("ends a page early when its bodies grow large, and carries on after it", async () => {
    const acct = await newAccount();
    const size = 1_000_000;
    const blob = (n) => `"${String(n).repeat(size - 2)}"`;
    const bodies = (from) => [0, 1, 2, 3, 4].map((n) => `{"kind":"blob","key":"b${from + n}","body":${blob(n)}}`);
    expect((await pushRaw(acct, `{"items":[${bodies(0).join(",")}]}`, 0)).status).toBe(200);
    expect((await pushRaw(acct, `{"items":[${bodies(5).join(",")}]}`, 1)).status).toBe(200);
    const first = await json(await pull(acct, "since=0"));
    const fits = Math.ceil(PAGE_BODY_BYTES / size);
    expect(first.items.map((x) => x.key)).toEqual(Array.from({ length: fits }, (_, n) => `b${n}`));
    expect(first.cursor).not.toBeNull();
    const rest = await json(await pull(acct, `since=0&after=${encodeURIComponent(first.cursor)}`));
    expect(rest.items.map((x) => x.key)).toEqual(Array.from({ length: 10 - fits }, (_, n) => `b${fits + n}`));
    expect(rest.cursor).toBeNull();
    expect(rest.items[0].body).toBe(String((fits) % 5).repeat(size - 2));
  });

  it("never lets a cursor bring back items at or below `since`", async () => {
    const acct = await newAccount();
    await push(acct, many(3, "a"), 0);
    await push(acct, many(3, "b"), 1);
    const first = await json(await pull(acct, "since=0&limit=1"));
    expect(first.items.map((x) => x.key)).toEqual(["a/00000"]);
    const later = await json(await pull(acct, `since=1&after=${encodeURIComponent(first.cursor)}`));
    expect(later.items.map((x) => x.key)).toEqual(["b/00000", "b/00001", "b/00002"]);
    // A cursor past the newest item gives an empty last page.
    const end = await json(await pull(acct, "since=0&limit=6"));
    expect(end.cursor).toBeNull();
    const last = await json(await pull(acct, "since=0&limit=5"));
    const tail = await json(await pull(acct, `since=0&limit=1&after=${encodeURIComponent(last.cursor)}`));
    expect([tail.items.map((x) => x.key), tail.cursor]).toEqual([["b/00002"], null]);
  });

  it("walks keys of any script and punctuation one by one without skipping or repeating", async () => {
    const acct = await newAccount();
    const keys = ["Z", "a", "é", "🌳", "~", 'quote"d', "back\\slash", "日本", "a b", "%2F/slash", "ÿ", "\u2028"];
    await push(acct, keys.map((k, i) => item(k, i)), 0);
    const { items, pages } = await pullAll(acct, 0, 1);
    expect(pages).toBe(keys.length);
    expect(items.map((x) => x.key).sort()).toEqual([...keys].sort());
    expect(new Set(items.map((x) => x.key)).size).toBe(keys.length);
  });

  it("refuses a malformed query", async () => {
    const acct = await newAccount();
    await push(acct, many(2), 0);
    for (const q of ["", "since=", "since=-1", "since=1.0", "since=x", "since=1234567890123456"]) {
      await expectError(await pull(acct, q), 400, "invalid_revision");
    }
    for (const q of ["since=0&limit=0", "since=0&limit=10001", "since=0&limit=x", "since=0&after=nope",
      "since=0&after=c1.%25%25", "since=0&after=c1.WzFd", "since=0&extra=1", "since=0&limit=1&limit=2", "since=1&since=1"]) {
      await expectError(await pull(acct, q), 400, "invalid_request");
    }
  });

  it("gzips the answer when asked, and takes a gzipped push", async () => {
    const acct = await newAccount();
    const items = many(300);
    const gz = await gzip(JSON.stringify({ items }));
    const r = await call("POST", "/v1/changes", { raw: gz, token: acct.token,
      headers: { "if-match": "0", "content-type": "application/json", "content-encoding": "gzip" } });
    expect(await pushed(r)).toEqual({ revision: 1, count: 300 });
    const g = await call("GET", "/v1/changes?since=0", { token: acct.token, headers: { "accept-encoding": "gzip" } });
    expect(g.headers.get("content-encoding")).toBe("gzip");
    const text = await new Response(g.body.pipeThrough(new DecompressionStream("gzip"))).text();
    expect(JSON.parse(text).items.map((x) => x.body)).toEqual(items.map((x) => x.body));
  });
});

describe("incremental sync: what a push may hold", () => {
  it("refuses malformed items and changes nothing", async () => {
    const acct = await newAccount();
    await push(acct, [item("a", 1)], 0);
    const bad = [
      { items: [] },
      { items: {} },
      { items: [item("a", 1)], extra: true },
      {},
      { items: [{ kind: "record", key: "a" }] },
      { items: [{ ...item("a", 1), revision: 3 }] },
      { items: [item("a", 1, "Record")] },
      { items: [item("a", 1, "1record")] },
      { items: [item("a", 1, `r${"x".repeat(32)}`)] },
      { items: [item("", 1)] },
      { items: [item("x".repeat(257), 1)] },
      { items: [item("tab\there", 1)] },
      { items: [item("nul\u0000", 1)] },
      { items: [item("c1\u0085", 1)] },
      { items: [item("lone\ud800", 1)] },
      { items: [item(7, 1)] },
      { items: [item("a", 1), item("b", 2), item("a", 3)] },
      { items: [1] },
    ];
    for (const b of bad) await expectError(await pushRaw(acct, JSON.stringify(b), 1), 400, "invalid_request");
    // At the limits: 256 characters (code points, not UTF-16 units) and a 32-character kind.
    const longKey = "🌳".repeat(256);
    const r = await push(acct, [item(longKey, 1), item("a", 1, `r${"x".repeat(31)}`), item("a", 2)], 1);
    expect(await pushed(r)).toEqual({ revision: 2, count: 3 });
    expect((await json(await pull(acct, "since=1"))).items.map((x) => x.key)).toContain(longKey);
  });

  it("takes 5000 items in one push and refuses 5001", async () => {
    const acct = await newAccount();
    await expectError(await push(acct, many(5001), 0), 400, "invalid_request");
    expect(await pushed(await push(acct, many(5000), 0))).toEqual({ revision: 1, count: 5000 });
    expect(await sql("SELECT COUNT(*) AS n FROM sync_items WHERE user_id = ?1", acct.userId)).toEqual([{ n: 5000 }]);
  });

  it("refuses a body over 8 MiB and an item body over 1,000,000 bytes (413)", async () => {
    const acct = await newAccount();
    const huge = JSON.stringify({ items: [item("a", "x".repeat(8 * 1024 * 1024))] });
    await expectError(await pushRaw(acct, huge, 0), 413, "payload_too_large");
    await expectError(await pushRaw(acct, await gzip(huge), 0, { "content-encoding": "gzip" }), 413, "payload_too_large");
    const tooBig = `{"items":[{"kind":"r","key":"a","body":"${"y".repeat(999_999)}"}]}`;
    const err = await expectError(await pushRaw(acct, tooBig, 0), 413, "item_too_large");
    expect(err.error.message).toContain("items[0].body");
    expect(await sql("SELECT COUNT(*) AS n FROM sync_items WHERE user_id = ?1", acct.userId)).toEqual([{ n: 0 }]);
    // Exactly 1,000,000 bytes passes, even when escaping doubles it for the database.
    const quotes = `"${'\\"'.repeat(499_999)}"`;
    expect(quotes.length).toBe(1_000_000);
    const r = await pushRaw(acct, `{"items":[{"kind":"r","key":"q","body":${quotes}},{"kind":"r","key":"s","body":1}]}`, 0);
    expect(await pushed(r)).toEqual({ revision: 1, count: 2 });
    const back = await (await pull(acct, "since=0")).text();
    expect(back).toContain(`"body":${quotes}}`);
  });

  it("spreads a push over several statements of one batch and keeps every byte", async () => {
    const acct = await newAccount();
    const text = "αβγ ✓ 🌳 \"quoted\" \\ back\n".repeat(20);
    const items = Array.from({ length: 2500 }, (_, i) => item(`k${i}`, { i, text }));
    expect(await pushed(await push(acct, items, 0))).toEqual({ revision: 1, count: 2500 });
    const { items: got } = await pullAll(acct, 0, 10000);
    expect(got).toHaveLength(2500);
    const byKey = new Map(got.map((x) => [x.key, x.body]));
    for (const x of items) expect(byKey.get(x.key)).toEqual(x.body);
  });
});

describe("incremental sync: statements of a push", () => {
  it("binds no JSON array over the cap, and every item exactly once", () => {
    const fakeDb = { prepare: (query) => ({ bind: (...values) => ({ query, values }) }) };
    const texts = ["a", "é", "✓", "🌳", '"', "\\", "\n"];
    const items = Array.from({ length: 3000 }, (_, i) => ({
      kind: "record", key: `k${i}`, body: i % 7 === 0 ? null : JSON.stringify(texts[i % texts.length].repeat(i % 900)),
    })).map((x) => ({ ...x, size: x.body === null ? 0 : new TextEncoder().encode(x.body).length }));
    const quotes = JSON.stringify('"'.repeat(700_000));
    items.push({ kind: "record", key: "escaped", body: quotes, size: quotes.length });
    const statements = itemStatements(fakeDb, "u", "w", 3, "now", items);
    const seen = [];
    for (const s of statements) {
      expect(s.values.slice(0, 4)).toEqual(["u", "w", 3, "now"]);
      if (s.values.length === 5) {
        expect(new TextEncoder().encode(s.values[4]).length).toBeLessThanOrEqual(MAX_BOUND_JSON_BYTES);
        seen.push(...JSON.parse(s.values[4]).map(([kind, key, body, size]) => ({ kind, key, body, size })));
      } else {
        const [kind, key, body, size] = s.values.slice(4);
        seen.push({ kind, key, body, size });
      }
    }
    expect(statements.length).toBeGreaterThan(3);
    expect(statements.length).toBeLessThan(100);
    const byKey = (list) => [...list].sort((p, q) => (p.key < q.key ? -1 : 1));
    expect(byKey(seen)).toEqual(byKey(items));
  });
});
