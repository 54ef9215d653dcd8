// The server's WAL checkpoints on a worker thread (src/store/sqlite/checkpointer.ts): the worker copies
// committed pages into the database file while the store's own connection checkpoints only past the
// fallback mark; other processes see every message; the checkpoints wake no watcher; close stops it.
import { strict as assert } from "node:assert";
import { statSync } from "node:fs";
import { afterEach, beforeEach, describe, it } from "node:test";
import Database from "better-sqlite3";
import { CHECKPOINT_INTERVAL_MS, FALLBACK_CHECKPOINT_PAGES } from "../../src/store/sqlite/checkpointer.js";
import { createSqliteStore } from "../../src/store/sqlite/index.js";
import type { NewMessage, Store } from "../../src/store/types.js";
import { makeTempDir, type TempDir } from "../helpers/fixtures.js";
import { until } from "../helpers/http.js";

const message = (i: number): NewMessage => ({
  channel: "load",
  sender: "alice",
  content: `${i} ${"x".repeat(1000)}`,
  timestamp: 1_800_000_000 + i,
  signature: "",
  sigVersion: 0,
  sigTimestamp: null,
  sigNonce: null,
});

describe("background WAL checkpoints", () => {
  let t: TempDir;
  let store: Store | undefined;
  beforeEach(() => {
    t = makeTempDir();
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    t.cleanup();
  });

  /** 400 messages of 1 KB in 40 commits: about 120 pages, far below any auto-checkpoint mark. */
  async function write(s: Store): Promise<void> {
    for (let c = 0; c < 40; c++) {
      await Promise.all(Array.from({ length: 10 }, (_, i) => s.append([message(c * 10 + i)])));
    }
  }
  const dbBytes = () => statSync(t.path("ipc.db")).size;

  it("copies committed pages into the database file from another thread", async () => {
    store = createSqliteStore({ path: t.path("ipc.db"), backgroundCheckpoints: true });
    const before = dbBytes();
    await write(store);
    assert.ok(
      await until(() => dbBytes() > before + 300_000, 20 * CHECKPOINT_INTERVAL_MS),
      `the database file grew from ${before} to ${dbBytes()} bytes only`,
    );
    // The store's own connection checkpoints only past the fallback mark.
    const probe = new Database(t.path("ipc.db"), { readonly: true });
    try {
      assert.equal((probe.prepare("SELECT COUNT(*) AS n FROM messages").get() as { n: number }).n, 400);
    } finally {
      probe.close();
    }
  });

  it("the control: without it, those pages stay in the WAL (SQLite's mark is 1,000 pages)", async () => {
    store = createSqliteStore({ path: t.path("ipc.db") });
    const before = dbBytes();
    await write(store);
    await new Promise((ok) => setTimeout(ok, 5 * CHECKPOINT_INTERVAL_MS));
    assert.ok(dbBytes() < before + 100_000, `${before} -> ${dbBytes()}`);
    assert.ok(FALLBACK_CHECKPOINT_PAGES > 1_000);
  });

  it("wakes no subscriber: a checkpoint is no commit of another process", async () => {
    store = createSqliteStore({ path: t.path("ipc.db"), backgroundCheckpoints: true, watchIntervalMs: 5 });
    let woken = 0;
    const stop = store.subscribe?.(() => woken++);
    const before = dbBytes();
    await write(store);
    await until(() => dbBytes() > before + 300_000, 20 * CHECKPOINT_INTERVAL_MS);
    await new Promise((ok) => setTimeout(ok, 3 * CHECKPOINT_INTERVAL_MS));
    stop?.();
    assert.equal(woken, 0);
  });

  it("stops with the store, leaving a database every process can open", async () => {
    store = createSqliteStore({ path: t.path("ipc.db"), backgroundCheckpoints: true });
    await write(store);
    await store.close();
    store = createSqliteStore({ path: t.path("ipc.db"), backgroundCheckpoints: true });
    const page = await store.readAfter([{ channel: "load", after: 0 }], 1000);
    assert.equal(page.length, 400);
  });
});
