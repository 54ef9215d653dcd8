// The core's caches of identities and access over PostgreSQL, attacked: two queues (two servers) on one
// database; a revoke, rotate or deny through A must refuse a correctly signed send to B within a second, and
// a cache that missed a notification must be dropped when the LISTEN connection comes back. Skips when no
// PostgreSQL answers.
import { strict as assert } from "node:assert";
import type { KeyObject } from "node:crypto";
import { after, before, describe, it } from "node:test";
import postgres from "postgres";
import {
  signAccessRule,
  signMessageV2,
  signRegistration,
  signRevocation,
  signRotation,
} from "../../src/client/sign.js";
import { LOCAL } from "../../src/core/caller.js";
import { IpcError } from "../../src/core/errors.js";
import { createQueue, type Queue } from "../../src/core/queue.js";
import { CACHE_TTL_MS, createStoreCache } from "../../src/core/store-cache.js";
import { generateKeyPair, parsePrivateKey } from "../../src/crypto/keys.js";
import { createPostgresStore } from "../../src/store/postgres/index.js";
import { createSqliteStore } from "../../src/store/sqlite/index.js";
import type { Store } from "../../src/store/types.js";
import { makePostgresDatabase, pgUnavailable, type TestPgDatabase } from "../helpers/postgres.js";

const skip = await pgUnavailable();

const BOUND_MS = 1000;
/**
 * Longest wait for the driver to reconnect a cut LISTEN connection and report it. It takes about 15 ms here;
 * a CI run once saw more than a second (the driver backs off between attempts), and what is tested is that
 * the report drops the caches, not how fast a loaded machine reconnects.
 */
const RECONNECT_BOUND_MS = 5000;

/** A body's operator-signed fields in the core's form. */
const signed = (b: { signed_at: number; nonce: string; signature: string; operator: string }) => ({
  operator: b.operator,
  signedAt: b.signed_at,
  nonce: b.nonce,
  signature: b.signature,
});

function signedSend(key: KeyObject, sender: string, channel: string, content: string) {
  const m = { channel, sender, content };
  const s = signMessageV2(key, m);
  return { ...m, signature: s.signature, signedAt: s.signed_at, nonce: s.nonce };
}

/** The error code of a send, or "ok". */
async function outcome(q: Queue, key: KeyObject, sender: string, channel: string): Promise<string> {
  try {
    await q.send(signedSend(key, sender, channel, `m${Math.random()}`));
    return "ok";
  } catch (e) {
    if (e instanceof IpcError) return e.code;
    throw e;
  }
}

/** Ms until `check` answers true, asking every 10 ms; fails past `limit` ms. */
async function within(limit: number, check: () => Promise<boolean>): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    if (await check()) return performance.now() - t0;
    const ms = performance.now() - t0;
    if (ms > limit) assert.fail(`still not so after ${Math.round(ms)} ms`);
    await new Promise((ok) => setTimeout(ok, 10));
  }
}

describe("the core's caches on two servers over one PostgreSQL database", { skip: skip ?? false }, () => {
  let db: TestPgDatabase;
  let a: Queue;
  let b: Queue;
  let op: KeyObject;
  const keys = new Map<string, KeyObject>();

  async function register(name: string): Promise<KeyObject> {
    const pair = generateKeyPair();
    const body = signRegistration(op, { operator: "op", name, identity: "", publicKey: pair.publicKey });
    await a.register({ ...signed(body), name, identity: "", publicKey: body.public_key });
    const key = parsePrivateKey(pair.privateKey);
    keys.set(name, key);
    return key;
  }

  before(async () => {
    db = await makePostgresDatabase();
    a = createQueue({ store: await createPostgresStore({ url: db.url, pool: 2 }) });
    b = createQueue({ store: await createPostgresStore({ url: db.url, pool: 2 }) });
    op = parsePrivateKey((await a.seed(LOCAL, "op")).privateKey);
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await db?.drop();
  });

  it("refuses on B a correctly signed send within a second of a revoke through A", async () => {
    const key = await register("mallory");
    // B has seen (and cached) mallory as active.
    await within(BOUND_MS, async () => (await outcome(b, key, "mallory", "work")) === "ok");
    assert.equal(await outcome(b, key, "mallory", "work"), "ok");
    await a.revoke({ ...signed(signRevocation(op, { operator: "op", name: "mallory" })), name: "mallory" });
    const ms = await within(BOUND_MS, async () => (await outcome(b, key, "mallory", "work")) === "forbidden");
    assert.ok(ms < BOUND_MS, `${ms} ms`);
    // And it stays refused, past the time anything is kept.
    await new Promise((ok) => setTimeout(ok, CACHE_TTL_MS + 50));
    assert.equal(await outcome(b, key, "mallory", "work"), "forbidden");
  });

  it("refuses on B the old key within a second of a rotation through A, and takes the new one", async () => {
    const old = await register("rotor");
    await within(BOUND_MS, async () => (await outcome(b, old, "rotor", "work")) === "ok");
    const pair = generateKeyPair();
    const body = signRotation(op, { operator: "op", name: "rotor", publicKey: pair.publicKey });
    await a.rotate({ ...signed(body), name: "rotor", publicKey: body.public_key });
    await within(BOUND_MS, async () => (await outcome(b, old, "rotor", "work")) === "unauthorized");
    assert.equal(await outcome(b, parsePrivateKey(pair.privateKey), "rotor", "work"), "ok");
  });

  it("refuses on B a write within a second of a deny through A, and allows it again after the unset", async () => {
    const key = await register("writer");
    await within(BOUND_MS, async () => (await outcome(b, key, "writer", "plans")) === "ok");
    const deny = signAccessRule(op, {
      effect: "deny",
      operator: "op",
      agent: "writer",
      pattern: "plans",
      permissions: "write",
    });
    await a.setAccessRule({
      ...signed(deny),
      effect: "deny",
      agent: "writer",
      pattern: "plans",
      permissions: ["write"],
    });
    await within(BOUND_MS, async () => (await outcome(b, key, "writer", "plans")) === "forbidden");
    const unset = signAccessRule(op, {
      effect: "unset",
      operator: "op",
      agent: "writer",
      pattern: "plans",
      permissions: "write",
    });
    await a.unsetAccessRule({ ...signed(unset), agent: "writer", pattern: "plans", permissions: ["write"] });
    await within(BOUND_MS, async () => (await outcome(b, key, "writer", "plans")) === "ok");
  });
});

describe("the cache over one PostgreSQL store, its clock stopped", { skip: skip ?? false }, () => {
  let db: TestPgDatabase;
  let store: Store;
  let admin: postgres.Sql;
  let clock = 0;
  let cache: ReturnType<typeof createStoreCache>;
  let other: Store | undefined;

  before(async () => {
    db = await makePostgresDatabase();
    store = await createPostgresStore({ url: db.url, pool: 2 });
    admin = postgres(db.url, { max: 1, onnotice: () => undefined });
    cache = createStoreCache(store, () => clock);
    for (const name of ["eve", "zed"]) {
      await store.addAgent({
        name,
        identity: "",
        publicKey: generateKeyPair().publicKey,
        role: "agent",
        registeredBy: null,
        createdAt: 1,
        revokedAt: null,
        revokedBy: null,
      });
    }
  });
  after(async () => {
    await other?.close();
    cache?.close();
    await admin?.end();
    await store?.close();
    await db?.drop();
  });

  /** Revokes eve behind every server's back: no NOTIFY, as if the notification was lost. */
  async function silentRevoke(): Promise<void> {
    await admin`UPDATE agents SET revoked_at = 2, revoked_by = 'op' WHERE name = 'eve'`;
    await admin`UPDATE access_version SET version = version + 1`;
  }

  it("keeps what it read until told, and drops it all when the LISTEN connection comes back", async () => {
    // Live once the subscription reported its first (re)connect.
    await within(BOUND_MS, async () => cache.live);
    assert.equal((await cache.store.getAgent("eve"))?.revokedAt, null);
    const version = await cache.store.accessVersion();
    await silentRevoke();
    // The cache is real: without a notification (and with its clock stopped) it still answers the old record.
    assert.equal((await cache.store.getAgent("eve"))?.revokedAt, null);
    assert.equal(await cache.store.accessVersion(), version);
    // The LISTEN connection is cut; the driver reconnects and reports it: everything kept is dropped.
    const cut = await admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = current_database() AND query ILIKE 'listen%' AND pid <> pg_backend_pid()`;
    assert.equal(cut.length, 1, "exactly one LISTEN connection was cut");
    await within(RECONNECT_BOUND_MS, async () => (await cache.store.getAgent("eve"))?.revokedAt === 2);
    assert.equal(await cache.store.accessVersion(), version + 1);
  });

  it("looks at the store again once CACHE_TTL_MS passed, notification or not", async () => {
    await admin`UPDATE agents SET revoked_at = NULL, revoked_by = NULL WHERE name = 'eve'`;
    // Still the revoked record: nothing told the cache (the clock stands still).
    assert.equal((await cache.store.getAgent("eve"))?.revokedAt, 2);
    clock += CACHE_TTL_MS;
    assert.equal((await cache.store.getAgent("eve"))?.revokedAt, null);
  });

  it("drops what it kept when another server's revoke is notified", async () => {
    assert.equal((await cache.store.getAgent("zed"))?.revokedAt, null);
    other = await createPostgresStore({ url: db.url, pool: 1 });
    assert.equal(await other.revokeAgent("zed", "op", 4), true);
    await within(BOUND_MS, async () => (await cache.store.getAgent("zed"))?.revokedAt === 4);
  });

  it("drops what it kept when a change is made through it", async () => {
    assert.equal((await cache.store.getAgent("eve"))?.revokedAt, null);
    assert.equal(await cache.store.revokeAgent("eve", "op", 3), true);
    assert.equal((await cache.store.getAgent("eve"))?.revokedAt, 3);
  });
});

describe("the cache on SQLite", () => {
  it("is not used: another process may revoke at any moment, so every look-up asks the store", () => {
    const store = createSqliteStore({ path: ":memory:" });
    const cache = createStoreCache(store);
    assert.equal(cache.store, store);
    cache.close();
    void store.close();
  });
});
