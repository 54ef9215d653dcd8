// Long-polls on a real listening server with real fetch: waiting does not block other requests, wakes
// on sends (also from another process's store), times out, and frees its waiter when the client leaves.
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createQueue } from "../../src/core/queue.js";
import type { Delivered } from "../../src/core/types.js";
import { type ListeningServer, listeningServer, postJson, until } from "../helpers/http.js";

describe("HTTP long-poll (real server)", () => {
  let s: ListeningServer;
  before(async () => {
    s = await listeningServer();
  });
  after(() => s.close());

  it("other requests complete while a long-poll waits, and the poll returns the message for its channel", async () => {
    const started = Date.now();
    const poll = fetch(`${s.url}/messages?channel=lp&agent=bob&wait=true&timeout=20`);
    assert.ok(await until(() => s.queue.waiting() === 1), "the long-poll is parked");

    const t0 = Date.now();
    for (let i = 0; i < 5; i++) {
      const r = await postJson(`${s.url}/send`, {
        channel: "elsewhere",
        sender: "alice",
        content: `noise ${i}`,
      });
      assert.equal(r.status, 200);
    }
    const health = await fetch(`${s.url}/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { status: string }).status, "ok");
    assert.ok(Date.now() - t0 < 1000, `other requests took ${Date.now() - t0} ms`);
    assert.equal(s.queue.waiting(), 1, "sends to other channels do not wake the poll");

    const sent = await postJson(`${s.url}/send`, { channel: "lp", sender: "alice", content: "wake up" });
    const { id } = (await sent.json()) as { id: number };
    const res = await poll;
    assert.equal(res.status, 200);
    const msgs = (await res.json()) as Delivered[];
    assert.deepEqual(
      msgs.map((m) => [m.id, m.channel, m.content]),
      [[id, "lp", "wake up"]],
    );
    assert.ok(Date.now() - started < 5000);
    assert.equal(s.queue.waiting(), 0);
  });

  it("returns [] after the timeout", async () => {
    const t0 = Date.now();
    const res = await fetch(`${s.url}/messages?channel=quiet&agent=bob&wait=true&timeout=1`);
    const elapsed = Date.now() - t0;
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), []);
    assert.ok(elapsed >= 950 && elapsed < 2500, `returned after ${elapsed} ms`);
  });

  it("returns at once when a message is already waiting", async () => {
    await postJson(`${s.url}/send`, { channel: "ready", sender: "alice", content: "here" });
    const t0 = Date.now();
    const res = await fetch(`${s.url}/messages?channel=ready&agent=bob&wait=true&timeout=10`);
    assert.equal(((await res.json()) as Delivered[]).length, 1);
    assert.ok(Date.now() - t0 < 1000);
  });

  it("frees the waiter when the client disconnects", async () => {
    const ac = new AbortController();
    const poll = fetch(`${s.url}/messages?channel=gone&agent=bob&wait=true&timeout=60`, {
      signal: ac.signal,
    });
    assert.ok(await until(() => s.queue.waiting() === 1), "the long-poll is parked");
    ac.abort();
    await assert.rejects(poll);
    assert.ok(await until(() => s.queue.waiting() === 0), `waiters left: ${s.queue.waiting()}`);
    // Nothing was consumed by the abandoned poll.
    await postJson(`${s.url}/send`, { channel: "gone", sender: "alice", content: "later" });
    const res = await fetch(`${s.url}/messages?channel=gone&agent=bob`);
    assert.equal(((await res.json()) as Delivered[]).length, 1);
  });

  it("is woken by a message another process writes to the same database", async (t) => {
    if (!s.testStore.shared) {
      t.skip(`the ${s.testStore.kind} store has no second process to write from`);
      return;
    }
    const poll = fetch(`${s.url}/messages?channel=xproc&agent=bob&wait=true&timeout=20`);
    assert.ok(await until(() => s.queue.waiting() === 1), "the long-poll is parked");
    const other = createQueue({ store: await s.testStore.open() });
    try {
      const t0 = Date.now();
      const { id } = await other.send({ channel: "xproc", sender: "cli", content: "from another process" });
      const msgs = (await (await poll).json()) as Delivered[];
      const elapsed = Date.now() - t0;
      assert.deepEqual(
        msgs.map((m) => [m.id, m.content]),
        [[id, "from another process"]],
      );
      assert.ok(elapsed < 500, `woke after ${elapsed} ms`);
    } finally {
      await other.close();
    }
  });

  it("a multi-channel long-poll wakes on any of its channels", async () => {
    const poll = fetch(`${s.url}/messages?channel=m1,m2&agent=bob&wait=true&timeout=20`);
    assert.ok(await until(() => s.queue.waiting() === 1));
    await postJson(`${s.url}/send`, { channel: "m2", sender: "alice", content: "on m2" });
    const msgs = (await (await poll).json()) as Delivered[];
    assert.deepEqual(
      msgs.map((m) => [m.channel, m.content]),
      [["m2", "on m2"]],
    );
  });

  it("holds a thousand concurrent long-polls and wakes them all with one send", async () => {
    const n = 1000;
    const polls = Array.from({ length: n }, (_, i) =>
      fetch(`${s.url}/messages?channel=crowd&agent=reader-${i}&wait=true&timeout=30`).then(
        async (r) => (await r.json()) as Delivered[],
      ),
    );
    assert.ok(await until(() => s.queue.waiting() === n, 15_000), `parked: ${s.queue.waiting()}`);
    const health = await fetch(`${s.url}/health`);
    assert.equal(health.status, 200);
    const t0 = Date.now();
    await postJson(`${s.url}/send`, { channel: "crowd", sender: "alice", content: "everyone" });
    const results = await Promise.all(polls);
    assert.ok(Date.now() - t0 < 5000, `woke all in ${Date.now() - t0} ms`);
    assert.ok(results.every((r) => r.length === 1 && r[0]?.content === "everyone"));
    assert.equal(s.queue.waiting(), 0);
  });
});

describe("HTTP server shutdown", () => {
  it("close() ends waiting long-polls at once and closes the queue", async () => {
    const s = await listeningServer();
    const poll = fetch(`${s.url}/messages?channel=bye&agent=bob&wait=true&timeout=60`);
    assert.ok(await until(() => s.queue.waiting() === 1));
    const t0 = Date.now();
    await s.close();
    assert.ok(Date.now() - t0 < 2000, `close took ${Date.now() - t0} ms`);
    const res = await poll;
    assert.equal(res.status, 200);
    // The answer tells the client not to reuse a connection of a server that is going away.
    assert.equal(res.headers.get("connection"), "close");
    assert.equal(res.headers.get("content-type"), "application/json; charset=utf-8");
    assert.deepEqual(await res.json(), []);
    await assert.rejects(fetch(`${s.url}/health`));
    await assert.rejects(s.queue.send({ channel: "bye", sender: "x", content: "closed" }));
  });
});
