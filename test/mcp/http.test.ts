// /mcp in `el-ipc serve`, driven by the official MCP SDK client over Streamable HTTP: one agent sends,
// another waits and reads, in open mode (both protocol eras) and in secure mode with operator tokens.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Client } from "@modelcontextprotocol/client";
import { LOCAL } from "../../src/core/caller.js";
import { listeningServer } from "../helpers/http.js";
import { httpClient, ok } from "../helpers/mcp.js";
import { type SecureServer, secureServer } from "../security/helpers.js";

interface Page {
  messages: { id: number; sender: string; content: string; signed: boolean }[];
  more: boolean;
  timed_out?: boolean;
}

async function sendThenWait(sender: Client, reader: Client, channel: string, content: string) {
  const waiting = ok<Page>(reader, "wait_for_messages", { channels: [channel], timeout_seconds: 20 });
  await new Promise((r) => setTimeout(r, 200));
  const sent = await ok<{ id: number }>(sender, "send_message", { channel, content });
  const page = await waiting;
  assert.deepEqual(
    page.messages.map((m) => [m.id, m.content]),
    [[sent.id, content]],
  );
  return page;
}

describe("/mcp over HTTP, open mode", () => {
  let server: Awaited<ReturnType<typeof listeningServer>>;
  before(async () => {
    server = await listeningServer();
  });
  after(() => server.close());

  for (const era of ["legacy", "auto"] as const) {
    it(`alice sends, bob waits and reads (${era === "auto" ? "2026-07-28" : "2025"} era)`, async () => {
      const alice = await httpClient(`${server.url}/mcp?agent=alice`, {}, era);
      const bob = await httpClient(`${server.url}/mcp?agent=bob`, {}, era);
      try {
        const page = await sendThenWait(alice, bob, `room-${era}`, `hello ${era}`);
        assert.equal(page.messages[0]?.sender, "alice");
        assert.deepEqual((await ok<Page>(bob, "read_messages", { channels: [`room-${era}`] })).messages, []);
        assert.equal((await ok<{ agent: string }>(bob, "whoami")).agent, "bob");
      } finally {
        await Promise.all([alice.close(), bob.close()]);
      }
    });
  }

  it("without an agent name the request is refused with a one-line JSON error", async () => {
    const res = await fetch(`${server.url}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), {
      error: "name the agent this MCP client acts as: /mcp?agent=<name>",
      code: "invalid_argument",
    });
  });

  it("GET and DELETE are 405: the endpoint is stateless", async () => {
    for (const method of ["GET", "DELETE"]) {
      const res = await fetch(`${server.url}/mcp?agent=alice`, { method });
      assert.equal(res.status, 405, method);
      assert.equal(res.headers.get("allow"), "POST");
    }
  });
});

describe("/mcp over HTTP, secure mode with operator-issued tokens", () => {
  let s: SecureServer;
  let alice: Client;
  let bob: Client;
  before(async () => {
    s = await secureServer({ listen: true, agents: ["alice", "bob"] });
    const a = await s.queue.issueToken(LOCAL, { agent: "alice" });
    const b = await s.queue.issueToken(LOCAL, { agent: "bob" });
    alice = await httpClient(`${s.url}/mcp`, { authorization: `Bearer ${a.token}` });
    bob = await httpClient(`${s.url}/mcp`, { authorization: `Bearer ${b.token}` }, "auto");
  });
  after(async () => {
    await Promise.all([alice?.close(), bob?.close()]);
    await s?.close();
  });

  it("alice sends to bob's inbox, bob waits and reads; the sender is the token's agent", async () => {
    const page = await sendThenWait(alice, bob, "@bob", "token hello");
    assert.equal(page.messages[0]?.sender, "alice");
    // The server authenticated the sender; the message carries no signature of its own.
    assert.equal(page.messages[0]?.signed, false);
    const me = await ok<{ agent: string; secure_mode: boolean }>(bob, "whoami");
    assert.deepEqual([me.agent, me.secure_mode], ["bob", true]);
  });

  it("alice's token cannot read bob's inbox", async () => {
    const r = (await alice.callTool({ name: "read_messages", arguments: { channels: ["@bob"] } })) as {
      isError?: boolean;
      content: { text?: string }[];
    };
    assert.equal(r.isError, true);
    assert.match(r.content[0]?.text ?? "", /^forbidden: /);
  });
});
