// The core through createQueue on a temp SQLite store with a manual clock: sending, reading, waiting,
// watermarks, limits, and secure mode (registration, signatures, replay, freshness, principals).

import { strict as assert } from "node:assert";
import type { KeyObject } from "node:crypto";
import { afterEach, beforeEach, describe, it } from "node:test";
import { requestProofHeaders, signMessageV2, signRegistration } from "../../src/client/sign.js";
import { ANONYMOUS, LOCAL } from "../../src/core/caller.js";
import { cardDid } from "../../src/core/card.js";
import { IpcError } from "../../src/core/errors.js";
import { createQueue, type Queue, type QueueOptions } from "../../src/core/queue.js";
import type { Delivered, RegistrationInput, SendInput } from "../../src/core/types.js";
import { legacyMessageBytes } from "../../src/crypto/canonical.js";
import {
  generateKeyPair,
  parsePrivateKey,
  parsePublicKey,
  samePublicKey,
  sha256Hex,
  signBytes,
} from "../../src/crypto/keys.js";
import type { Store } from "../../src/store/types.js";
import { createManualClock, type ManualClock, within } from "../helpers/fixtures.js";
import { makeTestStore, type TestStore } from "../helpers/store.js";

const MINUTE = 60_000;

const fails = (code: string) => (e: unknown) => {
  assert.ok(e instanceof IpcError, `expected IpcError ${code}, got ${String(e)}`);
  assert.equal(e.code, code, e.message);
  return true;
};

/** Resolves once `n` reads are parked in the hub (the read got past its checks and first fetch). */
async function parked(q: Queue, n = 1): Promise<void> {
  for (let i = 0; q.waiting() < n; i++) {
    assert.ok(i < 10_000, "the read never parked");
    await new Promise<void>((r) => setImmediate(r));
  }
}

interface Ctx {
  tmp: TestStore;
  store: Store;
  clock: ManualClock;
  q: Queue;
}

async function open(options: Partial<QueueOptions> = {}): Promise<Ctx> {
  const tmp = await makeTestStore();
  const store = await tmp.open();
  const clock = createManualClock();
  return { tmp, store, clock, q: createQueue({ store, clock: clock.now, ...options }) };
}

async function shut(c: Ctx): Promise<void> {
  await c.q.close();
  await c.tmp.cleanup();
}

const watermark = async (c: Ctx, agent: string, channel: string): Promise<number> =>
  (await c.store.getWatermarks(agent, [channel])).get(channel) ?? -1;

describe("queue in open mode", () => {
  let c: Ctx;
  beforeEach(async () => {
    c = await open();
  });
  afterEach(() => shut(c));

  const send = (channel: string, content: string, sender = "alice") => c.q.send({ channel, sender, content });
  const read = (agent: string, channels: string[], extra: Record<string, unknown> = {}) =>
    c.q.read(ANONYMOUS, { channels, agent, ...extra });

  it("sends, then reads each message once and moves the watermark", async () => {
    const r1 = await send("general", "hello");
    assert.deepEqual(r1, { id: 1, channel: "general", signed: false, duplicate: false });
    c.clock.advance(1500);
    const r2 = await send("general", "world\nline 2");
    assert.deepEqual(await read("bob", ["general"]), [
      { id: r1.id, channel: "general", sender: "alice", content: "hello", timestamp: 1_800_000_000 },
      {
        id: r2.id,
        channel: "general",
        sender: "alice",
        content: "world\nline 2",
        timestamp: 1_800_000_001.5,
      },
    ]);
    assert.deepEqual(await read("bob", ["general"]), []);
    assert.equal(await watermark(c, "bob", "general"), r2.id);
    assert.equal((await read("carol", ["general"])).length, 2);
  });

  it("peeks without moving the watermark; ack moves it forward only", async () => {
    const ids = [];
    for (const m of ["m1", "m2", "m3"]) ids.push((await send("general", m)).id);
    const [id1, , id3] = ids as [number, number, number];
    const peek = () => read("bob", ["general"], { peek: true }).then((ms) => ms.map((m) => m.content));
    assert.deepEqual(await peek(), ["m1", "m2", "m3"]);
    assert.deepEqual(await peek(), ["m1", "m2", "m3"]);
    assert.equal(await watermark(c, "bob", "general"), 0);
    await c.q.ack(ANONYMOUS, { channel: "general", agent: "bob", id: id1 });
    assert.deepEqual(await peek(), ["m2", "m3"]);
    await c.q.ack(ANONYMOUS, { channel: "general", agent: "bob", id: id3 });
    await c.q.ack(ANONYMOUS, { channel: "general", agent: "bob", id: id1 });
    assert.equal(await watermark(c, "bob", "general"), id3);
    assert.deepEqual(await peek(), []);
    assert.equal((await c.q.health(LOCAL, { channel: "general", agent: "bob" })).pending, 0);
    assert.equal((await c.q.health(LOCAL, { channel: "general", agent: "carol" })).pending, 3);
  });

  it("refuses to ack something that is not a message id", async () => {
    for (const id of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      await assert.rejects(
        c.q.ack(ANONYMOUS, { channel: "general", agent: "bob", id }),
        fails("invalid_argument"),
      );
    }
  });

  it("pages through a 1,000-message backlog 100 at a time", async () => {
    const sent = await c.q.sendBatch(
      Array.from({ length: 1000 }, (_, i) => ({ channel: "backlog", sender: "alice", content: `m${i}` })),
    );
    assert.equal(sent.length, 1000);
    const first = await read("bob", ["backlog"]);
    assert.deepEqual(
      first.map((m) => m.content),
      Array.from({ length: 100 }, (_, i) => `m${i}`),
    );
    const second = await read("bob", ["backlog"]);
    assert.deepEqual(
      second.map((m) => m.content),
      Array.from({ length: 100 }, (_, i) => `m${i + 100}`),
    );
    assert.equal(await watermark(c, "bob", "backlog"), second[99]?.id);
    assert.equal((await read("bob", ["backlog"], { limit: 5000 })).length, 800);
    assert.deepEqual(await read("bob", ["backlog"]), []);
    assert.equal((await read("carol", ["backlog"], { limit: 5000, peek: true })).length, 1000);
    await assert.rejects(read("carol", ["backlog"], { limit: 0 }), fails("invalid_argument"));
  });

  it("reads several channels merged in id order and moves each channel's watermark", async () => {
    const ids: Record<string, number> = {};
    for (const m of ["a1", "b1", "c1", "a2", "b2", "c2", "a3"]) ids[m] = (await send(m[0] as string, m)).id;
    const page = await read("bob", ["a", "b"], { limit: 3 });
    assert.deepEqual(
      page.map((m) => m.content),
      ["a1", "b1", "a2"],
    );
    assert.equal(await watermark(c, "bob", "a"), ids.a2);
    assert.equal(await watermark(c, "bob", "b"), ids.b1);
    assert.deepEqual(
      (await read("bob", ["b", "a"])).map((m) => m.content),
      ["b2", "a3"],
    );
    assert.equal(await watermark(c, "bob", "c"), 0);
    assert.deepEqual(
      (await read("bob", ["c"])).map((m) => m.content),
      ["c1", "c2"],
    );
  });

  it("wakes a waiting read when a message arrives", async () => {
    const waiting = read("bob", ["general"], { wait: true });
    await parked(c.q);
    const sent = await send("general", "you've got mail");
    const got = await waiting;
    assert.deepEqual(
      got.map((m) => [m.id, m.content]),
      [[sent.id, "you've got mail"]],
    );
    assert.equal(c.q.waiting(), 0);
    assert.equal(await watermark(c, "bob", "general"), sent.id);
  });

  it("wakes a thousand readers of one channel at once, each with the message, each watermark moved", async () => {
    const agents = Array.from({ length: 1000 }, (_, i) => `r${i}`);
    const waiting = agents.map((a) => read(a, ["fan"], { wait: true }));
    // One of them also waits on a second channel; it must leave that channel's waiters too.
    const both = read("both", ["quiet", "fan"], { wait: true });
    await parked(c.q, agents.length + 1);
    const sent = await send("fan", "to everyone");
    const got = await Promise.all([...waiting, both]);
    for (const [i, msgs] of got.entries()) {
      assert.deepEqual(
        msgs.map((m) => [m.id, m.channel, m.content]),
        [[sent.id, "fan", "to everyone"]],
        `reader ${i}`,
      );
    }
    assert.equal(c.q.waiting(), 0);
    for (const a of ["r0", "r500", "r999", "both"]) assert.equal(await watermark(c, a, "fan"), sent.id);
    // The channels are free for the next waiters.
    const next = read("r1", ["quiet"], { wait: true });
    await parked(c.q);
    await send("quiet", "later");
    assert.deepEqual(
      (await next).map((m) => m.content),
      ["later"],
    );
  });

  it("wakes a read waiting on several channels for any of them", async () => {
    const waiting = read("bob", ["general", "build"], { wait: true });
    await parked(c.q);
    await send("build", "built");
    assert.deepEqual(
      (await waiting).map((m) => m.content),
      ["built"],
    );
  });

  it("wakes a waiting read when another process sends on the same database", async (t) => {
    if (!c.tmp.shared) {
      t.skip(`the ${c.tmp.kind} store has no second process to send from`);
      return;
    }
    const otherStore = await c.tmp.open();
    const other = createQueue({ store: otherStore, clock: c.clock.now });
    try {
      const waiting = read("bob", ["general"], { wait: true });
      await parked(c.q);
      const sent = await other.send({ channel: "general", sender: "alice", content: "from elsewhere" });
      const got = await within(waiting, 2000);
      assert.notEqual(got, "timeout", "the read was not woken by the other process's commit");
      assert.deepEqual(
        (got as Delivered[]).map((m) => [m.id, m.content]),
        [[sent.id, "from elsewhere"]],
      );
    } finally {
      await other.close();
    }
  });

  it("returns at once from a waiting read when messages are already there", async () => {
    await send("general", "already here");
    assert.deepEqual(
      (await read("bob", ["general"], { wait: true })).map((m) => m.content),
      ["already here"],
    );
    assert.equal(c.q.waiting(), 0);
  });

  it("ends a wait with [] when timeoutMs passes", async () => {
    assert.deepEqual(await read("bob", ["general"], { wait: true, timeoutMs: 20 }), []);
    assert.equal(c.q.waiting(), 0);
  });

  it("ends a wait with [] when its AbortSignal fires, leaving the watermark", async () => {
    const ac = new AbortController();
    const waiting = read("bob", ["general"], { wait: true, signal: ac.signal });
    await parked(c.q);
    ac.abort();
    assert.deepEqual(await waiting, []);
    assert.equal(c.q.waiting(), 0);
    await send("general", "after the abort");
    assert.equal(await watermark(c, "bob", "general"), 0);
    assert.deepEqual(await read("bob", ["general"], { wait: true, signal: AbortSignal.abort() }), [
      {
        id: 1,
        channel: "general",
        sender: "alice",
        content: "after the abort",
        timestamp: 1_800_000_000,
      },
    ]);
    assert.deepEqual(await read("carol", ["empty"], { wait: true, signal: AbortSignal.abort() }), []);
  });

  it("lets only its owner read an @inbox", async () => {
    await send("@bob", "psst", "alice");
    await send("general", "public");
    await assert.rejects(read("alice", ["@bob"]), fails("forbidden"));
    await assert.rejects(read("alice", ["general", "@bob"]), fails("forbidden"));
    await assert.rejects(c.q.ack(ANONYMOUS, { channel: "@bob", agent: "alice", id: 1 }), fails("forbidden"));
    assert.equal(await watermark(c, "alice", "general"), 0);
    assert.deepEqual(
      (await read("bob", ["@bob"])).map((m) => m.content),
      ["psst"],
    );
  });

  it("refuses invalid names and accepts the reference's names", async () => {
    const bad = [
      "has space",
      "a,b",
      "bell\u0007",
      "tab\there",
      "new\nline",
      "",
      "x".repeat(129),
      "nbsp\u00a0",
    ];
    for (const name of bad) {
      await assert.rejects(send(name, "x"), fails("invalid_argument"), `channel ${JSON.stringify(name)}`);
      await assert.rejects(
        send("general", "x", name),
        fails("invalid_argument"),
        `sender ${JSON.stringify(name)}`,
      );
      await assert.rejects(
        read(name, ["general"]),
        fails("invalid_argument"),
        `agent ${JSON.stringify(name)}`,
      );
      await assert.rejects(
        read("bob", [name]),
        fails("invalid_argument"),
        `read channel ${JSON.stringify(name)}`,
      );
    }
    assert.equal(await c.store.lastId(), 0);
    const good = [
      "ünïcødé-chan",
      "agent-a",
      "op-main",
      "herald",
      "x".repeat(128),
      "🚀".repeat(128),
      "@agent-a",
    ];
    for (const name of good) {
      const r = await send(name, "ok", name.replace(/^@/, ""));
      assert.equal(r.channel, name);
    }
    assert.deepEqual(
      (await read("agent-a", ["ünïcødé-chan", "@agent-a"])).map((m) => m.sender),
      ["ünïcødé-chan", "agent-a"],
    );
  });

  it("refuses a message over limits.contentBytes with too_large", async () => {
    const small = await open({ limits: { contentBytes: 16 } });
    try {
      const s = (content: string) => small.q.send({ channel: "general", sender: "alice", content });
      assert.equal((await s("x".repeat(16))).id, 1);
      await assert.rejects(s("x".repeat(17)), fails("too_large"));
      await assert.rejects(s("é".repeat(9)), fails("too_large"));
      assert.equal((await s("é".repeat(8))).id, 2);
      assert.equal(await small.store.lastId(), 2);
    } finally {
      await shut(small);
    }
    assert.equal((await send("general", "x".repeat(65_536))).id, 1);
    await assert.rejects(send("general", "x".repeat(65_537)), fails("too_large"));
  });

  it("returns the first id for a repeated idempotency key", async () => {
    const a = await c.q.send({ channel: "general", sender: "alice", content: "once", key: "k-1" });
    const b = await c.q.send({ channel: "general", sender: "alice", content: "once", key: "k-1" });
    assert.deepEqual(b, { ...a, duplicate: true });
    assert.equal((await read("bob", ["general"])).length, 1);
    await assert.rejects(
      c.q.send({ channel: "general", sender: "alice", content: "x", key: "" }),
      fails("invalid_argument"),
    );
  });

  it("stores a batch whole or not at all", async () => {
    await assert.rejects(
      c.q.sendBatch([
        { channel: "general", sender: "alice", content: "fine" },
        { channel: "bad channel", sender: "alice", content: "not fine" },
      ]),
      (e: unknown) => fails("invalid_argument")(e) && /^message 1:/.test((e as Error).message),
    );
    assert.equal(await c.store.lastId(), 0);
    await assert.rejects(c.q.sendBatch([]), fails("invalid_argument"));
    const ok = await c.q.sendBatch([
      { channel: "a", sender: "alice", content: "1" },
      { channel: "b", sender: "alice", content: "2" },
    ]);
    assert.deepEqual(
      ok.map((r) => [r.id, r.channel]),
      [
        [1, "a"],
        [2, "b"],
      ],
    );
  });

  it("needs a channel to read", async () => {
    await assert.rejects(read("bob", []), fails("invalid_argument"));
  });
});

describe("queue in secure mode", () => {
  let c: Ctx;
  let opKey: KeyObject;
  let heraldKey: KeyObject;
  let heraldPem: string;

  const registration = (
    key: KeyObject,
    r: { operator: string; name: string; identity?: string; publicKey: string },
    at = c.clock.now(),
  ): RegistrationInput => {
    const body = signRegistration(key, { identity: "", ...r }, at);
    return {
      name: body.name,
      publicKey: body.public_key,
      identity: body.identity,
      operator: body.operator,
      signedAt: body.signed_at,
      nonce: body.nonce,
      signature: body.signature,
    };
  };
  const signedV2 = (
    key: KeyObject,
    m: { channel: string; sender: string; content: string },
    at = c.clock.now(),
  ) => {
    const s = signMessageV2(key, m, at);
    return { ...m, signature: s.signature, signedAt: s.signed_at, nonce: s.nonce } satisfies SendInput;
  };
  const heraldSays = (content: string, at?: number) =>
    signedV2(heraldKey, { channel: "general", sender: "herald", content }, at);
  const asHerald = { kind: "agent", agent: "herald" } as const;

  beforeEach(async () => {
    c = await open();
    opKey = parsePrivateKey((await c.q.seed(LOCAL, "op-main")).privateKey);
    c.clock.advance(1000);
    const pair = generateKeyPair();
    heraldKey = parsePrivateKey(pair.privateKey);
    heraldPem = pair.publicKey;
    const msg = await c.q.register(
      registration(opKey, { operator: "op-main", name: "herald", identity: "h-1", publicKey: heraldPem }),
    );
    assert.match(msg, /herald/);
  });
  afterEach(() => shut(c));

  it("turns secure mode on with the first operator and lists roles", async () => {
    assert.equal(await c.q.isSecure(), true);
    assert.equal((await c.q.health(ANONYMOUS)).secure_mode, true);
    const t = c.clock.now() / 1000;
    assert.deepEqual(await c.q.agents(LOCAL), [
      { name: "op-main", identity: "", role: "operator", registered_by: null, created_at: t - 1 },
      { name: "herald", identity: "h-1", role: "agent", registered_by: "op-main", created_at: t },
    ]);
    const card = await c.q.agentCard();
    assert.equal(card.capabilities.extensions[0]?.params.secureMode, true);
    assert.match(cardDid(card) ?? "", /^did:key:z6Mk/);
  });

  it("refuses an unsigned send", async () => {
    await assert.rejects(
      c.q.send({ channel: "general", sender: "herald", content: "hi" }),
      fails("unauthorized"),
    );
    await assert.rejects(
      c.q.send({ channel: "general", sender: "herald", content: "hi", signature: "" }),
      fails("unauthorized"),
    );
    assert.equal(await c.store.lastId(), 0);
  });

  it("accepts a v2-signed send and delivers its signature fields", async () => {
    const input = heraldSays("signed hello");
    assert.deepEqual(await c.q.send(input), { id: 1, channel: "general", signed: true, duplicate: false });
    const [d] = await c.q.read(asHerald, { channels: ["general"], agent: "herald" });
    assert.deepEqual(d, {
      id: 1,
      channel: "general",
      sender: "herald",
      content: "signed hello",
      timestamp: c.clock.now() / 1000,
      signed: true,
      signature: input.signature,
      sig_version: 2,
      signed_at: input.signedAt,
      nonce: input.nonce,
    });
  });

  it("refuses the same v2 message twice as replayed", async () => {
    const input = heraldSays("only once");
    await c.q.send(input);
    c.clock.advance(MINUTE);
    await assert.rejects(c.q.send(input), fails("replayed"));
    assert.equal(await c.store.lastId(), 1);
  });

  it("refuses a signed_at outside ±5 minutes and accepts one inside", async () => {
    const stale = heraldSays("stale");
    c.clock.advance(6 * MINUTE);
    await assert.rejects(c.q.send(stale), fails("bad_signature"));
    await assert.rejects(c.q.send(heraldSays("future", c.clock.now() + 6 * MINUTE)), fails("bad_signature"));
    assert.equal((await c.q.send(heraldSays("4 min old", c.clock.now() - 4 * MINUTE))).signed, true);
    assert.equal((await c.q.send(heraldSays("4 min ahead", c.clock.now() + 4 * MINUTE))).signed, true);
    assert.equal(await c.store.lastId(), 2);
  });

  it("refuses a signature that does not match the sender or the content", async () => {
    const forged = signedV2(opKey, { channel: "general", sender: "herald", content: "forged" });
    await assert.rejects(c.q.send(forged), fails("unauthorized"));
    await assert.rejects(c.q.send({ ...heraldSays("original"), content: "changed" }), fails("unauthorized"));
    await assert.rejects(c.q.send({ ...heraldSays("to general"), channel: "build" }), fails("unauthorized"));
    await assert.rejects(
      c.q.send(signedV2(heraldKey, { channel: "general", sender: "ghost", content: "x" })),
      fails("unauthorized"),
    );
    assert.equal(await c.store.lastId(), 0);
  });

  it("accepts a reference-form signature once", async () => {
    const content = "reference form";
    const signature = signBytes(heraldKey, legacyMessageBytes("general", "herald", content));
    const m = { channel: "general", sender: "herald", content, signature };
    assert.equal((await c.q.send(m)).signed, true);
    await assert.rejects(c.q.send(m), fails("replayed"));
    const [d] = await c.q.read(asHerald, { channels: ["general"], agent: "herald" });
    assert.equal(d?.sig_version, 1);
    assert.equal(d?.signed_at, undefined);
  });

  it("stores none of a batch when one of its messages is a replay", async () => {
    const first = heraldSays("first");
    await c.q.send(first);
    const fresh = heraldSays("fresh");
    await assert.rejects(c.q.sendBatch([fresh, first]), fails("replayed"));
    assert.equal(await c.store.lastId(), 1);
    // The refused batch did not use up the fresh message's nonce.
    assert.equal((await c.q.sendBatch([fresh]))[0]?.id, 2);
  });

  it("refuses a read without a principal and leaves the watermark", async () => {
    await c.q.send(heraldSays("secret"));
    await assert.rejects(
      c.q.read(ANONYMOUS, { channels: ["general"], agent: "herald" }),
      fails("unauthorized"),
    );
    await assert.rejects(
      c.q.read(ANONYMOUS, { channels: ["general"], agent: "herald", wait: true }),
      fails("unauthorized"),
    );
    await assert.rejects(
      c.q.read({ kind: "operator", agent: "op-main" }, { channels: ["general"], agent: "herald" }),
      fails("forbidden"),
    );
    await assert.rejects(
      c.q.ack(ANONYMOUS, { channel: "general", agent: "herald", id: 1 }),
      fails("unauthorized"),
    );
    assert.equal(await watermark(c, "herald", "general"), 0);
    assert.equal((await c.q.read(asHerald, { channels: ["general"], agent: "herald" })).length, 1);
    assert.equal(await watermark(c, "herald", "general"), 1);
  });

  it("proves a local caller by its private key", async () => {
    assert.deepEqual(await c.q.proveKey("herald", heraldKey), {
      ...asHerald,
      key: heraldPem.trim(),
    });
    const op = await c.q.proveKey("op-main", opKey);
    assert.deepEqual(op, {
      kind: "operator",
      agent: "op-main",
      key: (await c.store.getAgent("op-main"))?.publicKey,
    });
    await assert.rejects(c.q.proveKey("herald", opKey), fails("bad_signature"));
    await assert.rejects(
      c.q.proveKey("herald", parsePrivateKey(generateKeyPair().privateKey)),
      fails("bad_signature"),
    );
    await assert.rejects(c.q.proveKey("herald", undefined), fails("unauthorized"));
    await assert.rejects(c.q.proveKey("ghost", heraldKey), fails("unknown_agent"));
  });

  it("authenticates a request proof once", async () => {
    const target = "/messages?channel=general&agent=herald";
    const h = requestProofHeaders(heraldKey, "herald", "get", target, "", c.clock.now());
    const proof = {
      agent: h["x-ipc-agent"] as string,
      method: "GET",
      target,
      bodySha256: sha256Hex(""),
      timestamp: Number(h["x-ipc-timestamp"]),
      nonce: h["x-ipc-nonce"] as string,
      signature: h["x-ipc-signature"] as string,
    };
    assert.deepEqual(await c.q.authenticate(proof), { ...asHerald, key: heraldPem.trim() });
    await assert.rejects(c.q.authenticate(proof), fails("replayed"));
    const other = requestProofHeaders(heraldKey, "herald", "GET", target, "", c.clock.now());
    await assert.rejects(
      c.q.authenticate({
        ...proof,
        target: "/messages?channel=build&agent=herald",
        nonce: other["x-ipc-nonce"] as string,
        signature: other["x-ipc-signature"] as string,
      }),
      fails("unauthorized"),
    );
  });

  it("refuses to register a taken name and keeps the operator an operator", async () => {
    const newcomer = generateKeyPair();
    await assert.rejects(
      c.q.register(
        registration(opKey, { operator: "op-main", name: "herald", publicKey: newcomer.publicKey }),
      ),
      fails("conflict"),
    );
    await assert.rejects(
      c.q.register(
        registration(opKey, { operator: "op-main", name: "op-main", publicKey: newcomer.publicKey }),
      ),
      fails("conflict"),
    );
    await assert.rejects(c.q.seed(LOCAL, "op-main"), fails("conflict"));
    await assert.rejects(c.q.seed(LOCAL, "herald"), fails("conflict"));
    const op = await c.store.getAgent("op-main");
    assert.equal(op?.role, "operator");
    assert.equal(samePublicKey(opKey, parsePublicKey(op?.publicKey ?? "")), true);
    const herald = await c.store.getAgent("herald");
    assert.equal(herald?.role, "agent");
    assert.equal(samePublicKey(heraldKey, parsePublicKey(herald?.publicKey ?? "")), true);
    assert.equal(await c.store.hasOperator(), true);
    assert.equal(await c.q.isSecure(), true);
  });

  it("registers only under a fresh, valid operator signature", async () => {
    const pem = generateKeyPair().publicKey;
    await assert.rejects(
      c.q.register(registration(heraldKey, { operator: "op-main", name: "n1", publicKey: pem })),
      fails("unauthorized"),
    );
    await assert.rejects(
      c.q.register(registration(heraldKey, { operator: "herald", name: "n2", publicKey: pem })),
      fails("forbidden"),
    );
    await assert.rejects(
      c.q.register(registration(opKey, { operator: "ghost", name: "n3", publicKey: pem })),
      fails("unauthorized"),
    );
    await assert.rejects(
      c.q.register(
        registration(opKey, { operator: "op-main", name: "n4", publicKey: pem }, c.clock.now() - 6 * MINUTE),
      ),
      fails("bad_signature"),
    );
    await assert.rejects(
      c.q.register(
        registration(opKey, { operator: "op-main", name: "n5", publicKey: generateKeyPair().privateKey }),
      ),
      fails("invalid_argument"),
    );
    assert.deepEqual(
      (await c.store.listAgents()).map((a) => a.name),
      ["op-main", "herald"],
    );
    const ok = registration(opKey, { operator: "op-main", name: "n6", publicKey: pem });
    await c.q.register(ok);
    assert.equal((await c.store.getAgent("n6"))?.registeredBy, "op-main");
  });

  it("checks the time window before looking up the sender (docs/PROTOCOL.md section 5)", {}, async () => {
    const stale = signedV2(
      heraldKey,
      { channel: "general", sender: "ghost", content: "x" },
      c.clock.now() - 6 * MINUTE,
    );
    await assert.rejects(c.q.send(stale), fails("bad_signature"));
    await assert.rejects(c.q.send({ ...stale, nonce: "bad nonce" }), fails("invalid_argument"));
  });
});
