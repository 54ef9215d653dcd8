// The dashboard's routes over inject: its page and assets with their security headers, the views it
// reads in open mode on loopback, and what open mode refuses (another bind address, a rebound Host).
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { queueOptionsOf } from "../../src/config.js";
import { createQueue } from "../../src/core/queue.js";
import { createHttpServer } from "../../src/http/server.js";
import { createSqliteStore } from "../../src/store/sqlite/index.js";
import { type InjectServer, injectServer, tempDir, testConfig } from "../helpers/http.js";

const SAME_ORIGIN = { host: "127.0.0.1:9876", origin: "http://127.0.0.1:9876" };

describe("dashboard routes, open mode on loopback", () => {
  let s: InjectServer;
  let csrf = "";
  before(async () => {
    s = await injectServer();
    await s.queue.send({ channel: "general", sender: "alice", content: "<img src=x onerror=alert(1)>" });
    await s.queue.read({ kind: "anonymous" }, { channels: ["general"], agent: "bob" });
    await s.queue.send({ channel: "general", sender: "carol", content: "second" });
    const r = await s.app.inject({ url: "/ui/api/session" });
    assert.equal(r.statusCode, 200, r.body);
    csrf = r.json().csrf;
  });
  after(() => s.close());

  it("serves the page, script and style with a strict CSP, no framing, no referrer, no caching", async () => {
    for (const [url, type] of [
      ["/ui", "text/html"],
      ["/ui/app.js", "text/javascript"],
      ["/ui/app.css", "text/css"],
    ] as const) {
      const r = await s.app.inject({ url });
      assert.equal(r.statusCode, 200, `${url}: ${r.body}`);
      assert.ok(String(r.headers["content-type"]).startsWith(type), url);
      const csp = String(r.headers["content-security-policy"]);
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.equal(r.headers["x-frame-options"], "DENY");
      assert.equal(r.headers["referrer-policy"], "same-origin");
      assert.equal(r.headers["cache-control"], "no-store");
      assert.equal(r.headers["x-content-type-options"], "nosniff");
    }
    // No inline script or style: the CSP would block it, and the page must not need it.
    const page = (await s.app.inject({ url: "/ui" })).body;
    assert.doesNotMatch(page, /<script(?![^>]*\bsrc=)[^>]*>/);
    assert.doesNotMatch(page, /\son[a-z]+=/i);
    assert.doesNotMatch(page, /style=/);
    // Nothing of the page comes from elsewhere (no CDN).
    assert.doesNotMatch(page, /https?:\/\//);
    assert.doesNotMatch(
      (await s.app.inject({ url: "/ui/app.js" })).body,
      /innerHTML|outerHTML|insertAdjacentHTML|document\.write/,
    );
  });

  it("shows the open session without sign-in", async () => {
    const r = await s.app.inject({ url: "/ui/api/session" });
    assert.deepEqual(
      { ...(r.json() as object), csrf: "" },
      {
        mode: "open",
        operator: null,
        secure_mode: false,
        csrf: "",
        expires_at: null,
      },
    );
  });

  it("lists channels, unread counts per agent and channel, and moves no watermark", async () => {
    const o = (await s.app.inject({ url: "/ui/api/overview" })).json();
    assert.deepEqual(
      o.channels.map((c: { channel: string; count: number }) => [c.channel, c.count]),
      [["general", 2]],
    );
    assert.deepEqual(o.unread, [{ agent: "bob", channel: "general", read_to: 1, unread: 1 }]);
    assert.equal(o.truncated, false);
    const tail = (await s.app.inject({ url: "/ui/api/messages?channel=general&limit=1" })).json();
    assert.deepEqual(
      tail.map((m: { id: number; content: string }) => [m.id, m.content]),
      [[2, "second"]],
    );
    const again = (await s.app.inject({ url: "/ui/api/overview" })).json();
    assert.deepEqual(again.unread, o.unread);
  });

  it("refuses a bad channel name or limit with a one-line 400", async () => {
    for (const url of [
      "/ui/api/messages?channel=bad%20name",
      "/ui/api/messages?channel=g&limit=0",
      "/ui/api/messages?channel=g&limit=201",
      "/ui/api/messages",
    ]) {
      const r = await s.app.inject({ url });
      assert.equal(r.statusCode, 400, `${url}: ${r.body}`);
      assert.equal(r.json().code, "invalid_argument");
    }
  });

  it("sends from the page with the CSRF token and a same-origin Origin", async () => {
    const r = await s.app.inject({
      method: "POST",
      url: "/ui/api/send",
      headers: { ...SAME_ORIGIN, "x-csrf-token": csrf, "content-type": "application/json" },
      payload: { channel: "general", sender: "op", content: "from the page" },
    });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().signed, false);
  });

  it("refuses a send without the CSRF token, from another origin, or without Origin", async () => {
    const payload = { channel: "general", sender: "op", content: "forged" };
    for (const headers of [
      { ...SAME_ORIGIN },
      { ...SAME_ORIGIN, "x-csrf-token": "wrong" },
      { ...SAME_ORIGIN, origin: "http://evil.example", "x-csrf-token": csrf },
      { host: SAME_ORIGIN.host, "x-csrf-token": csrf },
      { ...SAME_ORIGIN, "x-csrf-token": csrf, "sec-fetch-site": "cross-site" },
    ]) {
      const r = await s.app.inject({ method: "POST", url: "/ui/api/send", headers, payload });
      assert.equal(r.statusCode, 403, `${JSON.stringify(headers)}: ${r.body}`);
      assert.equal(r.json().code, "forbidden");
    }
    const tail = (await s.app.inject({ url: "/ui/api/messages?channel=general" })).json();
    assert.ok(!tail.some((m: { content: string }) => m.content === "forged"));
  });

  it("refuses a rebound DNS name (Host not loopback) on a loopback server", async () => {
    const r = await s.app.inject({ url: "/ui/api/overview", headers: { host: "attacker.example:9876" } });
    assert.equal(r.statusCode, 403, r.body);
    assert.match(r.json().error, /Host must be localhost/);
  });

  it("answers POST /ui/sessions in open mode without an API key with why no sign-in is needed", async () => {
    const r = await s.app.inject({ method: "POST", url: "/ui/sessions" });
    assert.equal(r.statusCode, 400, r.body);
    assert.match(r.json().error, /needs no sign-in on loopback/);
  });
});

describe("dashboard routes, open mode on another address", () => {
  it("refuses the dashboard and says why (nobody can sign in, anyone could read)", async () => {
    const t = tempDir();
    const config = { ...testConfig(t.dbPath), host: "0.0.0.0" };
    const queue = createQueue({ ...queueOptionsOf(config), store: createSqliteStore({ path: t.dbPath }) });
    const app = createHttpServer({ queue, config, logLevel: "silent" });
    try {
      for (const url of ["/ui", "/ui/api/overview", "/ui/api/session"]) {
        const r = await app.inject({ url, headers: { host: "127.0.0.1:9876" } });
        assert.equal(r.statusCode, 403, `${url}: ${r.body}`);
        assert.match(r.json().error, /open-mode server bound to 0\.0\.0\.0.*nobody can sign in/);
      }
    } finally {
      await app.close();
      await queue.close();
      t.cleanup();
    }
  });
});
