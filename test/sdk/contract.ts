// The SDK's contract: every call of the Client, the same assertions for a real server and a local
// database (client.test.ts runs it for both).
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { generateKeyPair, parsePrivateKey } from "../../src/crypto/keys.js";
import { type Client, type ConnectOptions, connect, IpcError } from "../../src/sdk/index.js";

/** Where a contract run connects: a server or a database, seeded with operator `boss`. */
export interface ContractTarget {
  /** url+apiKey, or db. */
  where: ConnectOptions;
  /** The operator's private key (PEM). */
  operatorPem: string;
  /** A scratch folder for key files. */
  dir: string;
}

/** Runs the contract on the target `setup` opens (before each describe). */
export function clientContract(
  name: string,
  setup: () => Promise<ContractTarget & { close(): Promise<void> }>,
) {
  describe(`SDK client: ${name}`, () => {
    let t: ContractTarget & { close(): Promise<void> };
    let boss: Client;
    let alice: Client;
    let bob: Client;
    const bobPair = generateKeyPair();
    const alicePair = generateKeyPair();

    it("registers agents as the operator (key as PEM text), and they connect with a KeyObject and a key file", async () => {
      t = await setup();
      boss = await connect({ ...t.where, agent: "boss", key: t.operatorPem, env: {} });
      assert.match(await boss.register("alice", alicePair.publicKey, { identity: "a-1" }), /alice/);
      assert.match(await boss.register("bob", bobPair.publicKey), /bob/);
      alice = await connect({
        ...t.where,
        agent: "alice",
        key: parsePrivateKey(alicePair.privateKey),
        env: {},
      });
      const bobFile = join(t.dir, "bob.key");
      writeFileSync(bobFile, bobPair.privateKey, { mode: 0o600 });
      bob = await connect({ ...t.where, agent: "bob", key: bobFile, env: {} });
      assert.equal(alice.agent, "alice");
      assert.equal(alice.mode, "url" in t.where ? "remote" : "local");
    });

    it("send and sendBatch sign what they store; an idempotency key stores once", async () => {
      const r = await alice.send("general", "hello", { idempotencyKey: "k-1" });
      assert.equal(r.channel, "general");
      assert.equal(r.signed, true);
      assert.equal(r.duplicate, false);
      const again = await alice.send("general", "hello", { idempotencyKey: "k-1" });
      assert.deepEqual([again.id, again.duplicate], [r.id, true]);
      const ids = await alice.sendBatch([
        { channel: "general", content: "two" },
        { channel: "general", content: "three" },
      ]);
      assert.equal(ids.length, 2);
      const [first = 0, second = 0] = ids;
      assert.ok(first > r.id && second > first);
    });

    it("read peeks, pages, acknowledges and seeks; health counts what is pending", async () => {
      const peeked = await bob.read("general", { peek: true });
      assert.deepEqual(
        peeked.map((m) => [m.sender, m.content, m.signed]),
        [
          ["alice", "hello", true],
          ["alice", "two", true],
          ["alice", "three", true],
        ],
      );
      assert.equal((await bob.health({ channel: "general" })).pending, 3);
      const firstId = peeked[0]?.id ?? -1;
      assert.equal(await bob.ack("general", firstId), firstId);
      const one = await bob.read(["general"], { limit: 1 });
      assert.deepEqual(
        one.map((m) => m.content),
        ["two"],
      );
      assert.equal((await bob.health({ channel: "general" })).pending, 1);
      assert.equal(await bob.seek("general", "start"), 0);
      assert.equal((await bob.read("general")).length, 3);
      assert.equal((await bob.read("general")).length, 0);
      const h = await bob.health();
      assert.deepEqual([h.status, h.secure_mode, h.pending], ["ok", true, 0]);
    });

    it("read with wait returns when a message arrives", async () => {
      const waiting = bob.read("news", { wait: true, timeout: 10 });
      await new Promise((r) => setTimeout(r, 100));
      await alice.send("news", "fresh");
      const got = await waiting;
      assert.deepEqual(
        got.map((m) => m.content),
        ["fresh"],
      );
      assert.deepEqual(await bob.read("news", { wait: true, timeout: 0.2 }), []);
    });

    it("an AbortSignal ends a waiting read at once with an IpcError", async () => {
      const controller = new AbortController();
      const started = Date.now();
      const waiting = bob.read("quiet", { wait: true, timeout: 30, signal: controller.signal });
      setTimeout(() => controller.abort(), 100);
      await assert.rejects(waiting, (e) => e instanceof IpcError && e.message === "aborted");
      assert.ok(Date.now() - started < 5000);
      await assert.rejects(bob.channels({ signal: AbortSignal.abort() }), IpcError);
    });

    it("channels and agents list everything; access rules, rotation and key events are the operator's", async () => {
      const channels = await bob.channels();
      assert.deepEqual(channels.map((c) => c.channel).sort(), ["general", "news"]);
      assert.equal(channels.find((c) => c.channel === "general")?.count, 3);
      const agents = await alice.agents();
      assert.deepEqual(agents.map((a) => [a.name, a.role]).sort(), [
        ["alice", "agent"],
        ["bob", "agent"],
        ["boss", "operator"],
      ]);
      assert.match(await boss.deny("bob", "secret*", "read"), /bob/);
      assert.match(await boss.grant("bob", "team", "read,write"), /bob/);
      const rules = await boss.access("bob");
      assert.deepEqual(rules.map((r) => [r.pattern, r.permission, r.effect]).sort(), [
        ["secret*", "read", "deny"],
        ["team", "read", "allow"],
        ["team", "write", "allow"],
      ]);
      await alice.send("secret-plans", "x");
      await assert.rejects(bob.read("secret-plans"), (e) => e instanceof IpcError && e.code === "forbidden");
      await boss.unset("bob", "secret*", "read");
      assert.equal((await bob.read("secret-plans")).length, 1);
      const next = generateKeyPair();
      await boss.rotate("alice", next.publicKey);
      const events = await boss.keyEvents("alice");
      assert.deepEqual(
        events.map((e) => [e.event, e.by]),
        [["rotate", "boss"]],
      );
      // The old key stops at once.
      await assert.rejects(
        alice.send("general", "stale key"),
        (e) => e instanceof IpcError && e.status === 401,
      );
      alice = await connect({ ...t.where, agent: "alice", key: next.privateKey, env: {} });
      await alice.send("general", "new key");
    });

    it("refusals are IpcErrors with the protocol's code and status; operator calls need the key", async () => {
      const stranger = await connect({
        ...t.where,
        agent: "mallory",
        key: generateKeyPair().privateKey,
        env: {},
      });
      // A server tells an unproven caller nothing about who is registered; the database file tells all.
      const [code, status] = "url" in t.where ? ["unauthorized", 401] : ["unknown_agent", 403];
      await assert.rejects(stranger.read("general"), (e) => {
        assert.ok(e instanceof IpcError);
        assert.deepEqual([e.code, e.status], [code, status]);
        return true;
      });
      const keyless = await connect({ ...t.where, agent: "boss", env: {} });
      await assert.rejects(keyless.revoke("bob"), /needs the operator's key/);
      const nobody = await connect({ ...t.where, env: {} });
      await assert.rejects(nobody.send("general", "x"), /needs an agent/);
      await assert.rejects(
        boss.revoke("nobody-here"),
        (e) => e instanceof IpcError && e.code === "unknown_agent" && e.status === 403,
      );
      await stranger.close();
      await keyless.close();
      await nobody.close();
    });

    it("revoke ends an agent", async () => {
      assert.match(await boss.revoke("bob"), /bob/);
      await assert.rejects(bob.read("general"), IpcError);
      const agents = await boss.agents();
      assert.ok(agents.find((a) => a.name === "bob")?.revoked_at);
      await Promise.all([boss.close(), alice.close(), bob.close()]);
      await t.close();
    });
  });
}
