// Attacks on the A2A endpoint: unauthenticated callers in secure mode, requests without A2A-Version,
// malformed envelopes and params, non-text parts, names and context ids that are not el-ipc names, and
// oversized bodies; in secure mode forged, revoked, expired tokens and tokens of revoked or denied agents, a
// client naming its own sender, and the API key's gate. Each is a JSON-RPC error (or a 4xx), and nothing
// reaches an inbox.
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { LOCAL } from "../../src/core/caller.js";
import { type InjectServer, injectServer } from "../helpers/http.js";
import { addExpiredToken, type SecureServer, secureServer } from "./helpers.js";

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

describe("A2A attacks in secure mode (bearer tokens)", () => {
  let s: SecureServer;
  let ciToken: string;
  const API_KEY = "k".repeat(32);
  before(async () => {
    s = await secureServer({ agents: [], env: { IPC_API_KEY: API_KEY } });
    for (const name of ["bob", "ci", "mallory", "waiter"]) await s.register(name);
    ciToken = (await s.queue.issueToken(LOCAL, { agent: "ci" })).token;
  });
  after(() => s.close());

  const send = (token: string | undefined, extra: Record<string, unknown> = {}) =>
    s.app.inject({
      method: "POST",
      url: "/a2a",
      headers: {
        "content-type": "application/json",
        "a2a-version": "1.0",
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      payload: JSON.stringify({
        jsonrpc: "2.0",
        id: 3,
        method: "SendMessage",
        params: { message: message(extra), configuration: { returnImmediately: true } },
      }),
    });
  const bobsInbox = async () => (await s.queue.health(LOCAL, { channel: "@bob", agent: "bob" })).pending;
  /** The answer is a refusal with `status`, a JSON-RPC error naming `reason`, and nothing was delivered. */
  async function refused(r: Awaited<ReturnType<typeof send>>, status: number, reason: RegExp): Promise<void> {
    const before = await bobsInbox();
    assert.equal(r.statusCode, status, r.body);
    assert.equal(r.json().id, 3);
    assert.equal(r.json().error.code, -32000, r.body);
    assert.match(r.json().error.message, reason);
    if (status === 401) assert.match(String(r.headers["www-authenticate"]), /^Bearer /);
    assert.equal(await bobsInbox(), before);
  }

  it("a valid token stands for the API key on /a2a only, and sends as its agent whatever the body names", async () => {
    const before = await bobsInbox();
    const r = await send(ciToken, { metadata: { agent: "bob", sender: "op-main" } });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().result.task.metadata.sender, "ci");
    const stored = await s.db.readAfter([{ channel: "@bob", after: 0 }], 100);
    const m = stored[stored.length - 1];
    assert.equal(m?.sender, "ci");
    assert.equal(m?.signature, "", "proven by a token, not a key: stored unsigned");
    assert.equal(await bobsInbox(), before + 1);
    // The token opens no other route in place of the API key.
    const other = await s.app.inject({
      method: "GET",
      url: "/channels",
      headers: { authorization: `Bearer ${ciToken}` },
    });
    assert.equal(other.statusCode, 401);
  });

  it("without a token (the API key alone proves no agent) the caller is refused 401", async () => {
    await refused(await send(API_KEY), 401, /bearer token an operator issues/);
  });

  it("a forged, guessed or truncated token is refused with one answer", async () => {
    const [, id] = /^elipc_([0-9a-f]{16})\./.exec(ciToken) ?? [];
    for (const token of [
      `elipc_${id}.${"A".repeat(43)}`,
      `elipc_${"0".repeat(16)}.${"A".repeat(43)}`,
      `${ciToken}x`,
    ]) {
      await refused(await send(token), 401, /^invalid bearer token$/);
    }
  });

  it("a revoked token is refused at once, and an expired one too", async () => {
    const t = await s.queue.issueToken(LOCAL, { agent: "ci" });
    assert.equal((await send(t.token)).statusCode, 200);
    await s.queue.revokeToken(LOCAL, t.id);
    await refused(await send(t.token), 401, /was revoked/);
    await refused(await send(await addExpiredToken(s.db, "ci", "fedcba9876543210")), 401, /expired at/);
  });

  it("a token revoked while its SendMessage waits gets no reply, and its stream ends with the refusal", async () => {
    // An agent of its own: bob's replies to an agent finish its oldest open task first.
    for (const method of ["SendMessage", "SendStreamingMessage"]) {
      const t = await s.queue.issueToken(LOCAL, { agent: "waiter" });
      const before = await bobsInbox();
      const answer = s.app.inject({
        method: "POST",
        url: "/a2a",
        headers: {
          "content-type": "application/json",
          "a2a-version": "1.0",
          authorization: `Bearer ${t.token}`,
        },
        payload: JSON.stringify({ jsonrpc: "2.0", id: 9, method, params: { message: message() } }),
      });
      for (let i = 0; i < 500 && (await bobsInbox()) === before; i++)
        await new Promise((ok) => setTimeout(ok, 10));
      assert.equal(await bobsInbox(), before + 1, "the message reached bob");
      await s.queue.revokeToken(LOCAL, t.id);
      assert.equal((await s.send("bob", "@waiter", `the secret answer (${method})`)).statusCode, 200);
      const r = await answer;
      assert.doesNotMatch(r.body, /the secret answer/, method);
      if (method === "SendMessage") {
        assert.equal(r.statusCode, 401, r.body);
        assert.match(r.json().error.message, /was revoked/);
      } else {
        const frames = r.body.split("\n\n").filter((f) => f.startsWith("data: "));
        assert.equal(frames.length, 2, r.body);
        assert.ok(JSON.parse(frames[0]?.slice(6) ?? "{}").result.task, "the task first");
        assert.match(JSON.parse(frames[1]?.slice(6) ?? "{}").error.message, /was revoked/);
      }
    }
  });

  it("a token's agent denied writing to the inbox is refused 403", async () => {
    const t = await s.queue.issueToken(LOCAL, { agent: "mallory" });
    assert.equal((await s.post("/deny", s.sign.access("deny", "mallory", "@bob", "write"))).statusCode, 200);
    await refused(await send(t.token), 403, /mallory/);
  });

  it("the token of an agent revoked since is refused", async () => {
    const t = await s.queue.issueToken(LOCAL, { agent: "mallory" });
    assert.equal((await s.post("/revoke", s.sign.revoke("mallory"))).statusCode, 200);
    const r = await send(t.token);
    assert.ok(r.statusCode === 401 || r.statusCode === 403, r.body);
    await refused(r, r.statusCode, /mallory/);
  });
});
