// The retention part of the store contract (Store.prune), registered by runStoreContract for every backend.
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import type { MessageRecord, NewMessage, Store } from "../../src/store/types.js";

/** Messages the contract makes: timestamps increase by one second per message from `base`. */
export interface PruneContractContext {
  /** The fresh store of the current test. */
  store: () => Store;
  /** A message on `channel`, stamped one second after the previous one. */
  msg: (channel: string, content: string) => NewMessage;
  /** The Unix seconds the first message of a test is stamped after. */
  base: number;
}

/** Registers the Store.prune cases inside the caller's describe. */
export function describePrune(ctx: PruneContractContext): void {
  const all = (channel?: string): Promise<MessageRecord[]> =>
    channel === undefined
      ? ctx.store().readAfter(
          [...new Set(["general", "build", "other"])].map((c) => ({ channel: c, after: 0 })),
          100_000,
        )
      : ctx.store().readAfter([{ channel, after: 0 }], 100_000);
  const contents = (ms: MessageRecord[]): string[] => ms.map((m) => m.content);
  const append = async (...ms: NewMessage[]): Promise<number[]> =>
    (await ctx.store().append(ms)).map((r) => {
      assert.ok("id" in r);
      return r.id;
    });

  describe("prune (retention)", () => {
    it("deletes nothing without options or when nothing is old enough", async () => {
      await append(ctx.msg("general", "a"), ctx.msg("general", "b"));
      assert.equal(await ctx.store().prune({}), 0);
      assert.equal(await ctx.store().prune({ before: ctx.base }), 0);
      assert.equal(await ctx.store().prune({ keepPerChannel: 2 }), 0);
      assert.deepEqual(contents(await all()), ["a", "b"]);
    });

    it("by age: deletes what was stored before the time and keeps the rest", async () => {
      await append(
        ctx.msg("general", "g1"),
        ctx.msg("build", "b1"),
        ctx.msg("general", "g2"),
        ctx.msg("build", "b2"),
        ctx.msg("general", "g3"),
      );
      // Stamps are base+1.25 ... base+5.25: three of them lie before base+3.5.
      assert.equal(await ctx.store().prune({ before: ctx.base + 3.5 }), 3);
      assert.deepEqual(contents(await all()), ["b2", "g3"]);
      assert.deepEqual((await ctx.store().listChannels()).map((c) => [c.channel, c.count]).sort(), [
        ["build", 1],
        ["general", 1],
      ]);
      assert.equal(await ctx.store().countAfter("general", 0), 1);
    });

    it("by age: also finds an old message stored after newer ones (a writer's clock behind)", async () => {
      await append(
        ctx.msg("general", "new 1"),
        { ...ctx.msg("build", "old but late"), timestamp: ctx.base - 100 },
        ctx.msg("general", "new 2"),
      );
      assert.equal(await ctx.store().prune({ before: ctx.base + 1 }), 1);
      assert.deepEqual(contents(await all()), ["new 1", "new 2"]);
    });

    it("by count: keeps the newest messages of each channel", async () => {
      await append(
        ...["g1", "g2", "g3", "g4", "g5"].map((c) => ctx.msg("general", c)),
        ...["b1", "b2"].map((c) => ctx.msg("build", c)),
      );
      assert.equal(await ctx.store().prune({ keepPerChannel: 3 }), 2);
      assert.deepEqual(contents(await all("general")), ["g3", "g4", "g5"]);
      assert.deepEqual(contents(await all("build")), ["b1", "b2"]);
      assert.equal(await ctx.store().prune({ keepPerChannel: 1 }), 3);
      assert.deepEqual(contents(await all()), ["g5", "b2"]);
    });

    it("applies age and count together", async () => {
      await append(
        ...["g1", "g2", "g3", "g4"].map((c) => ctx.msg("general", c)),
        ...["o1", "o2"].map((c) => ctx.msg("other", c)),
      );
      // Age removes g1 (base+1.25); count then keeps the two newest of general.
      assert.equal(await ctx.store().prune({ before: ctx.base + 2, keepPerChannel: 2 }), 2);
      assert.deepEqual(contents(await all()), ["g3", "g4", "o1", "o2"]);
    });

    it("stops at maxRows; the next call goes on where it stopped", async () => {
      await append(...Array.from({ length: 10 }, (_, i) => ctx.msg("general", `m${i}`)));
      const far = ctx.base + 1e6;
      assert.equal(await ctx.store().prune({ before: far, maxRows: 4 }), 4);
      assert.deepEqual(contents(await all()), ["m4", "m5", "m6", "m7", "m8", "m9"]);
      assert.equal(await ctx.store().prune({ keepPerChannel: 1, maxRows: 3 }), 3);
      assert.deepEqual(contents(await all()), ["m7", "m8", "m9"]);
      assert.equal(await ctx.store().prune({ before: far, maxRows: 100 }), 3);
      assert.equal(await ctx.store().prune({ before: far }), 0);
    });

    it("never reuses ids, so watermarks stay valid", async () => {
      const ids = await append(ctx.msg("general", "a"), ctx.msg("general", "b"), ctx.msg("general", "c"));
      const top = ids[2] as number;
      await ctx.store().advanceWatermark("bob", "general", top);
      assert.equal(await ctx.store().prune({ before: ctx.base + 1e6 }), 3);
      assert.deepEqual(await all(), []);
      const [next] = await append(ctx.msg("general", "d"));
      assert.ok((next as number) > top, `id ${next} reused (top was ${top})`);
      assert.equal((await ctx.store().getWatermarks("bob", ["general"])).get("general"), top);
      const unread = await ctx.store().readAfter([{ channel: "general", after: top }], 10);
      assert.deepEqual(contents(unread), ["d"]);
      assert.equal(await ctx.store().lastId(), next);
    });

    it("deletes a large backlog in chunks and lets appends through meanwhile", async () => {
      const n = 2100;
      await append(...Array.from({ length: n }, (_, i) => ctx.msg("general", `old ${i}`)));
      const cutoff = ctx.base + n + 0.5;
      const order: string[] = [];
      const pruning = ctx
        .store()
        .prune({ before: cutoff })
        .then((deleted) => {
          order.push("prune");
          return deleted;
        });
      const appending = append(ctx.msg("general", "new")).then(() => order.push("append"));
      const [deleted] = await Promise.all([pruning, appending]);
      assert.equal(deleted, n);
      assert.deepEqual(order, ["append", "prune"], "the append waited for the whole prune");
      assert.deepEqual(contents(await all()), ["new"]);
    });

    it("refuses invalid options", async () => {
      for (const bad of [
        { keepPerChannel: 0 },
        { keepPerChannel: 1.5 },
        { maxRows: -1 },
        { before: Number.NaN },
      ]) {
        await assert.rejects(ctx.store().prune(bad), JSON.stringify(bad));
      }
    });
  });
}
