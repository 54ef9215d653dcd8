// client.subscribe(): over SSE from a real server process that is killed and restarted mid-stream (manual
// acks: nothing lost, nothing doubled), with auto acks, on a local database, and the SSE parser itself.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { LOCAL } from "../../src/core/caller.js";
import { generateKeyPair } from "../../src/crypto/keys.js";
import { sseEvents } from "../../src/sdk/event-stream.js";
import { type Client, connect, type Message } from "../../src/sdk/index.js";
import { openDatabase } from "../../src/sdk/local.js";
import { delay, freePort, startServerProcess, tempDb } from "../helpers/cli.js";
import { within } from "../helpers/fixtures.js";
import { listeningServer } from "../helpers/http.js";

/** A database with operator boss and agents alice and bob; resolves to their private keys. */
async function seeded(db: string): Promise<{ alice: string; bob: string }> {
  const q = await openDatabase({ path: db, env: {} });
  const { privateKey } = await q.seed(LOCAL, "boss");
  await q.close();
  const boss = await connect({ db, agent: "boss", key: privateKey, env: {} });
  const alice = generateKeyPair();
  const bob = generateKeyPair();
  await boss.register("alice", alice.publicKey);
  await boss.register("bob", bob.publicKey);
  await boss.close();
  return { alice: alice.privateKey, bob: bob.privateKey };
}

/** Sends until the server takes it (it may be restarting). */
async function sendSurely(c: Client, channel: string, content: string): Promise<void> {
  for (;;) {
    try {
      await c.send(channel, content);
      return;
    } catch {
      await delay(50);
    }
  }
}

describe("subscribe over SSE", () => {
  const tmp = tempDb();
  after(() => tmp.cleanup());

  it("a server killed and restarted mid-stream: manual acks, nothing lost, nothing doubled", async () => {
    const keys = await seeded(tmp.db);
    const port = String(await freePort());
    let server = await startServerProcess(tmp.env, [], port);
    const url = server.url;
    const alice = await connect({ url, agent: "alice", key: keys.alice, env: {} });
    const bob = await connect({ url, agent: "bob", key: keys.bob, env: {} });
    const N = 40;
    const received: string[] = [];
    const controller = new AbortController();
    let unacked: Message | undefined;
    try {
      const consumer = (async () => {
        for await (const m of bob.subscribe(["work", "other"], {
          ack: "manual",
          signal: controller.signal,
        })) {
          received.push(m.content);
          unacked = m;
          // Acknowledged in sevens, so the stream must resume after what it delivered, not at the watermark.
          if (received.length % 7 === 0) {
            await bob.ack(m.channel, m.id).then(
              () => {
                if (unacked === m) unacked = undefined;
              },
              () => undefined,
            );
          }
          if (received.length === N) controller.abort();
        }
      })();
      for (let i = 0; i < N; i++) {
        await sendSurely(alice, "work", `m${i}`);
        // After m24: m22 to m24 are delivered but not acknowledged yet.
        if (i === 24) {
          await delay(100);
          server.child.kill("SIGKILL");
          await server.stop();
          server = await startServerProcess(tmp.env, [], port);
        }
      }
      const ended = await within(consumer, 20_000);
      assert.notEqual(ended, "timeout", `stalled after ${received.length}: ${received.join(" ")}`);
      assert.deepEqual(
        received,
        Array.from({ length: N }, (_, i) => `m${i}`),
      );
      if (unacked) await bob.ack(unacked.channel, unacked.id);
      // Every message acknowledged: a new subscription starts with nothing.
      assert.deepEqual(await bob.read("work"), []);
    } finally {
      controller.abort();
      await server.stop();
    }
  });
});

describe("subscribe over SSE, auto acks", () => {
  it("acknowledges each message when the loop asks for the next; breaking leaves the last unread", async () => {
    const server = await listeningServer();
    try {
      const alice = await connect({ url: server.url, agent: "alice", env: {} });
      const bob = await connect({ url: server.url, agent: "bob", env: {} });
      await alice.sendBatch([
        { channel: "auto", content: "one" },
        { channel: "auto", content: "two" },
        { channel: "auto", content: "three" },
      ]);
      const got: string[] = [];
      for await (const m of bob.subscribe("auto")) {
        got.push(m.content);
        if (got.length === 2) break;
      }
      assert.deepEqual(got, ["one", "two"]);
      // "one" was acknowledged when "two" was asked for; "two" was being handled when the loop broke.
      assert.deepEqual(
        (await bob.read("auto")).map((m) => m.content),
        ["two", "three"],
      );
    } finally {
      await server.close();
    }
  });
});

describe("subscribe on a local database", () => {
  const tmp = tempDb();
  after(() => tmp.cleanup());

  it("auto acks each message when the loop asks for the next; an abort ends the loop", async () => {
    const keys = await seeded(tmp.db);
    const alice = await connect({ db: tmp.db, agent: "alice", key: keys.alice, env: {} });
    const bob = await connect({ db: tmp.db, agent: "bob", key: keys.bob, env: {} });
    await alice.send("local", "first");
    const controller = new AbortController();
    const got: string[] = [];
    const loop = (async () => {
      for await (const m of bob.subscribe("local", { signal: controller.signal })) {
        got.push(m.content);
        if (got.length === 2) setTimeout(() => controller.abort(), 50);
      }
    })();
    await delay(100);
    await alice.send("local", "second");
    await loop;
    assert.deepEqual(got, ["first", "second"]);
    assert.equal((await bob.health({ channel: "local" })).pending, 0);
    await Promise.all([alice.close(), bob.close()]);
  });
});

describe("the SSE parser", () => {
  it("keeps event ids as sent (opaque cursors too), joins data lines, splits on any line end", async () => {
    const text =
      ': hi\r\nid: 42,,17\r\ndata: {"a":\ndata: 1}\r\n\r\nevent: error\ndata: x\n\nid: 7\rdata: y\r\r';
    const bytes = new TextEncoder().encode(text);
    // Chunks of 3 bytes: lines and \r\n pairs split across reads.
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < bytes.length; i += 3) c.enqueue(bytes.slice(i, i + 3));
        c.close();
      },
    });
    const events = [];
    for await (const e of sseEvents(body, undefined)) events.push(e);
    assert.deepEqual(events, [
      { event: "message", data: '{"a":\n1}', lastEventId: "42,,17" },
      { event: "error", data: "x", lastEventId: "42,,17" },
      { event: "message", data: "y", lastEventId: "7" },
    ]);
  });
});
