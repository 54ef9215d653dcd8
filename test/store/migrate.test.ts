// el-ipc migrate between SQLite and PostgreSQL, both ways: every message (ids kept), watermark, agent,
// key event, access rule, token, used proof, idempotency key and webhook (with a PostgreSQL prefix
// webhook's per-channel cursors) copied; an interrupted copy resumes; a target holding other data is
// refused by the checksum; the CLI prints the counts. Skips when no PostgreSQL answers.
import { strict as assert } from "node:assert";
import { existsSync } from "node:fs";
import { after, describe, it } from "node:test";
import { LOCAL } from "../../src/core/caller.js";
import { createQueue } from "../../src/core/queue.js";
import { newWebhookSecret } from "../../src/crypto/webhook-signature.js";
import { migrateStore } from "../../src/store/migrate.js";
import { openStore, type StoreConfig } from "../../src/store/open.js";
import type { NewMessage, Store, WebhookStore } from "../../src/store/types.js";
import { cliJson, delay, finished, runCli, spawnCli } from "../helpers/cli.js";
import { makeTempDir } from "../helpers/fixtures.js";
import { makePostgresDatabase, pgUnavailable } from "../helpers/postgres.js";

const skip = await pgUnavailable();

const msg = (channel: string, content: string, i: number): NewMessage => ({
  channel,
  sender: "alice",
  content,
  timestamp: 1_800_000_000 + i + 0.5,
  signature: "",
  sigVersion: 0,
  sigTimestamp: null,
  sigNonce: null,
});

/** A SQLite deployment with a bit of everything: 2,500 messages, an operator, an agent, rules, marks. */
async function seedSqlite(path: string): Promise<{ lastId: number }> {
  const store = await openStore({ kind: "sqlite", path, sync: "normal" });
  const q = createQueue({ store });
  await q.seed(LOCAL, "op");
  await store.addAgent({
    name: "herald",
    identity: "h",
    publicKey: "-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----",
    role: "agent",
    registeredBy: "op",
    createdAt: 1_800_000_000,
    revokedAt: null,
    revokedBy: null,
  });
  await store.revokeAgent("herald", "op", 1_800_000_100);
  await store.putAccessRules([
    {
      agent: "herald",
      pattern: "team-*",
      permission: "read",
      effect: "allow",
      setBy: "op",
      setAt: 1_800_000_001,
    },
  ]);
  for (let i = 0; i < 2500; i += 500) {
    await store.append(
      Array.from({ length: 500 }, (_, k) => msg(k % 3 ? "general" : "@bob", `m${i + k} ✓`, i + k)),
    );
  }
  await store.useProof({ key: "s:reference-signature", expiresAt: null });
  await store.advanceWatermark("bob", "general", 1200);
  const lastId = await store.lastId();
  await q.close();
  return { lastId };
}

describe("el-ipc migrate", { skip: skip ?? false }, () => {
  const tmp = makeTempDir();
  after(() => tmp.cleanup());

  it("copies SQLite into PostgreSQL and back, ids kept, verified by counts and checksum", async () => {
    const from = tmp.path("from.db");
    const { lastId } = await seedSqlite(from);
    const pg = await makePostgresDatabase();
    try {
      const progress: number[] = [];
      const source: StoreConfig = { kind: "sqlite", path: from, sync: "normal" };
      const target: StoreConfig = { kind: "postgres", url: pg.url, pool: 2 };
      const r = await migrateStore(source, target, { onProgress: (done) => progress.push(done) });
      assert.equal(r.messages, 2500);
      assert.equal(r.agents, 2);
      assert.equal(r.keyEvents, 1);
      assert.equal(r.accessRules, 1);
      assert.equal(r.watermarks, 1);
      assert.equal(progress.at(-1), 2500);
      const store = await openStore(target);
      try {
        assert.equal(await store.lastId(), lastId, "ids are kept");
        assert.equal((await store.getWatermarks("bob", ["general"])).get("general"), 1200);
        assert.equal((await store.getAgent("herald"))?.revokedBy, "op");
        assert.equal(
          await store.useProof({ key: "s:reference-signature", expiresAt: null }),
          false,
          "replays stay refused",
        );
        const channels = await store.listChannels();
        assert.deepEqual(channels.map((c) => [c.channel, c.count]).sort(), [
          ["@bob", 835],
          ["general", 1665],
        ]);
        const [next] = await store.append([msg("general", "after the move", 9999)]);
        assert.ok(next && "id" in next && next.id > lastId, "new ids come after the copied ones");
      } finally {
        await store.close();
      }
      // And back into a new SQLite file (a backup), through the CLI.
      const back = tmp.path("back.db");
      const out = await cliJson<{ ok: boolean; messages: number; checksum: string }>(
        ["migrate", "--from", pg.url, "--to", back],
        {},
      );
      assert.equal(out.ok, true);
      assert.equal(out.messages, 2501);
      assert.match(out.checksum, /^[0-9a-f]{64}$/);
    } finally {
      await pg.drop();
    }
  });

  it("copies idempotency keys and webhooks both ways, a prefix webhook's cursors passing over nothing", async () => {
    const from = tmp.path("hooks.db");
    await seedSqlite(from);
    const pg = await makePostgresDatabase();
    const pg2 = await makePostgresDatabase();
    const hookOf = (s: Store): WebhookStore => s.webhooks as WebhookStore;
    const newHook = (pattern: string) => ({
      pattern,
      url: "https://hooks.example/in",
      secret: newWebhookSecret(),
      allowPrivate: false,
      createdBy: "op",
      createdAt: 1_800_000_000,
    });
    const keyed = (content: string): NewMessage => ({
      ...msg("general", content, 1),
      idempotencyKey: "retry-1",
    });
    const idOf = (r: unknown): number => (r as { id: number }).id;
    const sqlite: StoreConfig = { kind: "sqlite", path: from, sync: "normal" };
    const onPg: StoreConfig = { kind: "postgres", url: pg.url, pool: 2 };
    const onPg2: StoreConfig = { kind: "postgres", url: pg2.url, pool: 2 };
    try {
      const src = await openStore(sqlite);
      const [first] = await src.append([keyed("once")]);
      const exact = await hookOf(src).addWebhook(newHook("general"));
      const prefix = await hookOf(src).addWebhook(newHook("team-*"));
      await src.append([msg("team-a", "a1", 2), msg("team-b", "b1", 3)]);
      await hookOf(src).setWebhookDisabled(exact, { at: 1_800_000_500, reason: "tested" });
      await src.close();

      const r = await migrateStore(sqlite, onPg);
      assert.equal(r.idempotencyKeys, 1);
      assert.equal(r.webhooks, 2);
      const p = await openStore(onPg);
      try {
        const [again] = await p.append([keyed("once")]);
        assert.deepEqual(
          again,
          { id: idOf(first), duplicate: true },
          "a retry after the move gets the original id",
        );
        const hooks = await hookOf(p).listWebhooks();
        assert.deepEqual(
          hooks.map((w) => [w.id, w.pattern, w.disabledReason]),
          [
            [exact, "general", "tested"],
            [prefix, "team-*", null],
          ],
        );
        const hook = hooks[1] as (typeof hooks)[number];
        assert.deepEqual(
          (await hookOf(p).webhookMessages(hook, 10)).map((m) => m.content),
          ["a1", "b1"],
          "the copied webhook resumes where it was",
        );
        // Deliver team-b's message only, then a late one on team-a: cursors differ per channel.
        const b1 = (await hookOf(p).webhookMessages(hook, 10))[1];
        await hookOf(p).advanceWebhook(prefix, "team-b", b1?.id ?? 0);
        assert.ok(
          (await hookOf(p).addWebhook(newHook("x"))) > prefix,
          "new webhook ids follow the copied ones",
        );
        assert.equal(await hookOf(p).removeWebhook(prefix + 1), true);
      } finally {
        await p.close();
      }

      // PostgreSQL to PostgreSQL keeps the cursors; to SQLite the one safe position (team-a's).
      const pending = async (cfg: StoreConfig): Promise<string[]> => {
        const s = await openStore(cfg);
        try {
          const w = (await hookOf(s).listWebhooks()).find((x) => x.id === prefix);
          return (await hookOf(s).webhookMessages(w as never, 10)).map((m) => m.content);
        } finally {
          await s.close();
        }
      };
      assert.deepEqual(await pending(onPg), ["a1"]);
      const r2 = await migrateStore(onPg, onPg2);
      assert.equal(r2.webhooks, 2);
      assert.deepEqual(await pending(onPg2), ["a1"], "cursors copied between PostgreSQL stores");
      const back = tmp.path("hooks-back.db");
      const out = await cliJson<{ ok: boolean; idempotencyKeys: number; webhooks: number }>(
        ["migrate", "--from", pg.url, "--to", back],
        {},
      );
      assert.deepEqual([out.ok, out.idempotencyKeys, out.webhooks], [true, 1, 2]);
      const left = await pending({ kind: "sqlite", path: back, sync: "normal" });
      assert.equal(left[0], "a1", "nothing passed over on the single-position target");
      assert.deepEqual(left, ["a1", "b1"], "b1 comes once more there (at least once)");
      const s = await openStore({ kind: "sqlite", path: back, sync: "normal" });
      try {
        assert.deepEqual(await s.append([keyed("once")]), [{ id: idOf(first), duplicate: true }]);
      } finally {
        await s.close();
      }
    } finally {
      await pg.drop();
      await pg2.drop();
    }
  });

  it("resumes an interrupted copy, and refuses a target that holds other data", async () => {
    const from = tmp.path("resume.db");
    await seedSqlite(from);
    const pg = await makePostgresDatabase();
    try {
      const source: StoreConfig = { kind: "sqlite", path: from, sync: "normal" };
      const target: StoreConfig = { kind: "postgres", url: pg.url, pool: 2 };
      // Interrupted after the first page: the progress callback throws, as a killed process would stop.
      await assert.rejects(
        migrateStore(source, target, {
          onProgress: (done) => {
            if (done >= 1000) throw new Error("interrupted");
          },
        }),
        /interrupted/,
      );
      const resumed = await migrateStore(source, target);
      assert.equal(resumed.resumedAfter > 0, true, "it went on after the copied messages");
      assert.equal(resumed.messages, 2500);
      // A target with a message of its own no longer matches the source.
      const other = await openStore(target);
      await other.append([msg("general", "not in the source", 1)]);
      await other.close();
      await assert.rejects(
        migrateStore(source, target),
        /already holds 2501 messages \(up to id 2501\) that are not the source's first ones; .*nothing was written/,
      );
    } finally {
      await pg.drop();
    }
  });
});

describe("el-ipc migrate refuses before it writes", () => {
  const tmp = makeTempDir();
  after(() => tmp.cleanup());
  const sqlite = (name: string): StoreConfig => ({ kind: "sqlite", path: tmp.path(name), sync: "normal" });

  /** What a store holds that a refused migrate must leave as it was. */
  async function contents(config: StoreConfig) {
    const store = await openStore(config);
    try {
      const state = await store.portable?.exportState();
      return { messages: await store.portable?.exportMessages(0, 10_000), agents: state?.agents };
    } finally {
      await store.close();
    }
  }

  it("a target that is another deployment (its own operator and messages) is refused and left as it was", async () => {
    await seedSqlite(tmp.path("src.db"));
    const live = sqlite("live.db");
    const store = await openStore(live);
    const q = createQueue({ store });
    await q.seed(LOCAL, "their-op");
    await store.append([msg("general", "theirs", 1), msg("general", "theirs too", 2)]);
    await q.close();
    const before = await contents(live);
    await assert.rejects(
      migrateStore(sqlite("src.db"), live),
      (e: Error & { code?: string }) =>
        e.code === "conflict" &&
        /holds 2 messages .*not the source's first ones.*nothing was written/.test(e.message),
    );
    assert.deepEqual(await contents(live), before);
  });

  it("a target with agents and no messages is refused and left as it was", async () => {
    const seeded = sqlite("seeded.db");
    const store = await openStore(seeded);
    const q = createQueue({ store });
    await q.seed(LOCAL, "their-op");
    await q.close();
    const before = await contents(seeded);
    await assert.rejects(
      migrateStore(sqlite("src.db"), seeded),
      /already holds 1 agents; .*nothing was written/,
    );
    assert.deepEqual(await contents(seeded), before);
  });

  it("a --from that names no database is refused, and neither file is made", async () => {
    await assert.rejects(
      migrateStore(sqlite("nope.db"), sqlite("out.db")),
      (e: Error & { code?: string }) => e.code === "not_found" && /no database at .*nope\.db/.test(e.message),
    );
    const r = await runCli(["migrate", "--from", tmp.path("nope2.db"), "--to", tmp.path("out2.db")], {
      ...process.env,
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^el-ipc: no database at \S+nope2\.db \(--from must name an existing one\)\n$/);
    for (const f of ["nope.db", "out.db", "nope2.db", "out2.db"])
      assert.equal(existsSync(tmp.path(f)), false, f);
  });

  it("a migrate stopped by a signal says how far it got and that the same command resumes it", async () => {
    const big = sqlite("big.db");
    const store = await openStore(big);
    for (let i = 0; i < 80; i++) {
      await store.append(Array.from({ length: 1000 }, (_, j) => msg("bulk", `m${i}-${j}`, i * 1000 + j)));
    }
    await store.close();
    const args = ["migrate", "--from", tmp.path("big.db"), "--to", tmp.path("big-copy.db")];
    const child = spawnCli(args, { ...process.env });
    const done = finished(child);
    // Stopped once the copy is under way (its target exists).
    const until = Date.now() + 20_000;
    while (Date.now() < until && !existsSync(tmp.path("big-copy.db"))) await delay(5);
    child.kill("SIGTERM");
    const r = await done;
    assert.equal(r.code, 143, `exit ${r.code}: ${r.stderr}${r.stdout}`);
    assert.match(
      r.stderr,
      /^el-ipc: migrate interrupted( after \d+ of 80000 messages)?; run the same command again to resume\n$/,
    );
    const again = await cliJson<{ messages: number; resumedAfter: number }>(args, { ...process.env });
    assert.equal(again.messages, 80_000);
  });

  it("an empty target is copied into, and a finished copy of the same source can be run again", async () => {
    const out = sqlite("copy.db");
    const first = await migrateStore(sqlite("src.db"), out);
    const again = await migrateStore(sqlite("src.db"), out);
    assert.equal(again.checksum, first.checksum);
    assert.equal(again.resumedAfter, first.messages);
  });
});
