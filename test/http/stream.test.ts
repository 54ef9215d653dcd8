// GET /stream (Server-Sent Events) on a real listening server: events, resume from Last-Event-ID or the
// watermark, ack and autoack, several channels, pages, errors, secure mode.
// Connections: stream-connection.test.ts.

import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { requestProofHeaders, signMessageV2, signRegistration } from "../../src/client/sign.js";
import { LOCAL } from "../../src/core/caller.js";
import type { AgentCard } from "../../src/core/card.js";
import type { Delivered } from "../../src/core/types.js";
import { generateKeyPair, parsePrivateKey } from "../../src/crypto/keys.js";
import { postJson, until } from "../helpers/http.js";
import { openSse, type StreamTestServer, settled, streamServer, take, takeEvents } from "../helpers/sse.js";

describe("GET /stream (open mode)", () => {
  let s: StreamTestServer;
  const open = (query: string, headers: Record<string, string> = {}) =>
    openSse(`${s.url}/stream?${query}`, headers);
  before(async () => {
    s = await streamServer();
  });
  after(() => s.close());

  it("sends unread messages as events in the /messages shape, then waits for new ones", async () => {
    await s.send("st1", "one");
    await s.send("st1", "two\nlines");
    const peeked = (await (
      await fetch(`${s.url}/messages?channel=st1&agent=bob&peek=true`)
    ).json()) as Delivered[];
    const c = await open("channel=st1&agent=bob");
    try {
      assert.equal(c.status, 200);
      assert.match(c.headers.get("content-type") ?? "", /^text\/event-stream/);
      assert.equal(c.headers.get("cache-control"), "no-cache");
      assert.deepEqual(await take(c, 2), peeked);
      assert.ok(await until(() => s.queue.waiting() === 1), "the stream waits on the hub");
      const id = await s.send("st1", "three");
      const [m] = await take(c, 1);
      assert.equal(m?.id, id);
      assert.equal(m?.content, "three");
      assert.equal(await s.pending("st1", "bob"), 3, "without autoack nothing moved the watermark");
    } finally {
      c.disconnect();
    }
  });

  it("starts again from the watermark after a disconnect; POST /ack moves it", async () => {
    const ids = [await s.send("st2", "a"), await s.send("st2", "b"), await s.send("st2", "c")];
    const first = await open("channel=st2&agent=bob");
    assert.deepEqual(
      (await take(first, 3)).map((m) => m.id),
      ids,
    );
    first.disconnect();
    const again = await open("channel=st2&agent=bob");
    assert.deepEqual(
      (await take(again, 3)).map((m) => m.id),
      ids,
      "a reader that never acked gets the same messages again",
    );
    again.disconnect();
    const acked = await postJson(`${s.url}/ack`, { channel: "st2", agent: "bob", id: ids[1] });
    assert.equal(acked.status, 200);
    const third = await open("channel=st2&agent=bob");
    try {
      assert.deepEqual(
        (await take(third, 1)).map((m) => m.content),
        ["c"],
      );
    } finally {
      third.disconnect();
    }
  });

  it("resumes after Last-Event-ID (header, or last_event_id in the query)", async () => {
    const ids = [await s.send("st3", "a"), await s.send("st3", "b"), await s.send("st3", "c")];
    const byHeader = await open("channel=st3&agent=bob", { "last-event-id": String(ids[0]) });
    assert.deepEqual(
      (await take(byHeader, 2)).map((m) => m.content),
      ["b", "c"],
    );
    byHeader.disconnect();
    const byQuery = await open(`channel=st3&agent=bob&last_event_id=${ids[1]}`);
    assert.deepEqual(
      (await take(byQuery, 1)).map((m) => m.content),
      ["c"],
    );
    byQuery.disconnect();
    const bad = await open("channel=st3&agent=bob", { "last-event-id": "abc" });
    assert.equal(bad.status, 400);
    assert.equal((JSON.parse(bad.body) as { code: string }).code, "invalid_argument");
  });

  it("with autoack=true moves the watermark as each event is written", async () => {
    await s.send("st4", "a");
    await s.send("st4", "b");
    const c = await open("channel=st4&agent=carol&autoack=true");
    await take(c, 2);
    // The second event is acknowledged once the route asks for the next one, right after writing it.
    assert.equal(await settled(() => s.pending("st4", "carol"), 0), 0);
    c.disconnect();
    const id = await s.send("st4", "c");
    const again = await open("channel=st4&agent=carol&autoack=true");
    try {
      assert.deepEqual(
        (await take(again, 1)).map((m) => m.id),
        [id],
      );
    } finally {
      again.disconnect();
    }
  });

  it("gives a multi-channel event a cursor id that resumes every channel where it was", async () => {
    const c = await open("channel=cu1,cu2&agent=erin");
    let cursor: string;
    const b1 = await s.send("cu2", "b1");
    try {
      const [first] = await takeEvents(c, 1);
      assert.equal(first?.id, `,${b1}`, "the cursor names each channel in the request's order");
      cursor = first?.id ?? "";
    } finally {
      c.disconnect();
    }
    const a1 = await s.send("cu1", "a1");
    const b2 = await s.send("cu2", "b2");
    const again = await open("channel=cu1,cu2&agent=erin", { "last-event-id": cursor });
    try {
      const got = await takeEvents(again, 2);
      assert.deepEqual(
        got.map((e) => e.message.id),
        [a1, b2],
        "b1 is not sent again, a1 (before b1's id or not) is not skipped",
      );
      assert.equal(got[1]?.id, `${a1},${b2}`);
    } finally {
      again.disconnect();
    }
    // A cursor that skips a channel's older message on purpose: cu1 after a1 resumes at b2 only.
    const partial = await open("channel=cu1,cu2&agent=erin", { "last-event-id": `${a1},${b1}` });
    try {
      assert.deepEqual(
        (await take(partial, 1)).map((m) => m.id),
        [b2],
      );
    } finally {
      partial.disconnect();
    }
    for (const bad of ["1,2,3", "1;2", ",x"]) {
      const r = await open("channel=cu1,cu2&agent=erin", { "last-event-id": bad });
      assert.equal(r.status, 400, bad);
      assert.match(r.body, /cursor of 2 comma-separated ids/);
    }
  });

  it("streams several channels at once, in id order, each event naming its channel", async () => {
    const c = await open("channel=sa,sb&agent=dave");
    try {
      await s.send("sb", "to b");
      await s.send("sc", "elsewhere");
      await s.send("sa", "to a");
      assert.deepEqual(
        (await take(c, 2)).map((m) => [m.channel, m.content]),
        [
          ["sb", "to b"],
          ["sa", "to a"],
        ],
      );
    } finally {
      c.disconnect();
    }
  });

  it("delivers a backlog larger than one page, in order", async () => {
    const n = 250;
    const r = await s.queue.sendBatch(
      Array.from({ length: n }, (_, i) => ({ channel: "backlog", sender: "alice", content: `m${i}` })),
    );
    const c = await open("channel=backlog&agent=erin");
    try {
      const got = await take(c, n);
      assert.deepEqual(
        got.map((m) => m.id),
        r.map((x) => x.id),
      );
    } finally {
      c.disconnect();
    }
  });

  it("frees its waiter when the client disconnects", async () => {
    const c = await open("channel=gone&agent=bob");
    assert.ok(await until(() => s.queue.waiting() === 1), "the stream is parked");
    c.disconnect();
    assert.ok(await until(() => s.queue.waiting() === 0), `waiters left: ${s.queue.waiting()}`);
  });

  it("answers bad requests with JSON errors before streaming", async () => {
    for (const [query, status] of [
      ["agent=bob", 400],
      ["channel=a&agent=bad%20name", 400],
      ["channel=@frank&agent=bob", 403],
    ] as const) {
      const c = await open(query);
      assert.equal(c.status, status, `${query}: ${c.body}`);
      assert.ok((JSON.parse(c.body) as { error: string }).error);
    }
  });

  it("the agent card announces streaming", async () => {
    const card = (await (await fetch(`${s.url}/.well-known/agent-card.json`)).json()) as AgentCard;
    assert.equal(card.capabilities.streaming, true);
    assert.equal(card.supportedInterfaces[0]?.url, `${s.url}/a2a`);
  });
});

describe("GET /stream (secure mode)", () => {
  let s: StreamTestServer;
  const alice = generateKeyPair();
  const mallory = generateKeyPair();
  const aliceKey = parsePrivateKey(alice.privateKey);
  const malloryKey = parsePrivateKey(mallory.privateKey);
  before(async () => {
    s = await streamServer();
    const op = parsePrivateKey((await s.queue.seed(LOCAL, "op")).privateKey);
    for (const [name, pair] of [
      ["alice", alice],
      ["mallory", mallory],
    ] as const) {
      const body = signRegistration(op, { operator: "op", name, identity: "", publicKey: pair.publicKey });
      assert.equal((await postJson(`${s.url}/register`, body)).status, 200);
    }
    await s.queue.send({ channel: "sec", sender: "alice", content: "secret", ...signed("sec", "secret") });
  });
  after(() => s.close());

  function signed(channel: string, content: string) {
    const sig = signMessageV2(aliceKey, { channel, sender: "alice", content });
    return { signature: sig.signature, signedAt: sig.signed_at, nonce: sig.nonce };
  }

  const target = "/stream?channel=sec&agent=alice";

  it("refuses a stream without a request proof (401) or with another agent's (403)", async () => {
    const none = await openSse(s.url + target);
    assert.equal(none.status, 401, none.body);
    const other = await openSse(
      s.url + target,
      requestProofHeaders(malloryKey, "mallory", "GET", target, ""),
    );
    assert.equal(other.status, 403, other.body);
    assert.equal(await s.pending("sec", "alice"), 1);
  });

  it("streams to the proven agent", async () => {
    const c = await openSse(s.url + target, requestProofHeaders(aliceKey, "alice", "GET", target, ""));
    try {
      assert.equal(c.status, 200, c.body);
      const [m] = await take(c, 1);
      assert.equal(m?.content, "secret");
      assert.equal(m?.signed, true);
    } finally {
      c.disconnect();
    }
  });
});
