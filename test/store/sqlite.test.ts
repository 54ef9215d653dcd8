// The SQLite store: the shared contract on a temp file, then what only SQLite has (file modes, WAL,
// migrations of new and reference databases, several processes opening one new file at once).
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Worker } from "node:worker_threads";
import Database from "better-sqlite3";
import { IpcError } from "../../src/core/errors.js";
import { createSqliteStore } from "../../src/store/sqlite/index.js";
import { makeTempDir, REPO_ROOT, type TempDir } from "../helpers/fixtures.js";
import { unsignedMessage } from "../helpers/store.js";
import { runStoreContract } from "./contract.js";

runStoreContract("sqlite", async () => {
  const tmp = makeTempDir();
  const path = tmp.path("ipc.db");
  const store = createSqliteStore({ path, watchIntervalMs: 10 });
  return {
    store,
    makeSibling: async () => createSqliteStore({ path, watchIntervalMs: 10 }),
    cleanup: async () => {
      await store.close();
      tmp.cleanup();
    },
  };
});

const MIGRATIONS = readdirSync(join(REPO_ROOT, "src", "store", "sqlite", "migrations")).filter((f) =>
  /^\d{3}_.+\.sql$/.test(f),
);

const message = (content: string, channel = "general") => unsignedMessage(channel, content, "alice");

/** Reads a database the store is not holding, without changing it. */
function inspect<T>(path: string, f: (db: Database.Database) => T): T {
  const db = new Database(path, { readonly: true });
  try {
    return f(db);
  } finally {
    db.close();
  }
}

const schemaOf = (path: string): string[] =>
  inspect(path, (db) =>
    (
      db.prepare("SELECT type, name, sql FROM sqlite_master ORDER BY type, name").all() as {
        sql: string | null;
      }[]
    ).map((r) => JSON.stringify(r)),
  );

describe("SQLite store on disk", () => {
  let tmp: TempDir;
  before(() => {
    tmp = makeTempDir();
  });
  after(() => tmp.cleanup());

  it("creates a new database file 0600 inside new folders 0700", async () => {
    const path = tmp.path("new", "nested", "ipc.db");
    const store = createSqliteStore({ path });
    await store.append([message("hello")]);
    try {
      assert.equal(statSync(path).mode & 0o777, 0o600);
      assert.equal(statSync(tmp.path("new")).mode & 0o777, 0o700);
      assert.equal(statSync(tmp.path("new", "nested")).mode & 0o777, 0o700);
      // SQLite gives the WAL and shared-memory files the database file's mode.
      assert.equal(statSync(`${path}-wal`).mode & 0o777, 0o600);
      assert.equal(statSync(`${path}-shm`).mode & 0o777, 0o600);
    } finally {
      await store.close();
    }
  });

  it("uses WAL, passes integrity_check and records the migration count in user_version", async () => {
    const path = tmp.path("wal.db");
    const store = createSqliteStore({ path });
    await store.append([message("a"), message("b", "build")]);
    await store.advanceWatermark("carol", "general", 1);
    await store.close();
    inspect(path, (db) => {
      assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
      assert.equal(db.pragma("integrity_check", { simple: true }), "ok");
      assert.equal(db.pragma("user_version", { simple: true }), MIGRATIONS.length);
    });
  });

  it("migrates once: reopening keeps data and schema unchanged", async () => {
    assert.ok(MIGRATIONS.length >= 2, `found migrations ${MIGRATIONS}`);
    const path = tmp.path("reopen.db");
    const first = createSqliteStore({ path });
    const [r] = await first.append([{ ...message("kept"), replayGuard: { key: "k", expiresAt: null } }]);
    await first.close();
    const schema = schemaOf(path);
    for (let i = 0; i < 2; i++) {
      const again = createSqliteStore({ path });
      assert.deepEqual(
        (await again.readAfter([{ channel: "general", after: 0 }], 10)).map((m) => [m.id, m.content]),
        [[(r as { id: number }).id, "kept"]],
      );
      assert.equal(await again.useProof({ key: "k", expiresAt: null }), false);
      await again.close();
      assert.deepEqual(schemaOf(path), schema);
    }
    inspect(path, (db) => assert.equal(db.pragma("user_version", { simple: true }), MIGRATIONS.length));
  });

  it("lets two stores open the same new file at once", async () => {
    const path = tmp.path("twice.db");
    const a = createSqliteStore({ path });
    const b = createSqliteStore({ path });
    try {
      const [ra, rb] = await Promise.all([a.append([message("from a")]), b.append([message("from b")])]);
      const ids = [ra?.[0], rb?.[0]].map((x) => (x as { id: number }).id);
      assert.equal(new Set(ids).size, 2);
      assert.deepEqual(
        (await a.readAfter([{ channel: "general", after: 0 }], 10)).map((m) => m.content).sort(),
        ["from a", "from b"],
      );
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("migrates exactly once when several threads open a new file at the same instant", async () => {
    const storeUrl = new URL("../../src/store/sqlite/index.js", import.meta.url).href;
    for (let round = 0; round < 3; round++) {
      const path = tmp.path(`race-${round}`, "ipc.db");
      const gate = new Int32Array(new SharedArrayBuffer(4));
      // Each worker loads the store, then blocks on the gate so all of them open the file together.
      const code = `
        const { workerData, parentPort } = require("node:worker_threads");
        import(workerData.storeUrl).then(async ({ createSqliteStore }) => {
          parentPort.postMessage({ ready: true });
          Atomics.wait(new Int32Array(workerData.gate), 0, 0);
          try {
            const store = createSqliteStore({ path: workerData.path });
            const [r] = await store.append([{ channel: "race", sender: "w", content: "hi", timestamp: 1,
              signature: "", sigVersion: 0, sigTimestamp: null, sigNonce: null }]);
            await store.close();
            parentPort.postMessage({ id: r.id });
          } catch (e) {
            parentPort.postMessage({ error: String(e) });
          }
        });`;
      const workers = Array.from(
        { length: 6 },
        () => new Worker(code, { eval: true, workerData: { storeUrl, gate: gate.buffer, path } }),
      );
      try {
        const ready = workers.map((w) => new Promise((r) => w.once("message", r)));
        await Promise.all(ready);
        const results = workers.map(
          (w) =>
            new Promise<{ id?: number; error?: string }>((resolve, reject) => {
              w.once("message", resolve);
              w.once("error", reject);
            }),
        );
        Atomics.store(gate, 0, 1);
        Atomics.notify(gate, 0);
        const out = await Promise.all(results);
        assert.deepEqual(
          out.filter((o) => o.error),
          [],
        );
        assert.equal(new Set(out.map((o) => o.id)).size, 6);
        inspect(path, (db) => {
          assert.equal(db.pragma("user_version", { simple: true }), MIGRATIONS.length);
          assert.equal(db.prepare("SELECT COUNT(*) FROM messages").pluck().get(), 6);
          assert.equal(db.pragma("integrity_check", { simple: true }), "ok");
        });
      } finally {
        await Promise.all(workers.map((w) => w.terminate()));
      }
    }
  });

  it("opens an early reference database that lacks the signature column", async () => {
    const path = tmp.path("early.db");
    const db = new Database(path);
    db.exec(`CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, channel TEXT NOT NULL,
      sender TEXT NOT NULL, content TEXT NOT NULL, created_at REAL NOT NULL, read_by TEXT DEFAULT '');
      CREATE TABLE watermarks (agent TEXT NOT NULL, channel TEXT NOT NULL, last_id INTEGER DEFAULT 0,
      PRIMARY KEY (agent, channel));
      INSERT INTO messages (channel, sender, content, created_at) VALUES ('general', 'alice', 'old', 1700000000.25);
      INSERT INTO watermarks (agent, channel, last_id) VALUES ('bob', 'general', 1);`);
    db.close();
    const store = createSqliteStore({ path });
    try {
      assert.deepEqual(await store.readAfter([{ channel: "general", after: 0 }], 10), [
        {
          id: 1,
          channel: "general",
          sender: "alice",
          content: "old",
          timestamp: 1_700_000_000.25,
          signature: "",
          sigVersion: 0,
          sigTimestamp: null,
          sigNonce: null,
        },
      ]);
      assert.equal((await store.getWatermarks("bob", ["general"])).get("general"), 1);
      assert.equal(await store.hasOperator(), false);
      const [r] = await store.append([message("new")]);
      assert.deepEqual(r, { id: 2, duplicate: false });
    } finally {
      await store.close();
    }
  });

  it("works in memory", async () => {
    const store = createSqliteStore({ path: ":memory:" });
    try {
      await store.append([message("m1"), message("m2")]);
      assert.equal(await store.countAfter("general", 0), 2);
    } finally {
      await store.close();
    }
  });

  it("fails at once, not forever, under a parent that cannot hold folders", () => {
    symlinkSync(tmp.path("missing-target"), tmp.path("dangling"));
    const paths = [tmp.path("dangling", "sub", "ipc.db"), tmp.path("dangling", "ipc.db")];
    if (existsSync("/proc/self")) paths.push("/proc/nope/ipc.db");
    // In a child process, so that an endless retry shows up as a failure instead of hanging the run.
    const storeUrl = new URL("../../src/store/sqlite/index.js", import.meta.url).href;
    const code = `import(${JSON.stringify(storeUrl)}).then(({ createSqliteStore }) => {
      const codes = JSON.parse(process.argv[1]).map((path) => {
        try { createSqliteStore({ path }).close(); return "opened"; } catch (e) { return e.code; }
      });
      process.stdout.write(JSON.stringify(codes));
    });`;
    const r = spawnSync(process.execPath, ["-e", code, JSON.stringify(paths)], {
      timeout: 5000,
      encoding: "utf8",
    });
    assert.equal(r.signal, null, "opening did not finish within 5 s");
    assert.deepEqual(
      JSON.parse(r.stdout),
      paths.map(() => "unavailable"),
    );
  });

  it("refuses a path it cannot open with unavailable", () => {
    assert.throws(
      () => createSqliteStore({ path: tmp.dir }),
      (e: unknown) => e instanceof IpcError && e.code === "unavailable",
    );
  });
});
