// IPC_SYNC reaches SQLite: the database is opened with PRAGMA synchronous FULL (2) or NORMAL (1).
import { strict as assert } from "node:assert";
import { after, describe, it } from "node:test";
import { resolveConfig } from "../../src/config.js";
import { openDatabase } from "../../src/store/sqlite/open.js";
import { makeTempDir } from "../helpers/fixtures.js";

describe("IPC_SYNC and PRAGMA synchronous", () => {
  const tmp = makeTempDir();
  after(() => tmp.cleanup());

  for (const [env, expected] of [
    [{ IPC_SYNC: "full" }, 2],
    [{ IPC_SYNC: "normal" }, 1],
    [{}, 1],
  ] as const) {
    it(`${JSON.stringify(env)} opens the database with synchronous = ${expected}`, () => {
      const config = resolveConfig({ db: tmp.path(`sync-${expected}-${Object.keys(env).length}.db`) }, env);
      assert.equal(config.store.kind, "sqlite");
      if (config.store.kind !== "sqlite") return;
      const db = openDatabase(config.store.path, config.store.sync);
      try {
        assert.equal(db.pragma("synchronous", { simple: true }), expected);
        assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
      } finally {
        db.close();
      }
    });
  }
});
