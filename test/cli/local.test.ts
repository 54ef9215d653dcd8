// End-to-end tests of the CLI on a local database: real processes, real SQLite, real keys.

import assert from "node:assert/strict";
import { chmodSync, copyFileSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import { type AgentCard, cardDid } from "../../src/core/card.js";
import { cliJson, delay, finished, runCli, spawnCli, tempDb } from "../helpers/cli.js";

interface Msg {
  id: number;
  channel: string;
  sender: string;
  content: string;
  timestamp: number;
  signed?: boolean;
}

function noStack(stderr: string): void {
  assert.doesNotMatch(stderr, /\n\s+at /, `stack trace in: ${stderr}`);
}

describe("CLI, open mode", () => {
  const t = tempDb();
  after(() => t.cleanup());

  it("send prints the reference's JSON fields and duplicate, as POST /send does; read returns then advances", async () => {
    const r = await runCli(["send", "general", "alice", "hello", "world"], t.env);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      ok: true,
      id: 1,
      channel: "general",
      signed: false,
      duplicate: false,
    });
    const msgs = await cliJson<Msg[]>(["read", "general", "bob"], t.env);
    assert.equal(msgs.length, 1);
    const m = msgs[0] as Msg;
    assert.equal(m.id, 1);
    assert.equal(m.sender, "alice");
    assert.equal(m.content, "hello world");
    assert.equal(typeof m.timestamp, "number");
    assert.ok(Math.abs(m.timestamp - Date.now() / 1000) < 60);
    assert.equal(m.signed, undefined);
    assert.deepEqual(await cliJson(["read", "general", "bob"], t.env), []);
  });

  it("reads a message of '-' from standard input", async () => {
    const r = await cliJson<{ id: number }>(
      ["send", "stdin-chan", "alice", "-"],
      t.env,
      "line one\nline two\n",
    );
    const [m] = await cliJson<Msg[]>(["read", "stdin-chan", "bob"], t.env);
    assert.equal(m?.id, r.id);
    assert.equal(m?.content, "line one\nline two");
  });

  it("--peek does not move the watermark; ack does, and never backwards", async () => {
    await cliJson(["send", "peeky", "alice", "p1"], t.env);
    const second = await cliJson<{ id: number }>(["send", "peeky", "alice", "p2"], t.env);
    const peeked = await cliJson<Msg[]>(["read", "peeky", "carol", "--peek"], t.env);
    assert.deepEqual(
      peeked.map((m) => m.content),
      ["p1", "p2"],
    );
    assert.equal((await cliJson<Msg[]>(["read", "peeky", "carol", "--peek"], t.env)).length, 2);
    await cliJson(["ack", "peeky", "carol", String(second.id)], t.env);
    await cliJson(["ack", "peeky", "carol", "0"], t.env);
    assert.deepEqual(await cliJson(["read", "peeky", "carol"], t.env), []);
  });

  it("ack refuses an id beyond the channel's last message and answers the watermark as it now is", async () => {
    const last = await cliJson<{ id: number }>(["send", "typo", "alice", "t1"], t.env);
    await cliJson(["send", "other-chan", "alice", "newer elsewhere"], t.env);
    const r = await runCli(["ack", "typo", "builder", String(last.id + 9999)], t.env);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^el-ipc: .*beyond the last message of channel 'typo'/);
    noStack(r.stderr);
    const later = await cliJson<{ id: number }>(["send", "typo", "alice", "t2"], t.env);
    assert.equal((await cliJson<Msg[]>(["read", "typo", "builder", "--peek"], t.env)).length, 2);
    const acked = await cliJson<{ watermark: number }>(["ack", "typo", "builder", String(later.id)], t.env);
    assert.equal(acked.watermark, later.id);
    const back = await cliJson<{ watermark: number }>(["ack", "typo", "builder", String(last.id)], t.env);
    assert.equal(back.watermark, later.id);
  });

  it("--limit pages through a backlog", async () => {
    const lines = Array.from({ length: 30 }, (_, i) => `m${i}`);
    for (const l of lines.slice(0, 5)) await cliJson(["send", "paged", "alice", l], t.env);
    const page1 = await cliJson<Msg[]>(["read", "paged", "dave", "--limit", "2"], t.env);
    const page2 = await cliJson<Msg[]>(["read", "paged", "dave", "--limit", "2"], t.env);
    const rest = await cliJson<Msg[]>(["read", "paged", "dave"], t.env);
    assert.deepEqual(
      [...page1, ...page2, ...rest].map((m) => m.content),
      ["m0", "m1", "m2", "m3", "m4"],
    );
  });

  it("reads several channels at once, each message naming its channel", async () => {
    await cliJson(["send", "ch-a", "alice", "to a"], t.env);
    await cliJson(["send", "ch-b", "alice", "to b"], t.env);
    const msgs = await cliJson<Msg[]>(["read", "ch-a,ch-b", "erin"], t.env);
    assert.deepEqual(
      msgs.map((m) => [m.channel, m.content]),
      [
        ["ch-a", "to a"],
        ["ch-b", "to b"],
      ],
    );
  });

  it("channels lists counts; agents says open mode", async () => {
    const chans = await cliJson<{ channel: string; count: number; last_message: number }[]>(
      ["channels"],
      t.env,
    );
    const general = chans.find((c) => c.channel === "general");
    assert.equal(general?.count, 1);
    assert.equal(typeof general?.last_message, "number");
    const r = await runCli(["agents"], t.env);
    assert.equal(r.stdout.trim(), "No agents registered (open mode — anyone can send)");
    assert.deepEqual(await cliJson(["agents", "--json"], t.env), []);
  });

  it("usage errors exit 2 with one line and the usage, never a stack", async () => {
    for (const args of [["send", "general"], ["read"], ["bogus"], ["read", "a", "b", "--limit", "x"]]) {
      const r = await runCli(args, t.env);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /error|el-ipc:/);
      assert.match(r.stderr, /usage|--help/);
      noStack(r.stderr);
    }
    const bad = await runCli(["send", "bad channel", "alice", "x"], t.env);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr.trim().split("\n").length, 1);
    assert.match(bad.stderr, /whitespace/);
  });

  it("a database path that cannot be created is a one-line error", async () => {
    const r = await runCli(["send", "general", "alice", "x"], { ...t.env, IPC_DB_PATH: "/proc/nope/ipc.db" });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^el-ipc: cannot open database/);
    noStack(r.stderr);
  });

  it("read --wait blocks until another process sends, then prints and exits", async () => {
    const reader = spawnCli(["read", "waiting", "frank", "--wait"], t.env);
    const done = finished(reader);
    await delay(400);
    assert.equal(reader.exitCode, null, "reader should still be waiting");
    const sentAt = Date.now();
    await cliJson(["send", "waiting", "alice", "wake up"], t.env);
    const r = await done;
    const wokeAfter = Date.now() - sentAt;
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as Msg[])[0]?.content, "wake up");
    assert.ok(wokeAfter < 2000, `woke ${wokeAfter} ms after the send`);
    assert.deepEqual(await cliJson(["read", "waiting", "frank"], t.env), []);
  });

  it("read --wait --timeout prints [] when nothing arrives", async () => {
    const started = Date.now();
    const r = await runCli(["read", "silent", "gina", "--wait", "--timeout", "1"], t.env);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), "[]");
    assert.ok(Date.now() - started >= 900);
  });

  it("SIGTERM ends a waiting read without moving the watermark", async () => {
    const reader = spawnCli(["read", "sigterm", "hank", "--wait"], t.env);
    const done = finished(reader);
    await delay(400);
    reader.kill("SIGTERM");
    const r = await done;
    assert.equal(r.stdout, "");
    noStack(r.stderr);
    assert.notEqual(r.code, 0);
    await cliJson(["send", "sigterm", "alice", "after"], t.env);
    assert.equal((await cliJson<Msg[]>(["read", "sigterm", "hank"], t.env)).length, 1);
  });

  it("eight CLI writers at once lose nothing and never see 'database is locked'", async () => {
    const writers = Array.from({ length: 8 }, (_, w) =>
      (async () => {
        const results = [];
        for (let i = 0; i < 10; i++)
          results.push(await runCli(["send", "busy", `w${w}`, `w${w}-${i}`], t.env));
        return results;
      })(),
    );
    const all = (await Promise.all(writers)).flat();
    for (const r of all) {
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /locked/);
    }
    const ids = all.map((r) => (JSON.parse(r.stdout) as { id: number }).id);
    assert.equal(new Set(ids).size, 80);
    const got = await cliJson<Msg[]>(["read", "busy", "ivan", "--limit", "1000"], t.env);
    assert.equal(got.length, 80);
    const db = new Database(t.db, { readonly: true });
    assert.equal(db.pragma("integrity_check", { simple: true }), "ok");
    db.close();
  });

  it("keygen writes a 0600 private key and never overwrites without --force", async () => {
    const prefix = join(t.dir, "k1");
    const r = await runCli(["keygen", "--out", prefix], t.env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(statSync(`${prefix}.key`).mode & 0o777, 0o600);
    assert.match(readFileSync(`${prefix}.key`, "utf8"), /^-----BEGIN PRIVATE KEY-----/);
    assert.match(readFileSync(`${prefix}.pub`, "utf8"), /^-----BEGIN PUBLIC KEY-----/);
    const before = readFileSync(`${prefix}.key`, "utf8");
    const again = await runCli(["keygen", "--out", prefix], t.env);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /--force/);
    assert.equal(readFileSync(`${prefix}.key`, "utf8"), before);
    const forced = await runCli(["keygen", "--out", prefix, "--force"], t.env);
    assert.equal(forced.code, 0);
    assert.notEqual(readFileSync(`${prefix}.key`, "utf8"), before);
  });
});

describe("CLI, secure mode", () => {
  const t = tempDb();
  const op = join(t.dir, "op.key");
  const herald = join(t.dir, "herald");
  const other = join(t.dir, "other");
  before(async () => {
    const seeded = await runCli(["seed", "op"], t.env);
    assert.equal(seeded.code, 0, seeded.stderr);
    writeFileSync(op, seeded.stdout, { mode: 0o600 });
    for (const p of [herald, other]) assert.equal((await runCli(["keygen", "--out", p], t.env)).code, 0);
    const reg = await runCli(
      ["register", "herald", "--pubkey", `${herald}.pub`, "--as", "op", "--key", op, "--identity", "uuid-1"],
      t.env,
    );
    assert.equal(reg.code, 0, reg.stderr);
    assert.deepEqual(JSON.parse(reg.stdout), {
      ok: true,
      message: "Agent 'herald' registered by operator 'op'",
    });
  });
  after(() => t.cleanup());

  it("agents lists roles and identities like the reference", async () => {
    const r = await runCli(["agents"], t.env);
    assert.equal(r.stdout, "  [operator] op\n  [agent]    herald id=uuid-1 (registered by op)\n");
    const json = await cliJson<{ name: string; role: string }[]>(["agents", "--json"], t.env);
    assert.deepEqual(
      json.map((a) => [a.name, a.role]),
      [
        ["op", "operator"],
        ["herald", "agent"],
      ],
    );
  });

  it("sends need the sender's key; a wrong key is refused", async () => {
    const unsigned = await runCli(["send", "general", "herald", "hi"], t.env);
    assert.equal(unsigned.code, 1);
    assert.match(unsigned.stderr, /signature required/);
    const wrong = await runCli(["send", "general", "herald", "hi", "--key", `${other}.key`], t.env);
    assert.equal(wrong.code, 1);
    assert.match(
      wrong.stderr,
      /message signature refused: your key SHA256:\S+ is not herald's registered key SHA256:/,
    );
    const ok = await cliJson<{ signed: boolean }>(
      ["send", "general", "herald", "hi", "--key", `${herald}.key`],
      t.env,
    );
    assert.equal(ok.signed, true);
  });

  it("reads need the reader's key and leave the watermark alone when refused", async () => {
    const none = await runCli(["read", "general", "herald"], t.env);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /--key/);
    const wrong = await runCli(["read", "general", "herald", "--key", `${other}.key`], t.env);
    assert.equal(wrong.code, 1);
    const msgs = await cliJson<Msg[]>(["read", "general", "herald", "--key", `${herald}.key`], t.env);
    assert.equal(msgs.length, 1);
    assert.equal(msgs[0]?.signed, true);
  });

  it("refuses a key file other users can read, with the chmod that fixes it", async () => {
    const loose = join(t.dir, "loose.key");
    copyFileSync(`${herald}.key`, loose);
    chmodSync(loose, 0o644);
    const r = await runCli(["send", "general", "herald", "x", "--key", loose], t.env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /chmod 600/);
  });

  it("a taken name cannot be registered again, not even the operator's", async () => {
    for (const name of ["herald", "op"]) {
      const r = await runCli(
        ["register", name, "--pubkey", `${other}.pub`, "--as", "op", "--key", op],
        t.env,
      );
      assert.equal(r.code, 1);
      assert.match(r.stderr, /already registered/);
    }
    const json = await cliJson<{ name: string; role: string }[]>(["agents", "--json"], t.env);
    assert.equal(json.find((a) => a.name === "op")?.role, "operator");
    const seedAgain = await runCli(["seed", "op"], t.env);
    assert.equal(seedAgain.code, 1);
  });

  it("agent-card carries the first operator's did:key and the IPC_AGENT_* fields", async () => {
    const card = await cliJson<AgentCard>(["agent-card"], {
      ...t.env,
      IPC_AGENT_NAME: "team-ipc",
      IPC_AGENT_URL: "https://ipc.example/",
    });
    assert.equal(card.name, "team-ipc");
    assert.equal(card.supportedInterfaces[0]?.url, "https://ipc.example/a2a");
    assert.match(cardDid(card) ?? "", /^did:key:z6Mk[1-9A-HJ-NP-Za-km-z]+$/);
  });
});
