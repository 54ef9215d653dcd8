// Attacks on the A2A endpoint: unauthenticated callers in secure mode, requests without A2A-Version,
// malformed envelopes and params, non-text parts, names and context ids that are not el-ipc names, and
// oversized bodies. Each is a JSON-RPC error (or a 4xx), and nothing reaches an inbox.
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { LOCAL } from "../../src/core/caller.js";
import { type InjectServer, injectServer } from "../helpers/http.js";

const message = (extra: Record<string, unknown> = {}) => ({
  messageId: "m1",
  role: "ROLE_USER",
  parts: [{ text: "hi" }],
  metadata: { agent: "bob" },
  ...extra,
});

describe("A2A attacks", () => {
  let s: InjectServer;
  before(async () => {
    s = await injectServer();
  });
  after(() => s.close());

  const rpc = (body: unknown, headers: Record<string, string> = { "a2a-version": "1.0" }) =>
    s.app.inject({
      method: "POST",
      url: "/a2a",
      headers: { "content-type": "application/json", ...headers },
      payload: typeof body === "string" ? body : JSON.stringify(body),
    });
  const send = (params: unknown, headers?: Record<string, string>) =>
    rpc({ jsonrpc: "2.0", id: 7, method: "SendMessage", params }, headers);
  const inbox = async () => (await s.queue.health(LOCAL, { channel: "@bob", agent: "bob" })).pending;

  it("refuses requests without A2A-Version 1.0 (an empty one means 0.3)", async () => {
    for (const headers of [{}, { "a2a-version": "0.3" }, { "a2a-version": "2.0" }] as Record<
      string,
      string
    >[]) {
      const r = await send({ message: message(), configuration: { returnImmediately: true } }, headers);
      assert.equal(r.statusCode, 200);
      assert.equal(r.json().error.code, -32009, r.body);
    }
    assert.equal(await inbox(), 0);
  });

  it("answers malformed envelopes and params with JSON-RPC errors, never a 500", async () => {
    assert.equal((await rpc("{not json")).json().error.code, -32700);
    assert.equal((await rpc({ id: 1, method: "SendMessage" })).json().error.code, -32600);
    assert.equal((await rpc({ jsonrpc: "2.0", id: 1, method: "tasks/send" })).json().error.code, -32601);
    for (const [params, code] of [
      [{}, -32602],
      [{ message: message({ role: "ROLE_AGENT" }) }, -32602],
      [{ message: message({ parts: [] }) }, -32602],
      [{ message: message({ parts: [{ url: "file:///etc/passwd" }] }) }, -32005],
      [{ message: message({ contextId: "../../@alice" }) }, -32602],
      [{ message: message({ contextId: "x".repeat(65) }) }, -32602],
      [{ message: message({ metadata: { agent: "bob smith" } }) }, -32602],
      [{ message: message({ metadata: { agent: ["bob"] } }) }, -32602],
      [{ message: message({ taskId: "someone-elses" }) }, -32004],
    ] as const) {
      const r = await send(params);
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(r.json().error.code, code, `${JSON.stringify(params)}: ${r.body}`);
      assert.equal(r.json().id, 7);
    }
    assert.equal(await inbox(), 0);
  });

  it("refuses a body over the limit with 413", async () => {
    const r = await send({ message: message({ parts: [{ text: "x".repeat(2 * 1024 * 1024) }] }) });
    assert.equal(r.statusCode, 413);
    assert.equal(await inbox(), 0);
  });

  it("refuses unauthenticated callers in secure mode with 401, delivering nothing", async () => {
    await s.queue.seed(LOCAL, "op-main");
    const r = await send({ message: message(), configuration: { returnImmediately: true } });
    assert.equal(r.statusCode, 401, r.body);
    assert.equal(r.json().error.code, -32000);
    assert.match(r.json().error.message, /bearer token/);
    assert.equal(await inbox(), 0);
  });
});
