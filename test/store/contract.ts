// The contract every Store backend keeps, in queue terms. A backend's test calls runStoreContract in a few
// lines; nothing here knows SQL or any other backend detail.
import { strict as assert } from "node:assert";
import { afterEach, beforeEach, describe, it } from "node:test";
import { messageBytes } from "../../src/core/limits.js";
import type { AgentRecord, MessageRecord, NewMessage, Store, StoreChange } from "../../src/store/types.js";
import { within } from "../helpers/fixtures.js";
import { describePrune } from "./prune-contract.js";
import { describeSecurity } from "./security-contract.js";
import { describeTokens } from "./token-contract.js";
import { describeViews } from "./views-contract.js";

/** What a backend's factory hands the contract for one test. */
export interface StoreFixture {
  /** A fresh, empty store. */
  store: Store;
  /** Opens a second store on the same database (another process or server), closed by the test. */
  makeSibling?: () => Promise<Store>;
  /** Closes the store (if the test did not) and removes whatever the factory created. */
  cleanup(): Promise<void>;
}

const BASE_SECONDS = 1_800_000_000;
const HOUR_MS = 60 * 60 * 1000;

/** Registers the contract tests for one backend. */
export function runStoreContract(name: string, makeStore: () => Promise<StoreFixture>): void {
  describe(`Store contract: ${name}`, () => {
    let fx: StoreFixture;
    let store: Store;
    // Every message gets a later timestamp than the one before, like a real clock.
    let tick = 0;
    const msg = (channel: string, content: string, extra: Partial<NewMessage> = {}): NewMessage => ({
      channel,
      sender: "alice",
      content,
      timestamp: BASE_SECONDS + ++tick + 0.25,
      signature: "",
      sigVersion: 0,
      sigTimestamp: null,
      sigNonce: null,
      ...extra,
    });
    const idOf = (r: unknown): number => {
      assert.ok(r && typeof r === "object" && "id" in r, `expected a stored id, got ${JSON.stringify(r)}`);
      return (r as { id: number }).id;
    };
    const appendOne = async (m: NewMessage): Promise<number> => {
      const [r] = await store.append([m]);
      return idOf(r);
    };
    const readAll = (channel: string): Promise<MessageRecord[]> =>
      store.readAfter([{ channel, after: 0 }], 10_000);
    const contents = (ms: MessageRecord[]): string[] => ms.map((m) => m.content);

    beforeEach(async () => {
      tick = 0;
      fx = await makeStore();
      store = fx.store;
    });
    afterEach(async () => {
      await fx.cleanup();
    });

    describe("append", () => {
      it("returns increasing ids across calls, and lastId follows", async () => {
        assert.equal(await store.lastId(), 0);
        const a = await appendOne(msg("general", "one"));
        const b = await appendOne(msg("build", "two"));
        const c = await appendOne(msg("general", "three"));
        assert.ok(a > 0 && b > a && c > b, `ids ${a}, ${b}, ${c} do not increase`);
        assert.equal(await store.lastId(), c);
      });

      it("stores every field exactly as given", async () => {
        const v2 = msg("ünïcødé-chan", 'multi\nline 🚀 漢字 "q" \\ end\n', {
          sender: "agent-a",
          timestamp: 1_795_626_833.2784224,
          signature: `${"A".repeat(86)}==`,
          sigVersion: 2,
          sigTimestamp: 1_795_626_833_278,
          sigNonce: "nonce_0123456789-abc",
        });
        const v1 = msg("general", "", { signature: `${"B".repeat(86)}==`, sigVersion: 1 });
        const plain = msg("general", "x".repeat(5000));
        const [r2, r1, r0] = await store.append([v2, v1, plain]);
        const expected: MessageRecord[] = [
          { ...strip(v2), id: idOf(r2) },
          { ...strip(v1), id: idOf(r1) },
          { ...strip(plain), id: idOf(r0) },
        ];
        const got = await store.readAfter(
          [
            { channel: "ünïcødé-chan", after: 0 },
            { channel: "general", after: 0 },
          ],
          10,
        );
        assert.deepEqual(got, expected);
        assert.deepEqual(r2, { id: idOf(r2), duplicate: false });
      });

      it("resolves an empty call to an empty list", async () => {
        assert.deepEqual(await store.append([]), []);
        assert.equal(await store.lastId(), 0);
      });

      it("stores a batch in order with increasing ids", async () => {
        const batch = ["b1", "g1", "b2", "g2", "b3"].map((c) =>
          msg(c.startsWith("b") ? "build" : "general", c),
        );
        const results = await store.append(batch);
        const ids = results.map(idOf);
        assert.equal(ids.length, 5);
        for (let i = 1; i < ids.length; i++) assert.ok((ids[i] as number) > (ids[i - 1] as number), `${ids}`);
        assert.deepEqual(contents(await readAll("build")), ["b1", "b2", "b3"]);
        const merged = await store.readAfter(
          [
            { channel: "general", after: 0 },
            { channel: "build", after: 0 },
          ],
          10,
        );
        assert.deepEqual(contents(merged), ["b1", "g1", "b2", "g2", "b3"]);
        assert.deepEqual(
          merged.map((m) => m.id),
          ids,
        );
      });

      it("stores none of a call's messages when one of them is a replay", async () => {
        await appendOne(msg("general", "first use", { replayGuard: { key: "used", expiresAt: null } }));
        const before = await store.lastId();
        const results = await store.append([
          msg("general", "a", { replayGuard: { key: "fresh", expiresAt: null } }),
          msg("general", "b", { replayGuard: { key: "used", expiresAt: null } }),
          msg("build", "c"),
        ]);
        assert.deepEqual(results, [{ replayed: true }, { replayed: true }, { replayed: true }]);
        assert.equal(await store.lastId(), before);
        assert.deepEqual(contents(await readAll("general")), ["first use"]);
        assert.equal(await store.countAfter("build", 0), 0);
        // The undone call did not consume its other proof.
        assert.equal(await store.useProof({ key: "fresh", expiresAt: null }), true);
      });

      it("stores none of a failing call's messages and keeps the calls made beside it", async () => {
        const bad = msg("general", "never stored");
        const broken = { ...msg("general", "x"), content: null } as unknown as NewMessage;
        const [good, failing, alsoGood] = await Promise.allSettled([
          store.append([msg("build", "kept 1")]),
          store.append([bad, broken]),
          store.append([msg("build", "kept 2")]),
        ]);
        assert.equal(failing?.status, "rejected");
        assert.equal(good?.status, "fulfilled");
        assert.equal(alsoGood?.status, "fulfilled");
        assert.deepEqual(contents(await readAll("build")), ["kept 1", "kept 2"]);
        assert.deepEqual(await readAll("general"), []);
      });

      it("fails a single failing message alone, keeping the single messages beside it", async () => {
        const broken = { ...msg("general", "x"), content: null } as unknown as NewMessage;
        const [before, failing, after] = await Promise.allSettled([
          store.append([msg("build", "one")]),
          store.append([broken]),
          store.append([msg("build", "two")]),
        ]);
        assert.equal(failing?.status, "rejected");
        assert.equal(before?.status, "fulfilled");
        assert.equal(after?.status, "fulfilled");
        assert.deepEqual(contents(await readAll("build")), ["one", "two"]);
        assert.deepEqual(await readAll("general"), []);
      });

      it("gives 200 concurrent appends distinct ids, all readable", async () => {
        const results = await Promise.all(
          Array.from({ length: 200 }, (_, i) => store.append([msg(`c${i % 3}`, `m${i}`)])),
        );
        const ids = results.map((r) => idOf(r[0]));
        assert.equal(new Set(ids).size, 200);
        const all = await store.readAfter(
          ["c0", "c1", "c2"].map((channel) => ({ channel, after: 0 })),
          1000,
        );
        assert.equal(all.length, 200);
        const byId = new Map(all.map((m) => [m.id, m.content]));
        ids.forEach((id, i) => {
          assert.equal(byId.get(id), `m${i}`);
        });
        assert.equal(await store.lastId(), Math.max(...ids));
      });
    });

    describe("replay guards", () => {
      it("refuses a second message with the same key and stores nothing", async () => {
        const guard = { key: "n:alice:abc", expiresAt: null };
        const first = await store.append([msg("general", "one", { replayGuard: guard })]);
        assert.deepEqual(first, [{ id: idOf(first[0]), duplicate: false }]);
        const second = await store.append([msg("general", "two", { replayGuard: guard })]);
        assert.deepEqual(second, [{ replayed: true }]);
        assert.deepEqual(contents(await readAll("general")), ["one"]);
      });

      it("refuses a key used twice inside one call", async () => {
        const guard = { key: "twice", expiresAt: 5_000 };
        const r = await store.append([
          msg("general", "a", { replayGuard: guard }),
          msg("general", "b", { replayGuard: guard }),
        ]);
        assert.deepEqual(r, [{ replayed: true }, { replayed: true }]);
        assert.equal(await store.lastId(), 0);
      });

      it("forgets expired keys on pruneExpired, keeps unexpired and permanent ones", async () => {
        await appendOne(msg("general", "old", { replayGuard: { key: "old", expiresAt: 1_000 } }));
        await appendOne(msg("general", "young", { replayGuard: { key: "young", expiresAt: 10_000 } }));
        await appendOne(msg("general", "forever", { replayGuard: { key: "forever", expiresAt: null } }));
        await store.pruneExpired(2_000);
        await appendOne(msg("general", "old again", { replayGuard: { key: "old", expiresAt: 3_000 } }));
        assert.deepEqual(
          await store.append([msg("general", "x", { replayGuard: { key: "young", expiresAt: 10_000 } })]),
          [{ replayed: true }],
        );
        await store.pruneExpired(Number.MAX_SAFE_INTEGER);
        assert.deepEqual(
          await store.append([msg("general", "y", { replayGuard: { key: "forever", expiresAt: null } })]),
          [{ replayed: true }],
        );
        assert.equal(await store.useProof({ key: "young", expiresAt: 10_000 }), true);
        assert.deepEqual(contents(await readAll("general")), ["old", "young", "forever", "old again"]);
      });
    });

    describe("useProof", () => {
      it("accepts a proof once", async () => {
        assert.equal(await store.useProof({ key: "p1", expiresAt: 5_000 }), true);
        assert.equal(await store.useProof({ key: "p1", expiresAt: 5_000 }), false);
        assert.equal(await store.useProof({ key: "p2", expiresAt: null }), true);
      });

      it("shares its keys with message replay guards", async () => {
        assert.equal(await store.useProof({ key: "shared", expiresAt: null }), true);
        assert.deepEqual(
          await store.append([msg("general", "m", { replayGuard: { key: "shared", expiresAt: null } })]),
          [{ replayed: true }],
        );
        await appendOne(msg("general", "m2", { replayGuard: { key: "shared-2", expiresAt: null } }));
        assert.equal(await store.useProof({ key: "shared-2", expiresAt: null }), false);
      });

      it("accepts an expired proof again after pruneExpired, never a permanent one", async () => {
        assert.equal(await store.useProof({ key: "e", expiresAt: 100 }), true);
        assert.equal(await store.useProof({ key: "p", expiresAt: null }), true);
        await store.pruneExpired(101);
        assert.equal(await store.useProof({ key: "e", expiresAt: 200 }), true);
        assert.equal(await store.useProof({ key: "p", expiresAt: null }), false);
      });
    });

    describe("idempotency keys", () => {
      it("returns the first id with duplicate: true and stores nothing new", async () => {
        const [first] = await store.append([msg("general", "once", { idempotencyKey: "k1" })]);
        assert.deepEqual(first, { id: idOf(first), duplicate: false });
        const [again] = await store.append([msg("general", "once", { idempotencyKey: "k1" })]);
        assert.deepEqual(again, { id: idOf(first), duplicate: true });
        assert.deepEqual(contents(await readAll("general")), ["once"]);
        assert.equal(await store.lastId(), idOf(first));
      });

      it("answers a key reused on another channel or with other content as a conflict, without an id", async () => {
        const [first] = await store.append([msg("general", "once", { idempotencyKey: "k1" })]);
        assert.deepEqual(await store.append([msg("general", "other", { idempotencyKey: "k1" })]), [
          { conflict: true },
        ]);
        assert.deepEqual(await store.append([msg("secret", "once", { idempotencyKey: "k1" })]), [
          { conflict: true },
        ]);
        // A conflict undoes its whole call.
        const r = await store.append([
          msg("general", "fine", { idempotencyKey: "k2" }),
          msg("general", "clash", { idempotencyKey: "k1" }),
        ]);
        assert.deepEqual(r, [{ conflict: true }, { conflict: true }]);
        assert.deepEqual(contents(await readAll("general")), ["once"]);
        assert.equal(await store.lastId(), idOf(first));
      });

      it("consumes the proof before the key: a used proof learns no id but its own message's", async () => {
        const signed = { signature: "sig-secret", sigVersion: 2 as const };
        const [secret] = await store.append([
          msg("secret", "hidden", {
            ...signed,
            idempotencyKey: "k",
            replayGuard: { key: "n:alice:1", expiresAt: null },
          }),
        ]);
        await store.append([msg("public", "seen", { replayGuard: { key: "n:alice:2", expiresAt: null } })]);
        // Someone re-posts the public message (its proof already used) with the secret message's key.
        const probe = msg("public", "seen", {
          idempotencyKey: "k",
          replayGuard: { key: "n:alice:2", expiresAt: null },
        });
        assert.deepEqual(await store.append([probe]), [{ replayed: true }]);
        // Even with the same channel and content, a used proof only matches the stored signed body.
        const copy = msg("secret", "hidden", {
          idempotencyKey: "k",
          replayGuard: { key: "n:alice:2", expiresAt: null },
        });
        assert.deepEqual(await store.append([copy]), [{ replayed: true }]);
        assert.equal(await store.countAfter("secret", 0), 1);
        assert.ok(idOf(secret) > 0);
      });

      it("keeps keys per sender", async () => {
        const [a] = await store.append([msg("general", "from alice", { idempotencyKey: "k" })]);
        const [b] = await store.append([msg("general", "from bob", { sender: "bob", idempotencyKey: "k" })]);
        assert.notEqual(idOf(a), idOf(b));
        assert.deepEqual(b, { id: idOf(b), duplicate: false });
        assert.equal(await store.countAfter("general", 0), 2);
      });

      it("answers a retried signed send as a duplicate, not a replay", async () => {
        const m = msg("general", "signed", {
          idempotencyKey: "k",
          replayGuard: { key: "n:alice:x", expiresAt: null },
        });
        const [first] = await store.append([m]);
        const [retry] = await store.append([m]);
        assert.deepEqual(retry, { id: idOf(first), duplicate: true });
      });

      it("forgets a key outside the window and after pruneExpired", async () => {
        const t0 = BASE_SECONDS;
        const [first] = await store.append([msg("general", "a", { idempotencyKey: "k", timestamp: t0 })]);
        const [late] = await store.append([
          msg("general", "b", { idempotencyKey: "k", timestamp: t0 + 48 * 3600 }),
        ]);
        assert.deepEqual(late, { id: idOf(late), duplicate: false });
        assert.ok(idOf(late) > idOf(first));
        await store.pruneExpired((t0 + 200 * 3600) * 1000);
        const [afterPrune] = await store.append([
          msg("general", "c", { idempotencyKey: "k", timestamp: t0 + 48 * 3600 }),
        ]);
        assert.deepEqual(afterPrune, { id: idOf(afterPrune), duplicate: false });
        assert.deepEqual(contents(await readAll("general")), ["a", "b", "c"]);
      });

      it("keeps a key inside the window through pruneExpired", async () => {
        const t0 = BASE_SECONDS;
        const [first] = await store.append([msg("general", "a", { idempotencyKey: "k", timestamp: t0 })]);
        await store.pruneExpired(t0 * 1000 + HOUR_MS);
        const [again] = await store.append([
          msg("general", "a", { idempotencyKey: "k", timestamp: t0 + 3600 }),
        ]);
        assert.deepEqual(again, { id: idOf(first), duplicate: true });
      });
    });

    describe("readAfter, countAfter, lastId", () => {
      let ids: Record<string, number>;
      beforeEach(async () => {
        ids = {};
        for (const c of ["a1", "b1", "a2", "c1", "b2", "a3", "c2", "b3", "a4"]) {
          ids[c] = await appendOne(msg(c[0] as string, c));
        }
      });
      const id = (c: string): number => ids[c] as number;

      it("reads one channel after a position, oldest first", async () => {
        assert.deepEqual(contents(await store.readAfter([{ channel: "a", after: 0 }], 100)), [
          "a1",
          "a2",
          "a3",
          "a4",
        ]);
        assert.deepEqual(contents(await store.readAfter([{ channel: "a", after: id("a2") }], 100)), [
          "a3",
          "a4",
        ]);
        assert.deepEqual(await store.readAfter([{ channel: "a", after: id("a4") }], 100), []);
        assert.deepEqual(await store.readAfter([{ channel: "nope", after: 0 }], 100), []);
        assert.deepEqual(await store.readAfter([], 100), []);
      });

      it("stops a page before the message that would take it beyond maxBytes, but always gives one", async () => {
        const one = messageBytes({ content: "a1", channel: "a", sender: "alice", signature: "" });
        const page = (maxBytes: number) =>
          store.readAfter([{ channel: "a", after: 0 }], 100, maxBytes).then(contents);
        assert.deepEqual(await page(2 * one), ["a1", "a2"]);
        assert.deepEqual(await page(2 * one + 1), ["a1", "a2"]);
        assert.deepEqual(await page(1), ["a1"]);
        const merged = await store.readAfter(
          [
            { channel: "a", after: 0 },
            { channel: "b", after: 0 },
          ],
          100,
          3 * one,
        );
        assert.deepEqual(contents(merged), ["a1", "b1", "a2"]);
      });

      it("merges several positions in id order, each from its own position", async () => {
        const got = await store.readAfter(
          [
            { channel: "a", after: id("a2") },
            { channel: "b", after: 0 },
            { channel: "c", after: id("c1") },
          ],
          100,
        );
        assert.deepEqual(contents(got), ["b1", "b2", "a3", "c2", "b3", "a4"]);
        assert.deepEqual(
          got.map((m) => m.id),
          [id("b1"), id("b2"), id("a3"), id("c2"), id("b3"), id("a4")],
        );
      });

      it("returns each message once when a channel is listed twice (from the lower position)", async () => {
        const got = await store.readAfter(
          [
            { channel: "a", after: id("a3") },
            { channel: "b", after: id("b2") },
            { channel: "a", after: id("a1") },
          ],
          100,
        );
        assert.deepEqual(contents(got), ["a2", "a3", "b3", "a4"]);
      });

      it("honours the limit over the merged result", async () => {
        const positions = ["a", "b", "c"].map((channel) => ({ channel, after: 0 }));
        assert.deepEqual(contents(await store.readAfter(positions, 4)), ["a1", "b1", "a2", "c1"]);
        assert.deepEqual(contents(await store.readAfter(positions, 1)), ["a1"]);
        assert.deepEqual(contents(await store.readAfter([{ channel: "a", after: 0 }], 2)), ["a1", "a2"]);
        const next = await store.readAfter(
          [
            { channel: "a", after: id("a2") },
            { channel: "b", after: id("b1") },
            { channel: "c", after: id("c1") },
          ],
          3,
        );
        assert.deepEqual(contents(next), ["b2", "a3", "c2"]);
      });

      it("counts messages after a position", async () => {
        assert.equal(await store.countAfter("a", 0), 4);
        assert.equal(await store.countAfter("a", id("a1")), 3);
        assert.equal(await store.countAfter("b", id("b3")), 0);
        assert.equal(await store.countAfter("c", id("b1")), 2);
        assert.equal(await store.countAfter("nope", 0), 0);
      });

      it("reports the highest id", async () => {
        assert.equal(await store.lastId(), id("a4"));
      });
    });

    describe("watermarks", () => {
      it("are 0 for every channel never read", async () => {
        const marks = await store.getWatermarks("carol", ["general", "build"]);
        assert.deepEqual(
          [...marks],
          [
            ["general", 0],
            ["build", 0],
          ],
        );
      });

      it("move forward and never back, per agent and channel", async () => {
        await store.advanceWatermark("carol", "general", 5);
        await store.advanceWatermark("carol", "general", 9);
        await store.advanceWatermark("carol", "general", 7);
        await store.advanceWatermark("carol", "build", 2);
        await store.advanceWatermark("dave", "general", 1);
        assert.deepEqual(
          [...(await store.getWatermarks("carol", ["general", "build", "other"]))],
          [
            ["general", 9],
            ["build", 2],
            ["other", 0],
          ],
        );
        assert.deepEqual(
          [...(await store.getWatermarks("dave", ["general", "build"]))],
          [
            ["general", 1],
            ["build", 0],
          ],
        );
        await store.advanceWatermark("carol", "general", 0);
        assert.equal((await store.getWatermarks("carol", ["general"])).get("general"), 9);
      });

      it("are set forward or back by setWatermark, in order with the advances before it", async () => {
        await store.advanceWatermark("carol", "general", 9);
        await store.setWatermark("carol", "general", 3);
        assert.equal((await store.getWatermarks("carol", ["general"])).get("general"), 3);
        // Made in one turn: the seek lands after the advance, the advance after it moves on from there.
        await Promise.all([
          store.advanceWatermark("carol", "general", 12),
          store.setWatermark("carol", "general", 0),
          store.advanceWatermark("carol", "general", 2),
        ]);
        assert.equal((await store.getWatermarks("carol", ["general"])).get("general"), 2);
        await store.setWatermark("erin", "build", 7);
        assert.equal((await store.getWatermarks("erin", ["build"])).get("build"), 7);
        assert.equal((await store.getWatermarks("carol", ["build"])).get("build"), 0);
      });

      it("knows the newest id of each channel", async () => {
        assert.equal(await store.channelLastId("general"), 0);
        const a = await appendOne(msg("general", "a"));
        const b = await appendOne(msg("build", "b"));
        assert.equal(await store.channelLastId("general"), a);
        assert.equal(await store.channelLastId("build"), b);
        assert.equal(await store.channelLastId("none"), 0);
      });

      it("answers many look-ups made at once, each with its own agent's positions", async () => {
        for (let i = 0; i < 300; i++) await store.advanceWatermark(`w${i}`, i % 2 ? "odd" : "even", i + 1);
        const asked = Array.from({ length: 400 }, (_, i) =>
          store.getWatermarks(`w${i}`, i % 3 === 0 ? ["even", "odd", "none"] : ["even"]),
        );
        // The same agent twice in one turn, and a call with no channels at all.
        asked.push(store.getWatermarks("w2", ["even"]), store.getWatermarks("w2", []));
        const got = await Promise.all(asked);
        got.slice(0, 400).forEach((marks, i) => {
          const even = i < 300 && i % 2 === 0 ? i + 1 : 0;
          const odd = i < 300 && i % 2 === 1 ? i + 1 : 0;
          const want: [string, number][] =
            i % 3 === 0
              ? [
                  ["even", even],
                  ["odd", odd],
                  ["none", 0],
                ]
              : [["even", even]];
          assert.deepEqual([...marks], want, `w${i}`);
        });
        assert.deepEqual([...(got[400] ?? [])], [["even", 3]]);
        assert.deepEqual([...(got[401] ?? [])], []);
      });
    });

    describe("listChannels and changesSince", () => {
      it("lists nothing on an empty store", async () => {
        assert.deepEqual(await store.listChannels(), []);
        assert.deepEqual(await store.changesSince(0), { lastId: 0, channels: [] });
      });

      it("lists channels with counts, newest activity first", async () => {
        const general = [msg("general", "g1"), msg("general", "g2")];
        const build = msg("build", "b1");
        const ops = [msg("ops", "o1"), msg("ops", "o2"), msg("ops", "o3")];
        const lastGeneral = msg("general", "g3");
        const ids: number[] = [];
        for (const m of [...general, build, ...ops, lastGeneral]) ids.push(await appendOne(m));
        const expected = [
          { channel: "general", count: 3, lastMessage: lastGeneral.timestamp, top: ids[6] },
          { channel: "ops", count: 3, lastMessage: (ops[2] as NewMessage).timestamp, top: ids[5] },
          { channel: "build", count: 1, lastMessage: build.timestamp, top: ids[2] },
        ];
        assert.deepEqual(await store.listChannels(), expected);
        // A page starts after the newest-message id of the previous page's last entry.
        assert.deepEqual(await store.listChannels({ limit: 2 }), expected.slice(0, 2));
        assert.deepEqual(await store.listChannels({ after: ids[5] as number, limit: 2 }), expected.slice(2));
      });

      it("reports the channels changed after an id and the highest id", async () => {
        const g1 = await appendOne(msg("general", "g1"));
        await appendOne(msg("build", "b1"));
        const o1 = await appendOne(msg("ops", "o1"));
        const b2 = await appendOne(msg("build", "b2"));
        const all = await store.changesSince(0);
        assert.equal(all.lastId, b2);
        assert.deepEqual([...all.channels].sort(), ["build", "general", "ops"]);
        const later = await store.changesSince(g1);
        assert.equal(later.lastId, b2);
        assert.deepEqual([...later.channels].sort(), ["build", "ops"]);
        assert.deepEqual(await store.changesSince(o1), { lastId: b2, channels: ["build"] });
        assert.deepEqual(await store.changesSince(b2), { lastId: b2, channels: [] });
      });
    });

    describe("agents", () => {
      const agent = (name: string, over: Partial<AgentRecord> = {}): AgentRecord => ({
        name,
        identity: `id-${name}`,
        publicKey: `-----BEGIN PUBLIC KEY-----\n${name}\n-----END PUBLIC KEY-----`,
        role: "agent",
        registeredBy: "op-main",
        createdAt: BASE_SECONDS + 0.5,
        revokedAt: null,
        revokedBy: null,
        ...over,
      });

      it("adds an identity and reads it back unchanged", async () => {
        const rec = agent("herald", {
          identity: "a9e6db87-b090-47e0-a509-2bc624896d0f",
          createdAt: 1_795_626_834.1066298,
        });
        assert.equal(await store.addAgent(rec), true);
        assert.deepEqual(await store.getAgent("herald"), rec);
        assert.equal(await store.getAgent("nobody"), undefined);
        const op = agent("op-main", { role: "operator", registeredBy: null, identity: "" });
        assert.equal(await store.addAgent(op), true);
        assert.deepEqual(await store.getAgent("op-main"), op);
      });

      it("never overwrites an existing name", async () => {
        const op = agent("op-main", { role: "operator", registeredBy: null });
        assert.equal(await store.addAgent(op), true);
        const impostor = agent("op-main", {
          publicKey: "other key",
          role: "agent",
          identity: "evil",
          registeredBy: "x",
        });
        assert.equal(await store.addAgent(impostor), false);
        assert.deepEqual(await store.getAgent("op-main"), op);
        assert.equal(await store.hasOperator(), true);
        assert.equal((await store.listAgents()).length, 1);
      });

      it("knows whether an operator exists", async () => {
        assert.equal(await store.hasOperator(), false);
        await store.addAgent(agent("worker"));
        assert.equal(await store.hasOperator(), false);
        await store.addAgent(agent("boss", { role: "operator", registeredBy: null }));
        assert.equal(await store.hasOperator(), true);
      });

      it("lists identities oldest first", async () => {
        assert.deepEqual(await store.listAgents(), []);
        await store.addAgent(agent("zed", { createdAt: BASE_SECONDS + 30 }));
        await store.addAgent(agent("amy", { createdAt: BASE_SECONDS + 10 }));
        await store.addAgent(
          agent("kim", { createdAt: BASE_SECONDS + 20, revokedAt: BASE_SECONDS + 25, revokedBy: "op" }),
        );
        const list = await store.listAgents();
        assert.deepEqual(
          list.map((a) => a.name),
          ["amy", "kim", "zed"],
        );
        assert.deepEqual(
          list[1],
          agent("kim", { createdAt: BASE_SECONDS + 20, revokedAt: BASE_SECONDS + 25, revokedBy: "op" }),
        );
        const first = await store.listAgentsPage({ limit: 2 });
        assert.deepEqual(
          first.map((a) => a.name),
          ["amy", "kim"],
        );
        const kim = first[1] as (typeof first)[number];
        const rest = await store.listAgentsPage({
          after: { createdAt: kim.createdAt, name: kim.name },
          limit: 2,
        });
        assert.deepEqual(
          rest.map((a) => a.name),
          ["zed"],
        );
      });
    });

    describePrune({ store: () => store, msg: (c, content) => msg(c, content), base: BASE_SECONDS });
    describeSecurity({ store: () => store, base: BASE_SECONDS, sibling: () => fx.makeSibling?.() });
    describeTokens({ store: () => store, base: BASE_SECONDS });
    describeViews({ store: () => store, msg: (c, content) => msg(c, content) });

    describe("close", () => {
      it("finishes an append made just before closing", async (t) => {
        if (!fx.makeSibling) {
          t.skip("backend offers no second instance");
          return;
        }
        const pending = store.append([msg("general", "last words")]);
        await store.close();
        const [r] = await pending;
        const sibling = await fx.makeSibling();
        try {
          const got = await sibling.readAfter([{ channel: "general", after: 0 }], 10);
          assert.deepEqual(
            got.map((m) => [m.id, m.content]),
            [[idOf(r), "last words"]],
          );
        } finally {
          await sibling.close();
        }
      });

      it("refuses appends once closed", async () => {
        await store.close();
        await assert.rejects(store.append([msg("general", "too late")]));
      });
    });

    describe("subscribe", () => {
      it("tells a listener about another instance's commits, until unsubscribed", async (t) => {
        if (!store.subscribe || !fx.makeSibling) {
          t.skip("backend has no subscribe() or no second instance");
          return;
        }
        const sibling = await fx.makeSibling();
        try {
          let calls = 0;
          let notify: (() => void) | undefined;
          const next = (): Promise<void> =>
            new Promise<void>((resolve) => {
              notify = resolve;
            });
          const first = next();
          const stop = store.subscribe(() => {
            calls++;
            notify?.();
          });
          await sibling.append([msg("general", "from elsewhere")]);
          assert.notEqual(await within(first, 500), "timeout", "listener not called within 500 ms");
          assert.ok(calls >= 1);
          stop();
          const seen = calls;
          // A second listener proves the next commit was noticed; the stopped one must stay silent.
          let resolveSecond!: () => void;
          const second = new Promise<void>((resolve) => {
            resolveSecond = resolve;
          });
          const stopSecond = store.subscribe(() => resolveSecond());
          await sibling.append([msg("general", "again")]);
          assert.notEqual(await within(second, 500), "timeout", "second listener not called within 500 ms");
          stopSecond();
          assert.equal(calls, seen);
        } finally {
          await sibling.close();
        }
      });

      it("says which channels changed (or asks for a scan that finds them)", async (t) => {
        if (!store.subscribe || !fx.makeSibling) {
          t.skip("backend has no subscribe() or no second instance");
          return;
        }
        const sibling = await fx.makeSibling();
        try {
          const seen: StoreChange[] = [];
          let heard!: () => void;
          const got = new Promise<void>((r) => {
            heard = r;
          });
          let live!: () => void;
          const ready = new Promise<void>((r) => {
            live = r;
          });
          const stop = store.subscribe((c) => {
            seen.push(c);
            live();
            if (c.kind === "scan" || (c.kind === "messages" && c.channels.includes("told"))) heard();
          });
          // A store may start with a resync (its notifications were not live yet): the second append is
          // made once it is.
          await sibling.append([msg("early", "maybe missed")]);
          await within(ready, 1000);
          const [r] = await sibling.append([msg("told", "news")]);
          assert.notEqual(await within(got, 1000), "timeout", `no change reported: ${JSON.stringify(seen)}`);
          const last = seen.at(-1);
          if (last?.kind === "messages") assert.ok(last.top >= idOf(r), `top ${last.top} below ${idOf(r)}`);
          stop();
        } finally {
          await sibling.close();
        }
      });

      it("lets two listeners watch at once and stops each independently", async (t) => {
        if (!store.subscribe || !fx.makeSibling) {
          t.skip("backend has no subscribe() or no second instance");
          return;
        }
        const sibling = await fx.makeSibling();
        try {
          let countA = 0;
          let countB = 0;
          let wake!: () => void;
          let woke = new Promise<void>((r) => {
            wake = r;
          });
          const stopA = store.subscribe(() => {
            countA++;
          });
          const stopB = store.subscribe(() => {
            countB++;
            wake();
          });
          await sibling.append([msg("general", "one")]);
          assert.notEqual(await within(woke, 500), "timeout");
          assert.ok(countA >= 1 && countB >= 1, "a listener was not called");
          stopA();
          const a = countA;
          woke = new Promise<void>((r) => {
            wake = r;
          });
          await sibling.append([msg("general", "two")]);
          assert.notEqual(await within(woke, 500), "timeout", "remaining listener not called");
          assert.equal(countA, a);
          stopB();
        } finally {
          await sibling.close();
        }
      });
    });
  });
}

/** A NewMessage as the store should give it back (without the append-only fields). */
function strip(m: NewMessage): Omit<MessageRecord, "id"> {
  const { replayGuard: _g, idempotencyKey: _k, ...rest } = m;
  return rest;
}
