// The dashboard views part of the store contract, for backends that have them (Store.views), registered
// by runStoreContract.
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import type { NewMessage, Store } from "../../src/store/types.js";

/** Registers the view cases inside the caller's describe. */
export function describeViews(ctx: {
  store: () => Store;
  msg: (channel: string, content: string) => NewMessage;
}): void {
  describe("dashboard views", () => {
    it("lists the newest messages, of all channels or one, newest first and bounded", async (t) => {
      const store = ctx.store();
      if (!store.views) return t.skip("this backend has no dashboard views");
      await store.append([ctx.msg("a", "1"), ctx.msg("b", "2"), ctx.msg("a", "3"), ctx.msg("b", "4")]);
      assert.deepEqual(
        (await store.views.newestMessages(undefined, 3)).map((m) => m.content),
        ["4", "3", "2"],
      );
      assert.deepEqual(
        (await store.views.newestMessages("a", 10)).map((m) => [m.channel, m.content]),
        [
          ["a", "3"],
          ["a", "1"],
        ],
      );
      assert.deepEqual(await store.views.newestMessages("none", 10), []);
    });

    it("lists watermarks by agent and channel, bounded", async (t) => {
      const store = ctx.store();
      if (!store.views) return t.skip("this backend has no dashboard views");
      const [first] = await store.append([ctx.msg("a", "1"), ctx.msg("b", "2")]);
      const id = first && "id" in first ? first.id : 0;
      await store.advanceWatermark("zed", "a", id);
      await store.advanceWatermark("amy", "b", id + 1);
      await store.advanceWatermark("amy", "a", id);
      assert.deepEqual(await store.views.listWatermarks(10), [
        { agent: "amy", channel: "a", after: id },
        { agent: "amy", channel: "b", after: id + 1 },
        { agent: "zed", channel: "a", after: id },
      ]);
      assert.equal((await store.views.listWatermarks(2)).length, 2);
    });
  });
}
