// A database written by the reference implementation (compat/seed-ipc.db) keeps everything that
// seed-ipc.expect.json lists once el-ipc opens and migrates a copy of it.

import { strict as assert } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import Database from "better-sqlite3";
import { ANONYMOUS } from "../../src/core/caller.js";
import { IpcError } from "../../src/core/errors.js";
import { createQueue } from "../../src/core/queue.js";
import { legacyMessageBytes } from "../../src/crypto/canonical.js";
import {
  parsePrivateKey,
  parsePublicKey,
  samePublicKey,
  signBytes,
  verifyBytes,
} from "../../src/crypto/keys.js";
import { createSqliteStore } from "../../src/store/sqlite/index.js";
import type { MessageRecord, Store } from "../../src/store/types.js";
import {
  compatJson,
  compatText,
  copyCompat,
  makeTempDir,
  REPO_ROOT,
  type TempDir,
} from "../helpers/fixtures.js";

interface Expect {
  channels: Record<string, number>;
  unread_for: Record<string, string[]>;
  secure_mode: boolean;
  agents: Record<string, "operator" | "agent">;
  herald_identity: string;
}

const expected = compatJson<Expect>("seed-ipc.expect.json");
const MIGRATION_COUNT = readdirSync(join(REPO_ROOT, "src", "store", "sqlite", "migrations")).filter((f) =>
  /^\d{3}_.+\.sql$/.test(f),
).length;

/** Unread contents of `agent` on `channel`, read through the Store API as a reader would. */
async function unread(store: Store, agent: string, channel: string): Promise<string[]> {
  const after = (await store.getWatermarks(agent, [channel])).get(channel) ?? 0;
  return (await store.readAfter([{ channel, after }], 1000)).map((m) => m.content);
}

async function channelCounts(store: Store): Promise<Record<string, number>> {
  return Object.fromEntries((await store.listChannels()).map((c) => [c.channel, c.count]));
}

const isIpcError = (code: string) => (e: unknown) => e instanceof IpcError && e.code === code;

describe("reference database seed-ipc.db", () => {
  let tmp: TempDir;
  let path: string;
  let store: Store;

  beforeEach(() => {
    tmp = makeTempDir();
    path = copyCompat("seed-ipc.db", tmp.dir, "ipc.db");
    store = createSqliteStore({ path });
  });
  afterEach(async () => {
    await store.close();
    tmp.cleanup();
  });

  it("keeps the channel counts, newest activity first", async () => {
    assert.deepEqual(await channelCounts(store), expected.channels);
    const list = await store.listChannels();
    assert.deepEqual(
      list.map((c) => c.channel),
      ["general", "build"],
    );
    assert.equal(list[0]?.lastMessage, 1_795_626_834.1957986);
    assert.equal(await store.lastId(), 10);
  });

  for (const [who, contents] of Object.entries(expected.unread_for)) {
    const [agent, channel] = who.split("@") as [string, string];
    it(`keeps what ${agent} has not read on ${channel}`, async () => {
      assert.deepEqual(await unread(store, agent, channel), contents);
      const after = (await store.getWatermarks(agent, [channel])).get(channel) ?? 0;
      assert.equal(await store.countAfter(channel, after), contents.length);
    });
  }

  it("keeps carol's watermark where the reference left it", async () => {
    assert.equal((await store.getWatermarks("carol", ["general"])).get("general"), 5);
  });

  it("keeps the operator and herald with their roles, keys and identity", async () => {
    const agents = await store.listAgents();
    assert.deepEqual(Object.fromEntries(agents.map((a) => [a.name, a.role])), expected.agents);
    assert.deepEqual(
      agents.map((a) => a.name),
      ["op-main", "herald"],
    );
    const herald = await store.getAgent("herald");
    assert.ok(herald);
    assert.equal(herald.identity, expected.herald_identity);
    assert.equal(herald.role, "agent");
    assert.equal(herald.registeredBy, "op-main");
    assert.equal(herald.revokedAt, null);
    assert.equal(
      samePublicKey(parsePublicKey(herald.publicKey), parsePublicKey(compatText("herald.pub"))),
      true,
    );
    const op = await store.getAgent("op-main");
    assert.ok(op);
    assert.equal(op.role, "operator");
    assert.equal(op.registeredBy, null);
    assert.equal(
      samePublicKey(parsePrivateKey(compatText("op-main.key")), parsePublicKey(op.publicKey)),
      true,
    );
  });

  it("is in secure mode", async () => {
    assert.equal(await store.hasOperator(), expected.secure_mode);
    const queue = createQueue({ store });
    assert.equal(await queue.isSecure(), true);
    assert.equal((await queue.health(ANONYMOUS)).secure_mode, true);
  });

  it("keeps message 10's reference signature as sigVersion 1", async () => {
    const all = await store.readAfter([{ channel: "general", after: 0 }], 100);
    const m10 = all.find((m) => m.id === 10) as MessageRecord;
    assert.equal(m10.sender, "herald");
    assert.equal(m10.content, "shared signed by herald");
    assert.equal(m10.sigVersion, 1);
    assert.equal(m10.sigTimestamp, null);
    assert.equal(m10.sigNonce, null);
    assert.match(m10.signature, /^[A-Za-z0-9+/]{86}==$/);
    const bytes = legacyMessageBytes(m10.channel, m10.sender, m10.content);
    assert.equal(verifyBytes(parsePublicKey(compatText("herald.pub")), bytes, m10.signature), true);
    // Ed25519 is deterministic, so herald.key signs the same bytes to the very same signature.
    assert.equal(signBytes(parsePrivateKey(compatText("herald.key")), bytes), m10.signature);
    for (const m of all.filter((x) => x.id !== 10)) {
      assert.deepEqual([m.signature, m.sigVersion], ["", 0], `message ${m.id}`);
    }
  });

  it("accepts a new reference-form send by herald and refuses message 10 as a replay", async () => {
    const heraldKey = parsePrivateKey(readFileSync(copyCompat("herald.key", tmp.dir), "utf8"));
    const queue = createQueue({ store });
    const content = "a new message from el-ipc";
    const signature = signBytes(heraldKey, legacyMessageBytes("general", "herald", content));
    const sent = await queue.send({ channel: "general", sender: "herald", content, signature });
    assert.deepEqual(sent, { id: 11, channel: "general", signed: true, duplicate: false });

    const m10 = (await store.readAfter([{ channel: "general", after: 9 }], 1))[0] as MessageRecord;
    await assert.rejects(
      queue.send({
        channel: m10.channel,
        sender: m10.sender,
        content: m10.content,
        signature: m10.signature,
      }),
      isIpcError("replayed"),
    );
    await assert.rejects(
      queue.send({ channel: "general", sender: "herald", content, signature }),
      isIpcError("replayed"),
    );
    assert.equal(await store.lastId(), 11);

    const caller = await queue.proveKey("herald", heraldKey);
    assert.deepEqual(caller, {
      kind: "agent",
      agent: "herald",
      key: (await store.getAgent("herald"))?.publicKey,
    });
    const read = await queue.read(caller, { channels: ["general"], agent: "herald", limit: 100 });
    assert.deepEqual(
      read.map((d) => d.id),
      [1, 2, 3, 4, 5, 9, 10, 11],
    );
    assert.deepEqual(
      read.filter((d) => d.signed).map((d) => [d.id, d.sig_version, d.signature]),
      [
        [10, 1, m10.signature],
        [11, 1, signature],
      ],
    );
    await queue.close();

    // Reopened: the counts, the new message and the used signatures all survive, the migration does not rerun.
    for (let i = 0; i < 2; i++) {
      store = createSqliteStore({ path });
      assert.deepEqual(await channelCounts(store), {
        ...expected.channels,
        general: (expected.channels.general ?? 0) + 1,
      });
      assert.deepEqual(await unread(store, "carol", "general"), [
        ...(expected.unread_for["carol@general"] ?? []),
        content,
      ]);
      assert.deepEqual(await unread(store, "dave", "build"), expected.unread_for["dave@build"]);
      assert.equal((await store.getWatermarks("herald", ["general"])).get("general"), 11);
      const again = createQueue({ store });
      await assert.rejects(
        again.send({
          channel: m10.channel,
          sender: m10.sender,
          content: m10.content,
          signature: m10.signature,
        }),
        isIpcError("replayed"),
      );
      await again.close();
    }
    store = createSqliteStore({ path });
    const db = new Database(path, { readonly: true });
    try {
      assert.equal(db.pragma("user_version", { simple: true }), MIGRATION_COUNT);
      assert.equal(db.pragma("integrity_check", { simple: true }), "ok");
      assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
    } finally {
      db.close();
    }
  });

  it("migrates idempotently: close and reopen keep everything", async () => {
    await store.close();
    store = createSqliteStore({ path });
    await store.close();
    store = createSqliteStore({ path });
    assert.deepEqual(await channelCounts(store), expected.channels);
    for (const [who, contents] of Object.entries(expected.unread_for)) {
      const [agent, channel] = who.split("@") as [string, string];
      assert.deepEqual(await unread(store, agent, channel), contents, who);
    }
    assert.equal((await store.getAgent("herald"))?.identity, expected.herald_identity);
    assert.equal(await store.hasOperator(), true);
  });
});
