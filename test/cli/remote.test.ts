// End-to-end tests of the CLI's remote mode: a real `el-ipc serve` process on port 0, and CLI processes
// that reach it through IPC_URL / --server, with the same output and exit codes as local mode.

import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type AgentCard, cardDid } from "../../src/core/card.js";
import { cliJson, delay, finished, runCli, spawnCli, startServerProcess, tempDb } from "../helpers/cli.js";

interface Msg {
  id: number;
  channel: string;
  sender: string;
  content: string;
  signed?: boolean;
}

describe("CLI remote mode, open server", () => {
  const t = tempDb();
  let server: Awaited<ReturnType<typeof startServerProcess>>;
  let remote: NodeJS.ProcessEnv;
  before(async () => {
    server = await startServerProcess(t.env);
    // A remote agent has no database: point IPC_DB_PATH somewhere unusable to prove it is not opened.
    remote = { ...t.env, IPC_URL: server.url, IPC_DB_PATH: "/nonexistent/never/ipc.db" };
  });
  after(async () => {
    await server.stop();
    t.cleanup();
  });

  it("send, read, channels and agents work over HTTP with the local output shapes", async () => {
    const sent = await cliJson(["send", "general", "alice", "over", "http"], remote);
    assert.deepEqual(sent, { ok: true, id: 1, channel: "general", signed: false, duplicate: false });
    const msgs = await cliJson<Msg[]>(["read", "general", "bob"], remote);
    assert.deepEqual(
      msgs.map((m) => [m.id, m.sender, m.content]),
      [[1, "alice", "over http"]],
    );
    assert.deepEqual(await cliJson(["read", "general", "bob"], remote), []);
    const local = await cliJson<Msg[]>(["read", "general", "carol"], t.env);
    assert.equal(local[0]?.content, "over http", "the server wrote the same database");
    const chans = await cliJson<{ channel: string; count: number }[]>(["channels"], remote);
    assert.deepEqual(
      chans.map((c) => [c.channel, c.count]),
      [["general", 1]],
    );
    const agents = await runCli(["agents"], remote);
    assert.match(agents.stdout, /No agents registered/);
  });

  it("--server overrides IPC_URL", async () => {
    const env = { ...remote, IPC_URL: "http://127.0.0.1:1" };
    const r = await cliJson<{ id: number }>(["--server", server.url, "send", "flag", "alice", "x"], env);
    assert.equal(typeof r.id, "number");
  });

  it("a CLI write to the database wakes a remote long-poll", async () => {
    const reader = spawnCli(["read", "wake", "dora", "--wait"], remote);
    const done = finished(reader);
    await delay(500);
    assert.equal(reader.exitCode, null, "the remote reader should be waiting");
    const t0 = Date.now();
    await cliJson(["send", "wake", "alice", "from the cli"], t.env);
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as Msg[])[0]?.content, "from the cli");
    assert.ok(Date.now() - t0 < 2000, `woke after ${Date.now() - t0} ms`);
  });

  it("peek and ack work remotely", async () => {
    await cliJson(["send", "rpeek", "alice", "one"], remote);
    const peeked = await cliJson<Msg[]>(["read", "rpeek", "eve", "--peek"], remote);
    assert.equal(peeked.length, 1);
    assert.equal((await cliJson<Msg[]>(["read", "rpeek", "eve", "--peek"], remote)).length, 1);
    await cliJson(["ack", "rpeek", "eve", String(peeked[0]?.id)], remote);
    assert.deepEqual(await cliJson(["read", "rpeek", "eve"], remote), []);
  });

  it("an unreachable server is a one-line error with exit 1", async () => {
    const r = await runCli(["send", "general", "alice", "x"], { ...remote, IPC_URL: "http://127.0.0.1:1" });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^el-ipc: cannot reach http:\/\/127\.0\.0\.1:1/);
    assert.equal(r.stderr.trim().split("\n").length, 1);
  });

  it("an IPC_URL with a path after the port says the URL is likely wrong, in one line", async () => {
    const r = await runCli(["send", "general", "alice", "x"], { ...remote, IPC_URL: `${server.url}/api` });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(
      r.stderr,
      `el-ipc: ${server.url}/api/send is no el-ipc endpoint (404): is ${server.url}/api the server's address, with no path after it?\n`,
    );
  });

  it("server refusals keep their exit codes: bad names exit 2", async () => {
    const r = await runCli(["send", "bad,name", "alice", "x"], remote);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /commas/);
  });
});

describe("CLI remote mode, secure server", () => {
  const t = tempDb();
  let server: Awaited<ReturnType<typeof startServerProcess>>;
  let remote: NodeJS.ProcessEnv;
  const op = join(t.dir, "op.key");
  const herald = join(t.dir, "herald");
  const mallory = join(t.dir, "mallory");
  before(async () => {
    const seeded = await runCli(["seed", "op"], t.env);
    writeFileSync(op, seeded.stdout, { mode: 0o600 });
    for (const p of [herald, mallory]) assert.equal((await runCli(["keygen", "--out", p], t.env)).code, 0);
    server = await startServerProcess(t.env);
    remote = { ...t.env, IPC_URL: server.url, IPC_DB_PATH: "/nonexistent/never/ipc.db" };
  });
  after(async () => {
    await server.stop();
    t.cleanup();
  });

  it("registers through the server without sending the operator's private key", async () => {
    const r = await cliJson<{ ok: boolean; message: string }>(
      ["register", "herald", "--pubkey", `${herald}.pub`, "--as", "op", "--key", op, "--identity", "id-7"],
      remote,
    );
    assert.equal(r.message, "Agent 'herald' registered by operator 'op'");
    const again = await runCli(
      ["register", "herald", "--pubkey", `${mallory}.pub`, "--as", "op", "--key", op],
      remote,
    );
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already registered/);
  });

  it("signed sends and proven reads work; missing or wrong keys are refused", async () => {
    const unsigned = await runCli(["send", "general", "herald", "hi"], remote);
    assert.equal(unsigned.code, 1);
    const forged = await runCli(["send", "general", "herald", "hi", "--key", `${mallory}.key`], remote);
    assert.equal(forged.code, 1);
    const ok = await cliJson<{ signed: boolean }>(
      ["send", "general", "herald", "hi", "--key", `${herald}.key`],
      remote,
    );
    assert.equal(ok.signed, true);
    const anon = await runCli(["read", "general", "herald"], remote);
    assert.equal(anon.code, 1);
    const wrong = await runCli(["read", "general", "herald", "--key", `${mallory}.key`], remote);
    assert.equal(wrong.code, 1);
    const msgs = await cliJson<Msg[]>(["read", "general", "herald", "--key", `${herald}.key`], remote);
    assert.deepEqual(
      msgs.map((m) => [m.content, m.signed]),
      [["hi", true]],
    );
  });

  it("a proven remote --wait wakes on a signed local send", async () => {
    const reader = spawnCli(["read", "signed-wake", "herald", "--wait", "--key", `${herald}.key`], remote);
    const done = finished(reader);
    await delay(500);
    await cliJson(["send", "signed-wake", "herald", "ping", "--key", `${herald}.key`], t.env);
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as Msg[])[0]?.content, "ping");
  });

  it("agent-card over HTTP carries the operator's did:key", async () => {
    const card = await cliJson<AgentCard>(["agent-card"], remote);
    const local = await cliJson<AgentCard>(["agent-card"], t.env);
    assert.equal(cardDid(card), cardDid(local));
    assert.match(cardDid(card) ?? "", /^did:key:/);
    assert.equal(card.capabilities.extensions[0]?.params.secureMode, true);
  });
});

describe("serve", () => {
  it("refuses an open-mode server on a non-loopback address without --allow-open", async () => {
    const t = tempDb();
    try {
      const r = await runCli(["serve", "0", "--host", "0.0.0.0"], t.env);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /refusing to expose an open-mode server/);
      assert.match(r.stderr, /--allow-open/);
    } finally {
      t.cleanup();
    }
  });

  it("a port in use is a one-line error", async () => {
    const t = tempDb();
    const first = await startServerProcess(t.env);
    try {
      const port = new URL(first.url).port;
      const r = await runCli(["serve", port], t.env);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /EADDRINUSE/);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    } finally {
      await first.stop();
      t.cleanup();
    }
  });
});
