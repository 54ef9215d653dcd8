// The stdio MCP server (`el-ipc mcp`) driven by the official MCP SDK client: one agent sends, another
// waits and reads, on a local database and through a server, in open and in secure mode.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli, startServerProcess, tempDb } from "../helpers/cli.js";
import { call, type McpTestClient, ok, stdioClient } from "../helpers/mcp.js";

interface Page {
  messages: {
    id: number;
    channel: string;
    sender: string;
    content: string;
    signed: boolean;
    cut?: unknown;
  }[];
  more: boolean;
  timed_out?: boolean;
}

const TOOLS = [
  "ack_messages",
  "list_agents",
  "list_channels",
  "read_messages",
  "seek_channel",
  "send_message",
  "wait_for_messages",
  "whoami",
];

describe("el-ipc mcp over stdio, open mode on a local database", () => {
  const t = tempDb();
  let alice: McpTestClient;
  let bob: McpTestClient;
  before(async () => {
    [alice, bob] = await Promise.all([
      stdioClient(["--agent", "alice"], t.env),
      stdioClient(["--agent", "bob"], t.env),
    ]);
  });
  after(async () => {
    await Promise.all([alice.close(), bob.close()]);
    t.cleanup();
  });

  it("lists every tool with an input and an output schema, and instructions naming the agent", async () => {
    const { tools } = await alice.client.listTools();
    assert.deepEqual(tools.map((x) => x.name).sort(), TOOLS);
    for (const tool of tools) {
      assert.equal(tool.inputSchema.type, "object", tool.name);
      assert.equal(tool.outputSchema?.type, "object", tool.name);
    }
    const instructions = alice.client.getInstructions() ?? "";
    assert.match(instructions, /agent "alice"/);
    assert.match(instructions, /wait_for_messages/);
  });

  it("alice sends, bob waits for it and gets it once", async () => {
    const waiting = ok<Page>(bob.client, "wait_for_messages", { channels: ["build"], timeout_seconds: 20 });
    await new Promise((r) => setTimeout(r, 300));
    const sent = await ok<{ id: number; signed: boolean }>(alice.client, "send_message", {
      channel: "build",
      content: "tests are green",
    });
    const page = await waiting;
    assert.equal(page.timed_out, false);
    assert.deepEqual(
      page.messages.map((m) => [m.id, m.sender, m.content]),
      [[sent.id, "alice", "tests are green"]],
    );
    const again = await ok<Page>(bob.client, "read_messages", { channels: ["build"] });
    assert.deepEqual(again.messages, []);
  });

  it("a wait that sees nothing times out with an empty page", async () => {
    const page = await ok<Page>(bob.client, "wait_for_messages", { channels: ["quiet"], timeout_seconds: 1 });
    assert.deepEqual(page, { messages: [], more: false, timed_out: true });
  });

  it("peek leaves messages unread until ack_messages", async () => {
    const sent = await ok<{ id: number }>(alice.client, "send_message", { channel: "@bob", content: "ping" });
    const peeked = await ok<Page>(bob.client, "read_messages", { channels: ["@bob"], peek: true });
    assert.deepEqual(
      peeked.messages.map((m) => m.id),
      [sent.id],
    );
    assert.equal(
      (await ok<Page>(bob.client, "read_messages", { channels: ["@bob"], peek: true })).messages.length,
      1,
    );
    assert.deepEqual(await ok(bob.client, "ack_messages", { channel: "@bob", id: sent.id }), {
      channel: "@bob",
      watermark: sent.id,
    });
    assert.deepEqual((await ok<Page>(bob.client, "read_messages", { channels: ["@bob"] })).messages, []);
  });

  it("a long content is cut with a marker, stays unread, and reads whole with a larger max_chars", async () => {
    const long = "x".repeat(5000);
    await ok(alice.client, "send_message", { channel: "logs", content: long });
    await ok(alice.client, "send_message", { channel: "logs", content: "after" });
    const first = await ok<Page>(bob.client, "read_messages", { channels: ["logs"] });
    assert.equal(first.messages.length, 1, "the page ends at the cut message of its channel");
    const cut = first.messages[0];
    assert.deepEqual(cut?.cut, { shown_chars: 2000, total_chars: 5000 });
    assert.match(cut?.content ?? "", /\[cut: 3000 more characters.*read_messages .*"max_chars":5000/);
    assert.equal(first.more, true);
    const whole = await ok<Page>(bob.client, "read_messages", { channels: ["logs"], max_chars: 5000 });
    assert.deepEqual(
      whole.messages.map((m) => m.content),
      [long, "after"],
    );
  });

  it("seek_channel moves the read position back to the start and forward to the end", async () => {
    await ok(alice.client, "send_message", { channel: "replay", content: "one" });
    await ok(alice.client, "send_message", { channel: "replay", content: "two" });
    assert.equal((await ok<Page>(bob.client, "read_messages", { channels: ["replay"] })).messages.length, 2);
    assert.deepEqual(await ok(bob.client, "seek_channel", { channel: "replay", to: "start" }), {
      channel: "replay",
      watermark: 0,
    });
    const again = await ok<Page>(bob.client, "read_messages", { channels: ["replay"] });
    assert.deepEqual(
      again.messages.map((m) => m.content),
      ["one", "two"],
    );
    const end = await ok<{ watermark: number }>(bob.client, "seek_channel", { channel: "replay", to: "end" });
    assert.equal(end.watermark, again.messages[1]?.id);
  });

  it("whoami, list_channels and list_agents answer", async () => {
    const me = await ok(alice.client, "whoami");
    assert.deepEqual(me, {
      agent: "alice",
      inbox: "@alice",
      where: t.db,
      secure_mode: false,
      signing: false,
    });
    const channels = await ok<{ channels: { channel: string }[]; total: number }>(
      alice.client,
      "list_channels",
    );
    assert.ok(channels.channels.some((c) => c.channel === "build"));
    assert.equal(channels.total, channels.channels.length);
    const agents = await ok<{ agents: unknown[] }>(alice.client, "list_agents");
    assert.deepEqual(agents.agents, []);
  });

  it("bad input is a tool error with the code and a one-line reason, not a crash", async () => {
    const r = await call(alice.client, "send_message", { channel: "bad name", content: "x" });
    assert.equal(r.isError, true);
    assert.match(r.content[0]?.text ?? "", /^invalid_argument: [^\n]+$/);
    const ack = await call(bob.client, "ack_messages", { channel: "build", id: 9999 });
    assert.equal(ack.isError, true);
    assert.match(ack.content[0]?.text ?? "", /^invalid_argument: id 9999 is beyond/);
    const schema = await call(alice.client, "read_messages", { channels: [] });
    assert.equal(schema.isError, true);
    // The server is still there.
    assert.equal((await ok(alice.client, "whoami")).agent, "alice");
    assert.doesNotMatch(alice.stderr(), /at .*\.js:\d+/, "no stack trace");
  });
});

describe("el-ipc mcp over stdio, secure mode through a server", () => {
  const t = tempDb();
  const key = (name: string) => join(t.dir, `${name}.key`);
  let server: Awaited<ReturnType<typeof startServerProcess>>;
  let alice: McpTestClient;
  let bob: McpTestClient;
  before(async () => {
    const seeded = await runCli(["seed", "op"], t.env);
    writeFileSync(join(t.dir, "op.key"), seeded.stdout, { mode: 0o600 });
    for (const name of ["alice", "bob"]) {
      assert.equal((await runCli(["keygen", "--out", join(t.dir, name)], t.env)).code, 0);
      const r = await runCli(
        [
          "register",
          name,
          "--pubkey",
          join(t.dir, `${name}.pub`),
          "--as",
          "op",
          "--key",
          join(t.dir, "op.key"),
        ],
        t.env,
      );
      assert.equal(r.code, 0, r.stderr);
    }
    server = await startServerProcess(t.env);
    const remote = { ...t.env, IPC_URL: server.url, IPC_DB_PATH: "/nonexistent/never/ipc.db" };
    [alice, bob] = await Promise.all([
      stdioClient(["--agent", "alice", "--key", key("alice")], remote),
      stdioClient(["--agent", "bob", "--key", key("bob")], remote),
    ]);
  });
  after(async () => {
    await Promise.all([alice?.close(), bob?.close()]);
    await server?.stop();
    t.cleanup();
  });

  it("alice's signed message reaches bob's wait; whoami names the key", async () => {
    const waiting = ok<Page>(bob.client, "wait_for_messages", { channels: ["@bob"], timeout_seconds: 20 });
    await new Promise((r) => setTimeout(r, 300));
    const sent = await ok<{ signed: boolean }>(alice.client, "send_message", {
      channel: "@bob",
      content: "signed hi",
    });
    assert.equal(sent.signed, true);
    const page = await waiting;
    assert.deepEqual(
      page.messages.map((m) => [m.sender, m.content, m.signed]),
      [["alice", "signed hi", true]],
    );
    const me = await ok<{ secure_mode: boolean; signing: boolean; key_fingerprint?: string }>(
      bob.client,
      "whoami",
    );
    assert.equal(me.secure_mode, true);
    assert.equal(me.signing, true);
    assert.match(me.key_fingerprint ?? "", /\S/);
    const agents = await ok<{ agents: { name: string }[] }>(bob.client, "list_agents");
    assert.deepEqual(agents.agents.map((a) => a.name).sort(), ["alice", "bob", "op"]);
  });

  it("another agent's inbox is refused as a tool error", async () => {
    const r = await call(alice.client, "read_messages", { channels: ["@bob"] });
    assert.equal(r.isError, true);
    assert.match(r.content[0]?.text ?? "", /^forbidden: /);
  });

  it("without a key, nothing can be sent in secure mode", async () => {
    const remote = { ...t.env, IPC_URL: server.url };
    const anon = await stdioClient(["--agent", "alice"], remote);
    try {
      const r = await call(anon.client, "send_message", { channel: "general", content: "unsigned" });
      assert.equal(r.isError, true);
      assert.match(r.content[0]?.text ?? "", /^unauthorized: /);
    } finally {
      await anon.close();
    }
  });
});
