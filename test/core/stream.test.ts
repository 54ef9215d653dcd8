// queue.stream on a temp SQLite store: checks before it starts, pages, waiting, resume positions,
// autoack timing and ending on abort or close.

import { strict as assert } from "node:assert";
import { afterEach, beforeEach, describe, it } from "node:test";
import { ANONYMOUS } from "../../src/core/caller.js";
import { IpcError } from "../../src/core/errors.js";
import { createQueue, type Queue } from "../../src/core/queue.js";
import type { Delivered } from "../../src/core/types.js";
import type { Store } from "../../src/store/types.js";
import { within } from "../helpers/fixtures.js";
import { makeTestStore, type TestStore } from "../helpers/store.js";

describe("queue.stream", () => {
  let tmp: TestStore;
  let store: Store;
  let q: Queue;
  let ac: AbortController;
  let reads: number;
  beforeEach(async () => {
    tmp = await makeTestStore();
    const real = await tmp.open();
    reads = 0;
    store = {
      ...real,
      readAfter(positions, limit) {
        reads++;
        return real.readAfter(positions, limit);
      },
    };
    q = createQueue({ store, limits: { defaultPage: 2 } });
    ac = new AbortController();
  });
  afterEach(async () => {
    ac.abort();
    await q.close();
    await tmp.cleanup();
  });

  const send = async (channel: string, content: string) =>
    (await q.send({ channel, sender: "alice", content })).id;
  const open = (extra: Partial<Parameters<Queue["stream"]>[1]> = {}) =>
    q.stream(ANONYMOUS, { channels: ["s"], agent: "bob", signal: ac.signal, ...extra });
  const watermark = async (channel = "s") => (await store.getWatermarks("bob", [channel])).get(channel);

  it("refuses a bad request when it is opened, before any message", async () => {
    await assert.rejects(
      open({ channels: ["@carol"] }),
      (e) => e instanceof IpcError && e.code === "forbidden",
    );
    await assert.rejects(
      open({ channels: [] }),
      (e) => e instanceof IpcError && e.code === "invalid_argument",
    );
    await assert.rejects(open({ after: -1 }), (e) => e instanceof IpcError && e.code === "invalid_argument");
  });

  it("reads the backlog a page at a time, then waits for new messages", async () => {
    const ids = [];
    for (const m of ["a", "b", "c", "d", "e"]) ids.push(await send("s", m));
    const events = await open();
    const got: Delivered[] = [];
    for (let i = 0; i < 5; i++) got.push((await events.next()).value as Delivered);
    assert.deepEqual(
      got.map((m) => m.id),
      ids,
    );
    assert.equal(reads, 3, "five messages in pages of two");
    const next = events.next();
    assert.equal(await within(next, 50), "timeout");
    assert.equal(q.waiting(), 1);
    const id = await send("s", "f");
    assert.equal(((await next).value as Delivered).id, id);
    assert.equal(await watermark(), 0, "without autoack the watermark stays");
  });

  it("starts after `after` when given, else after the watermark", async () => {
    const [a, b] = [await send("s", "a"), await send("s", "b")];
    await q.ack(ANONYMOUS, { channel: "s", agent: "bob", id: a });
    const fromMark = await open();
    assert.equal(((await fromMark.next()).value as Delivered).id, b);
    const fromZero = await open({ after: 0 });
    assert.equal(((await fromZero.next()).value as Delivered).id, a);
  });

  it("with autoack, acknowledges a message when the consumer asks for the next one", async () => {
    const [a, b] = [await send("s", "a"), await send("s", "b")];
    const events = await open({ autoack: true });
    assert.equal(((await events.next()).value as Delivered).id, a);
    assert.equal(await watermark(), 0, "not acknowledged while the consumer is still writing it");
    assert.equal(((await events.next()).value as Delivered).id, b);
    assert.equal(await watermark(), a);
    const waiting = events.next();
    assert.equal(await within(waiting, 30), "timeout");
    assert.equal(await watermark(), b);
  });

  it("ends when the signal aborts or the queue closes, freeing its waiter", async () => {
    const events = await open();
    const next = events.next();
    assert.equal(await within(next, 20), "timeout");
    ac.abort();
    assert.deepEqual(await next, { done: true, value: undefined });
    assert.equal(q.waiting(), 0);

    const other = await q.stream(ANONYMOUS, {
      channels: ["s"],
      agent: "carol",
      signal: new AbortController().signal,
    });
    const pending = other.next();
    assert.equal(await within(pending, 20), "timeout");
    await q.close();
    assert.deepEqual(await pending, { done: true, value: undefined });
  });
});
