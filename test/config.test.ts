// resolveConfig: IPC_RETENTION parsing (age and count, units, clear errors) and IPC_SYNC.
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { parseRetention, resolveConfig } from "../src/config.js";
import { IpcError } from "../src/core/errors.js";

const H = 3_600_000;

describe("IPC_RETENTION", () => {
  it("is off when unset or empty", () => {
    assert.deepEqual(resolveConfig({}, {}).retention, {});
    assert.deepEqual(parseRetention(""), {});
    assert.deepEqual(parseRetention("  "), {});
  });

  it("takes an age with a unit, a count, or both, in any order", () => {
    assert.deepEqual(resolveConfig({}, { IPC_RETENTION: "age=7d,count=10000" }).retention, {
      maxAgeMs: 7 * 24 * H,
      keepPerChannel: 10_000,
    });
    assert.deepEqual(parseRetention("count=5, age=90s"), { keepPerChannel: 5, maxAgeMs: 90_000 });
    assert.deepEqual(parseRetention("age=30m"), { maxAgeMs: 30 * 60_000 });
    assert.deepEqual(parseRetention("age=12h"), { maxAgeMs: 12 * H });
    assert.deepEqual(parseRetention("count=1"), { keepPerChannel: 1 });
  });

  it("refuses anything else with a one-line invalid_argument naming the problem", () => {
    const cases: [string, RegExp][] = [
      ["age=7", /age '7' is not a positive number with a unit/],
      ["age=7w", /age '7w'/],
      ["age=0d", /age '0d'/],
      ["age=-1d", /age '-1d'/],
      ["count=0", /count '0' is not a positive whole number/],
      ["count=1.5", /count '1.5'/],
      ["count=ten", /count 'ten'/],
      ["size=10", /unknown part 'size=10'/],
      ["7d", /unknown part '7d'/],
      ["age=1d,age=2d", /gives age twice/],
      ["count=1,,", /unknown part ''/],
    ];
    for (const [text, why] of cases) {
      assert.throws(
        () => resolveConfig({}, { IPC_RETENTION: text }),
        (e: unknown) => {
          assert.ok(e instanceof IpcError, String(e));
          assert.equal(e.code, "invalid_argument");
          assert.match(e.message, /^IPC_RETENTION /);
          assert.match(e.message, why, text);
          assert.match(e.message, /age=7d,count=10000/);
          assert.equal(e.message.split("\n").length, 1);
          return true;
        },
      );
    }
  });
});

describe("IPC_SYNC", () => {
  const syncOf = (env: NodeJS.ProcessEnv): string | undefined => {
    const s = resolveConfig({}, env).store;
    return s.kind === "sqlite" ? s.sync : undefined;
  };
  it("is normal by default, full when asked, and nothing else", () => {
    assert.equal(syncOf({}), "normal");
    assert.equal(syncOf({ IPC_SYNC: "FULL" }), "full");
    assert.equal(syncOf({ IPC_SYNC: "normal" }), "normal");
    assert.throws(() => resolveConfig({}, { IPC_SYNC: "off" }), /IPC_SYNC must be 'normal' or 'full'/);
  });
});

describe("store selection", () => {
  it("keeps SQLite for a path, from --db, IPC_DB_URL or IPC_DB_PATH, in that order", () => {
    assert.deepEqual(resolveConfig({ db: "/x/a.db" }, { IPC_DB_PATH: "/y/b.db" }).store, {
      kind: "sqlite",
      path: "/x/a.db",
      sync: "normal",
    });
    assert.deepEqual(resolveConfig({}, { IPC_DB_PATH: "/y/b.db" }).store, {
      kind: "sqlite",
      path: "/y/b.db",
      sync: "normal",
    });
    assert.equal(resolveConfig({}, { IPC_DB_URL: "/z/c.db", IPC_DB_PATH: "/y/b.db" }).database, "/z/c.db");
  });

  it("selects PostgreSQL for a postgres:// URL, with a pool size, and hides the password in the label", () => {
    const c = resolveConfig({}, { IPC_DB_URL: "postgresql://u:secret@db:5432/q", IPC_DB_POOL: "4" });
    assert.deepEqual(c.store, { kind: "postgres", url: "postgresql://u:secret@db:5432/q", pool: 4 });
    assert.equal(c.database, "postgresql://u:***@db:5432/q");
    assert.equal(resolveConfig({ db: "postgres://db/q" }, {}).store.kind, "postgres");
    assert.deepEqual(resolveConfig({ db: "postgres://db/q" }, {}).store, {
      kind: "postgres",
      url: "postgres://db/q",
      pool: 10,
    });
    assert.throws(
      () => resolveConfig({}, { IPC_DB_URL: "postgres://db/q", IPC_DB_POOL: "x" }),
      /IPC_DB_POOL/,
    );
  });

  it("refuses a URL of another scheme (a typo of postgres://) instead of taking it for a SQLite path", () => {
    for (const where of ["postgress://postgres@127.0.0.1:5432/q", "mysql://db/q", "file:///tmp/q.db"]) {
      assert.throws(
        () => resolveConfig({}, { IPC_DB_URL: where }),
        (e: Error & { code?: string }) =>
          e.code === "invalid_argument" &&
          /is neither a postgres:\/\/ .*nor a SQLite file path$/.test(e.message),
        where,
      );
    }
    // A slash after the database name is not part of it.
    for (const [given, url] of [
      ["postgres://db:5432/q/", "postgres://db:5432/q"],
      ["postgres://db/q/?sslmode=require", "postgres://db/q?sslmode=require"],
      ["postgres://db/", "postgres://db"],
    ]) {
      const store = resolveConfig({ db: given }, {}).store;
      assert.equal(store.kind === "postgres" ? store.url : "", url, given);
    }
    // A path with a colon in it is still a path.
    assert.equal(resolveConfig({ db: "./c:/q.db" }, {}).store.kind, "sqlite");
  });
});
