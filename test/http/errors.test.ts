// Refusals of the HTTP face: bad input, sizes, content types, unknown routes, the bearer token, and
// the shape of every error response (JSON, an `error` string, no stack).
import * as assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import pino from "pino";
import { IpcError } from "../../src/core/errors.js";
import { createQueue } from "../../src/core/queue.js";
import { describeError } from "../../src/http/errors.js";
import { createHttpServer } from "../../src/http/server.js";
import { NO_ROUTE_ERROR } from "../../src/protocol/codes.js";
import { createSqliteStore } from "../../src/store/sqlite/index.js";
import { type InjectServer, injectServer, tempDir, testConfig } from "../helpers/http.js";

type Injected = Awaited<ReturnType<FastifyInstance["inject"]>>;

/** Asserts an error response: status, JSON with a one-line `error`, a `code`, no stack. */
function assertError(r: Injected, status: number, pattern?: RegExp): { error: string; code: string } {
  assert.equal(r.statusCode, status, r.body);
  assert.match(String(r.headers["content-type"]), /^application\/json/);
  const body = r.json() as { error: unknown; code: unknown };
  assert.equal(typeof body.error, "string");
  assert.equal(typeof body.code, "string");
  assert.doesNotMatch(r.body, /\n\s+at |\.js:\d+|stack/);
  if (pattern) assert.match(body.error as string, pattern);
  return body as { error: string; code: string };
}

describe("HTTP bad input", () => {
  let s: InjectServer;
  before(async () => {
    s = await injectServer({ IPC_MAX_BODY_BYTES: "4096", IPC_MAX_CONTENT_BYTES: "1000" });
  });
  after(() => s.close());

  const post = (url: string, payload: string | object, contentType = "application/json") =>
    s.app.inject({ method: "POST", url, payload, headers: { "content-type": contentType } });

  it("malformed JSON is 400", async () => {
    assertError(await post("/send", '{"channel": "a",'), 400, /^malformed JSON: /);
  });

  it("an empty JSON body is 400", async () => {
    assertError(await post("/send", ""), 400, /empty/);
  });

  it("wrong types are 400 naming the field", async () => {
    assertError(
      await post("/send", { channel: "a", sender: "b", content: 5 }),
      400,
      /^content must be a string/,
    );
    assertError(
      await post("/send", { channel: [], sender: "b", content: "x" }),
      400,
      /^channel must be a string/,
    );
    assertError(await post("/send", [1, 2]), 400, /^body must be a JSON object/);
    assertError(
      await post("/send", { channel: "a", sender: "b", content: "x", signed_at: "now" }),
      400,
      /^signed_at must be/,
    );
    assertError(
      await post("/send", { channel: "a", sender: "b", content: "x", signed_at: 1.5 }),
      400,
      /^signed_at must be an integer/,
    );
    assertError(
      await post("/send", { channel: "a", sender: "b", content: "x", key: 7 }),
      400,
      /^key must be/,
    );
    assertError(await post("/send", "null"), 400, /^body must be a JSON object/);
    assertError(
      await post("/send/batch", { messages: [{ channel: "a", sender: "b", content: "x" }, "no"] }),
      400,
      /^messages\[1\] must be a JSON object/,
    );
    assertError(
      await post("/send/batch", { messages: [{ channel: "a", sender: "b", content: 1 }] }),
      400,
      /^messages\[0\]\.content must be a string/,
    );
    assertError(await post("/send/batch", { messages: [] }), 400, /^messages /);
    assertError(await post("/ack", { channel: "a", agent: "b", id: 1.5 }), 400, /^id /);
  });

  it("missing fields are 400 naming the field", async () => {
    assertError(await post("/send", { channel: "a", content: "x" }), 400, /^sender is required/);
    assertError(await post("/ack", { channel: "a", id: 1 }), 400, /^agent is required/);
    assertError(await s.app.inject({ url: "/messages?agent=bob" }), 400, /^channel is required/);
    assertError(await s.app.inject({ url: "/messages?channel=a" }), 400, /^agent is required/);
  });

  it("names with a space or a comma are 400", async () => {
    assertError(await post("/send", { channel: "a b", sender: "x", content: "y" }), 400, /channel name/);
    assertError(await post("/send", { channel: "a", sender: "x,y", content: "y" }), 400, /sender name/);
    assertError(await s.app.inject({ url: "/messages?channel=a&agent=b%20c" }), 400, /agent name/);
    assertError(await s.app.inject({ url: "/messages?channel=a,,b&agent=bob" }), 400, /channel/);
  });

  it("bad query parameters are 400", async () => {
    for (const t of ["-1", "301", "abc", "", "1e9", "Infinity"]) {
      assertError(
        await s.app.inject({ url: `/messages?channel=a&agent=b&wait=true&timeout=${t}` }),
        400,
        /^timeout /,
      );
    }
    assertError(
      await s.app.inject({ url: "/messages?channel=a&agent=b&wait=maybe" }),
      400,
      /^wait must be one of/,
    );
    assertError(await s.app.inject({ url: "/messages?channel=a&agent=b&limit=ten" }), 400, /^limit /);
    assertError(await s.app.inject({ url: "/messages?channel=a&agent=b&limit=0" }), 400, /limit/);
  });

  it("a body over the limit is 413", async () => {
    const big = JSON.stringify({ channel: "a", sender: "b", content: "x".repeat(5000) });
    const r = assertError(await post("/send", big), 413, /^request body is larger than 4096 bytes$/);
    assert.equal(r.code, "too_large");
  });

  it("content over the content limit is 413", async () => {
    const r = assertError(await post("/send", { channel: "a", sender: "b", content: "é".repeat(501) }), 413);
    assert.match(r.error, /1002 bytes; the limit is 1000/);
    const ok = await post("/send", { channel: "a", sender: "b", content: "é".repeat(500) });
    assert.equal(ok.statusCode, 200, ok.body);
  });

  it("invalid UTF-8 in the body is 400", async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"channel":"a","sender":"b","content":"'),
      Buffer.from([0xff, 0xfe]),
    ]);
    const payload = Buffer.concat([bytes, Buffer.from('"}')]);
    const r = await s.app.inject({
      method: "POST",
      url: "/send",
      payload,
      headers: { "content-type": "application/json" },
    });
    assertError(r, 400, /UTF-8/);
    const lone = await post("/send", '{"channel":"a","sender":"b","content":"\\ud800"}');
    assertError(lone, 400, /UTF-8/);
  });

  it("a body of another content type is 415", async () => {
    assertError(
      await post("/send", "channel=a&sender=b&content=c", "application/x-www-form-urlencoded"),
      415,
    );
    assertError(await post("/send", '{"channel":"a","sender":"b","content":"c"}', "text/plain"), 415);
    const ok = await post(
      "/send",
      '{"channel":"a","sender":"b","content":"c"}',
      "application/json; charset=utf-8",
    );
    assert.equal(ok.statusCode, 200, ok.body);
  });

  it("an unknown route is 404 JSON", async () => {
    const r = assertError(await s.app.inject({ url: "/nope" }), 404);
    assert.equal(r.error, NO_ROUTE_ERROR);
    assertError(await s.app.inject({ method: "DELETE", url: "/nope" }), 404);
  });

  it("a query number that is no number names its field and says so", async () => {
    for (const [url, error] of [
      ["/webhooks/deliveries?id=abc", "id must be a number"],
      ["/webhooks/deliveries?id=1&limit=abc", "limit must be a number"],
      ["/agents?limit=x", "limit must be a number"],
    ] as const) {
      const r = assertError(await s.app.inject({ url }), 400);
      assert.equal(r.error, error, url);
    }
  });

  it("a number too large and a field that must be an array say so in plain words", async () => {
    const big = assertError(await post("/ack", { channel: "a", agent: "b", id: 2 ** 60 }), 400);
    assert.match(big.error, /^id must be at most 9007199254740991$/);
    const arr = assertError(await post("/send/batch", { messages: "x" }), 400);
    assert.equal(arr.error, "messages must be an array, not a string");
  });

  it("a known page with a trailing slash (/ui/) is a 308 to it; nothing else is, so none goes elsewhere", async () => {
    for (const [url, to] of [
      ["/ui/", "/ui"],
      ["/ui/?code=abc", "/ui?code=abc"],
      ["/health/", "/health"],
    ]) {
      const r = await s.app.inject({ url });
      assert.equal(r.statusCode, 308, url);
      assert.equal(r.headers.location, to, url);
    }
    for (const url of ["//evil.example/", "/evil.example/", "/ui//", "/nope/", "/"]) {
      const r = await s.app.inject({ url });
      assert.notEqual(r.statusCode, 308, url);
      assert.equal(r.headers.location, undefined, url);
    }
    assertError(await s.app.inject({ method: "POST", url: "/send/", payload: {} }), 404);
  });

  it("a known path asked with a method it does not take is a 405 naming the ones it takes", async () => {
    for (const [method, url, allow] of [
      ["GET", "/send", "POST"],
      ["GET", "/send?channel=a", "POST"],
      ["POST", "/health", "GET"],
      ["DELETE", "/messages", "GET"],
      ["PUT", "/webhooks", "GET, POST"],
    ] as const) {
      const res = await s.app.inject({ method, url });
      const r = assertError(res, 405);
      assert.equal(r.code, "invalid_argument", url);
      assert.equal(res.headers.allow, allow, `${method} ${url}`);
      assert.match(r.error, new RegExp(`^${method} is not a method of ${url.split("?")[0]}: it takes `));
    }
    // A path that does not exist stays the no-route 404 (the SDK tells a wrong server address by it).
    const none = assertError(await s.app.inject({ method: "GET", url: "/sendx" }), 404);
    assert.equal(none.error, NO_ROUTE_ERROR);
  });

  it("a query that is not percent-encoded UTF-8 is a 400 naming its field, not a read of another name", async () => {
    for (const [url, field] of [
      ["/messages?channel=%ff&agent=a", "channel"],
      ["/messages?channel=a&agent=%zz", "agent"],
      ["/messages?channel=a&agent=b&peek=%e2%82", "peek"],
      ["/channels?%ff=1", "%ff"],
    ] as const) {
      const r = assertError(await s.app.inject({ url }), 400);
      assert.equal(r.code, "invalid_argument", url);
      assert.match(r.error, new RegExp(`^query field "${field}" is not percent-encoded UTF-8`), url);
    }
    // Well-formed escapes and a field named __proto__ are read as they always were.
    await s.app.inject({
      method: "POST",
      url: "/send",
      payload: { channel: "café", sender: "q", content: "hi" },
    });
    const ok = await s.app.inject({ url: "/messages?channel=caf%C3%A9&agent=q&peek=true&__proto__=x" });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal((ok.json() as { content: string }[])[0]?.content, "hi");
  });

  it("POST /register with operator_key is refused with an explanation", async () => {
    const res = await post("/register", {
      name: "herald",
      public_key: "x",
      operator: "op",
      operator_key: "SECRET",
    });
    const r = assertError(res, 400);
    assert.match(r.error, /private keys are never sent/);
    assert.match(r.error, /operator signs the registration/);
    assert.match(r.error, /docs\/PROTOCOL\.md/);
    assert.match(r.error, /el-ipc register .*--server <url>/);
    assert.doesNotMatch(res.body, /SECRET/);
  });
});

describe("HTTP error mapping", () => {
  it("maps every code to its status and sets Retry-After on rate limits", async () => {
    const t = tempDir();
    const config = testConfig(t.dbPath);
    const queue = createQueue({ store: createSqliteStore({ path: t.dbPath }) });
    const lines: string[] = [];
    const logger = pino(
      { level: "warn" },
      new Writable({
        write(chunk, _enc, cb) {
          lines.push(String(chunk));
          cb();
        },
      }),
    );
    const app = createHttpServer({ queue, config, logger });
    app.get("/throw/rate", async () => {
      throw new IpcError("rate_limited", "slow down", 2.5);
    });
    app.get("/throw/busy", async () => {
      throw new IpcError("unavailable", "database is busy; try again");
    });
    app.get("/throw/bug", async () => {
      throw new TypeError("secret detail at /home/x.js:1");
    });
    try {
      const rate = await app.inject({ url: "/throw/rate" });
      assertError(rate, 429, /^slow down$/);
      assert.equal(rate.headers["retry-after"], "3");
      assertError(await app.inject({ url: "/throw/busy" }), 503, /busy/);
      const bug = await app.inject({ url: "/throw/bug" });
      assertError(bug, 500, /^internal error$/);
      assert.doesNotMatch(bug.body, /secret detail/);
      assert.ok(
        lines.some((l) => l.includes("secret detail")),
        "unexpected errors are logged",
      );
    } finally {
      await app.close();
      await queue.close();
      t.cleanup();
    }
    assert.equal(describeError(new IpcError("replayed", "x"), 1).status, 409);
    assert.equal(describeError(new IpcError("unknown_agent", "x"), 1).status, 403);
    assert.equal(describeError(new IpcError("bad_signature", "x"), 1).status, 401);
    assert.equal(describeError(new IpcError("conflict", "x"), 1).status, 409);
    assert.equal(describeError(new IpcError("internal", "leak"), 1).body.error, "internal error");
  });
});

describe("HTTP bearer token (IPC_API_KEY)", () => {
  let s: InjectServer;
  before(async () => {
    s = await injectServer({ IPC_API_KEY: "s3cret-key" });
  });
  after(() => s.close());

  it("refuses a missing or wrong token with 401", async () => {
    for (const authorization of [
      undefined,
      "Bearer wrong",
      "Bearer s3cret-keyX",
      "Basic s3cret-key",
      "s3cret-key",
    ]) {
      const r = await s.app.inject({ url: "/channels", headers: authorization ? { authorization } : {} });
      const body = assertError(r, 401);
      assert.equal(body.code, "unauthorized", String(authorization));
      assert.match(body.error, authorization ? /^wrong API key/ : /^missing API key/, String(authorization));
    }
    const send = await s.app.inject({
      method: "POST",
      url: "/send",
      payload: { channel: "a", sender: "b", content: "c" },
    });
    assertError(send, 401);
    assertError(await s.app.inject({ url: "/nope" }), 401);
  });

  it("accepts the right token", async () => {
    const headers = { authorization: "Bearer s3cret-key" };
    const send = await s.app.inject({
      method: "POST",
      url: "/send",
      headers,
      payload: { channel: "a", sender: "b", content: "c" },
    });
    assert.equal(send.statusCode, 200, send.body);
    const read = await s.app.inject({ url: "/messages?channel=a&agent=x", headers });
    assert.equal(read.statusCode, 200, read.body);
    assert.equal(read.json().length, 1);
  });

  it("leaves /health and the agent card open", async () => {
    assert.equal((await s.app.inject({ url: "/health" })).statusCode, 200);
    assert.equal((await s.app.inject({ url: "/.well-known/agent-card.json" })).statusCode, 200);
  });
});
