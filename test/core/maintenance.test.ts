// Queue maintenance with a manual clock on a temp SQLite store: retention by age and by count, expired
// replay proofs forgotten, the periodic timer, failures reported, nothing run after close.

import { strict as assert } from "node:assert";
import { afterEach, beforeEach, describe, it } from "node:test";
import { ANONYMOUS } from "../../src/core/caller.js";
import type { RetentionPolicy } from "../../src/core/maintenance.js";
import { createQueue, type Queue } from "../../src/core/queue.js";
import type { PruneOptions, Store } from "../../src/store/types.js";
import { createManualClock, type ManualClock } from "../helpers/fixtures.js";
import { makeTestStore, type TestStore } from "../helpers/store.js";

const DAY = 86_400_000;

interface Ctx {
  tmp: TestStore;
  store: Store;
  clock: ManualClock;
  q: Queue;
  /** Calls the queue made to the store's prune and pruneExpired. */
  calls: { prune: PruneOptions[]; pruneExpired: number[] };
  /** Makes the next prune call fail. */
  failNextPrune(): void;
}

async function open(retention?: RetentionPolicy): Promise<Ctx> {
  const tmp = await makeTestStore();
  const real = await tmp.open();
  const calls: Ctx["calls"] = { prune: [], pruneExpired: [] };
  let fail = false;
  const store: Store = {
    ...real,
    async prune(opts) {
      calls.prune.push(opts);
      if (fail) {
        fail = false;
        throw new Error("disk on fire");
      }
      return real.prune(opts);
    },
    async pruneExpired(now) {
      calls.pruneExpired.push(now);
      return real.pruneExpired(now);
    },
  };
  const clock = createManualClock();
  const q = createQueue({ store, clock: clock.now, ...(retention ? { retention } : {}) });
  return {
    tmp,
    store,
    clock,
    q,
    calls,
    failNextPrune: () => {
      fail = true;
    },
  };
}

async function contents(c: Ctx, channels: string[]): Promise<string[]> {
  return (await c.q.read(ANONYMOUS, { channels, agent: `reader-${Math.random()}`, limit: 1000 })).map(
    (m) => m.content,
  );
}

describe("queue maintenance", () => {
  let c: Ctx;
  afterEach(async () => {
    await c.q.close();
    await c.tmp.cleanup();
  });

  describe("with retention age=7d,count=3", () => {
    beforeEach(async () => {
      c = await open({ maxAgeMs: 7 * DAY, keepPerChannel: 3 });
    });

    it("drops messages older than the age and keeps the newest per channel", async () => {
      await c.q.send({ channel: "general", sender: "alice", content: "ancient" });
      c.clock.advance(8 * DAY);
      for (const m of ["g1", "g2", "g3", "g4"])
        await c.q.send({ channel: "general", sender: "alice", content: m });
      await c.q.send({ channel: "build", sender: "alice", content: "b1" });
      const bob = await c.q.read(ANONYMOUS, { channels: ["general"], agent: "bob", limit: 2 });
      assert.deepEqual(
        bob.map((m) => m.content),
        ["ancient", "g1"],
      );

      assert.deepEqual(await c.q.maintain(), { pruned: 2 });
      assert.deepEqual(await contents(c, ["general", "build"]), ["g2", "g3", "g4", "b1"]);
      // The age limit is measured from the queue's clock, in Unix seconds.
      const opts = c.calls.prune[0];
      assert.equal(opts?.before, (c.clock.now() - 7 * DAY) / 1000);
      assert.equal(opts?.keepPerChannel, 3);
      // bob's watermark points at a deleted message and still works.
      assert.deepEqual(
        (await c.q.read(ANONYMOUS, { channels: ["general"], agent: "bob" })).map((m) => m.content),
        ["g2", "g3", "g4"],
      );
      assert.deepEqual(await c.q.maintain(), { pruned: 0 });
    });

    it("also forgets expired replay proofs on every pass", async () => {
      await c.q.maintain();
      c.clock.advance(1000);
      await c.q.maintain();
      assert.deepEqual(c.calls.pruneExpired, [c.clock.now() - 1000, c.clock.now()]);
    });

    it("runs a pass at once and then periodically; reports failures and goes on", async () => {
      const errors: unknown[] = [];
      c.failNextPrune();
      c.q.startMaintenance(20, (e) => errors.push(e));
      for (let i = 0; c.calls.prune.length < 3; i++) {
        assert.ok(i < 500, "maintenance did not run three passes");
        await new Promise((r) => setTimeout(r, 5));
      }
      assert.equal(errors.length, 1);
      assert.match(String(errors[0]), /disk on fire/);
      assert.ok(c.calls.pruneExpired.length >= 1, "later passes also forget expired proofs");
      c.q.stopMaintenance();
      const passes = c.calls.prune.length;
      await new Promise((r) => setTimeout(r, 60));
      assert.equal(c.calls.prune.length, passes, "no pass after stopMaintenance");
    });

    it("close stops the periodic passes", async () => {
      c.q.startMaintenance(10);
      for (let i = 0; c.calls.pruneExpired.length < 1; i++) {
        assert.ok(i < 500);
        await new Promise((r) => setTimeout(r, 5));
      }
      await c.q.close();
      const passes = c.calls.prune.length;
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(c.calls.prune.length, passes);
    });
  });

  it("without retention keeps every message but still forgets expired proofs", async () => {
    c = await open();
    await c.q.send({ channel: "general", sender: "alice", content: "old" });
    c.clock.advance(1000 * DAY);
    assert.deepEqual(await c.q.maintain(), { pruned: 0 });
    assert.deepEqual(c.calls.prune, []);
    assert.equal(c.calls.pruneExpired.length, 1);
    assert.deepEqual(await contents(c, ["general"]), ["old"]);
  });
});
