// The channel summary (migrations 004, 006) brought up to date in passes: it stays equal to a count over
// the messages themselves when other processes that do not know it (like the reference) insert and delete.
import { strict as assert } from "node:assert";
import { afterEach, beforeEach, describe, it } from "node:test";
import Database from "better-sqlite3";
import { createSqliteStore } from "../../src/store/sqlite/index.js";
import { SUMMARY_DELAY_MS } from "../../src/store/sqlite/messages.js";
import { CATCH_UP_STEP, NEW_MESSAGES } from "../../src/store/sqlite/summary.js";
import type { NewMessage, Store } from "../../src/store/types.js";
import { makeTempDir, type TempDir } from "../helpers/fixtures.js";

let tick = 0;
const message = (channel: string, content: string): NewMessage => ({
  channel,
  sender: "alice",
  content,
  timestamp: 1_800_000_000 + ++tick,
  signature: "",
  sigVersion: 0,
  sigTimestamp: null,
  sigNonce: null,
});

/** What the summary must say, computed from the messages table alone. */
function truth(
  db: Database.Database,
): { channel: string; count: number; lastMessage: number; top: number }[] {
  return db
    .prepare(
      "SELECT channel, COUNT(*) AS count, created_at AS lastMessage, MAX(id) AS top FROM messages GROUP BY channel ORDER BY top DESC",
    )
    .all() as { channel: string; count: number; lastMessage: number; top: number }[];
}

describe("SQLite channel summary", () => {
  let tmp: TempDir;
  let store: Store;
  let other: Database.Database;

  beforeEach(async () => {
    tmp = makeTempDir();
    const path = tmp.path("ipc.db");
    store = createSqliteStore({ path });
    await store.append([message("general", "first")]);
    // Another process writing as the reference does: plain inserts and deletes, no summary.
    other = new Database(path);
  });
  afterEach(async () => {
    other.close();
    await store.close();
    tmp.cleanup();
  });

  const foreignInsert = (channel: string, content: string): number =>
    Number(
      other
        .prepare("INSERT INTO messages (channel, sender, content, created_at) VALUES (?, 'ref', ?, ?)")
        .run(channel, content, 1_800_000_000 + ++tick).lastInsertRowid,
    );

  it("counts messages another process inserted, newest activity first", async () => {
    foreignInsert("general", "by the reference");
    const top = foreignInsert("build", "by the reference");
    const list = await store.listChannels();
    assert.deepEqual(list, truth(other));
    assert.deepEqual(
      list.map((c) => [c.channel, c.count, c.top]),
      [
        ["build", 1, top],
        ["general", 2, top - 1],
      ],
    );
  });

  it("counts them in a pass soon after its own writes, before any listing", async () => {
    foreignInsert("build", "by the reference");
    await store.append([message("general", "second")]);
    const counted = () => other.prepare("SELECT channel, count FROM channel_summary ORDER BY channel").all();
    const deadline = Date.now() + SUMMARY_DELAY_MS + 5_000;
    while (counted().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(counted(), [
      { channel: "build", count: 1 },
      { channel: "general", count: 2 },
    ]);
  });

  it("takes a long backlog in steps and lists it exactly", async () => {
    const insert = other.prepare(
      "INSERT INTO messages (channel, sender, content, created_at) VALUES (?, 'ref', 'x', ?)",
    );
    other.transaction(() => {
      for (let i = 0; i < 2 * CATCH_UP_STEP + 5; i++) insert.run(i % 3 ? "bulk" : "other", 1_800_000_100 + i);
    })();
    const list = await store.listChannels();
    assert.deepEqual(list, truth(other));
    const n = 2 * CATCH_UP_STEP + 5;
    assert.equal(list.find((c) => c.channel === "bulk")?.count, n - Math.ceil(n / 3));
  });

  it("stays right when another process deletes messages it has counted or not yet counted", async () => {
    const counted = foreignInsert("build", "counted");
    await store.listChannels();
    const uncounted = foreignInsert("build", "not yet counted");
    foreignInsert("general", "kept");
    other.prepare("DELETE FROM messages WHERE id IN (?, ?)").run(counted, uncounted);
    assert.deepEqual(await store.listChannels(), truth(other));
    assert.equal(
      (await store.listChannels()).find((c) => c.channel === "build"),
      undefined,
    );
  });

  it("matches a count over the messages after mixed appends, foreign writes and pruning", async () => {
    for (let round = 0; round < 5; round++) {
      await Promise.all([
        store.append([message("a", `a${round}`), message("b", `b${round}`)]),
        store.append([message("c", `c${round}`)]),
      ]);
      foreignInsert(round % 2 ? "a" : "d", `ref${round}`);
      if (round === 2) await store.prune({ keepPerChannel: 1 });
      assert.deepEqual(await store.listChannels(), truth(other), `round ${round}`);
    }
  });

  it("reads only the messages after its mark, by id, not every message through the channel index", () => {
    const plan = other.prepare(`EXPLAIN QUERY PLAN ${NEW_MESSAGES}`).all(1, 100) as { detail: string }[];
    assert.ok(
      plan.some((p) => /SEARCH messages USING INTEGER PRIMARY KEY \(rowid>\? AND rowid<\?\)/.test(p.detail)),
      JSON.stringify(plan),
    );
    assert.ok(!plan.some((p) => /^SCAN messages/.test(p.detail)), JSON.stringify(plan));
  });
});
