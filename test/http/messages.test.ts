// Message routes in open mode, in-process: send, read, watermarks, batches, multi-channel reads, ack.
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Delivered } from "../../src/core/types.js";
import { type InjectServer, injectServer } from "../helpers/http.js";

describe("HTTP message routes (open mode)", () => {
  let s: InjectServer;
  before(async () => {
    s = await injectServer();
  });
  after(() => s.close());

  const send = (body: unknown) => s.app.inject({ method: "POST", url: "/send", payload: body as object });
  const read = async (query: string): Promise<Delivered[]> => {
    const r = await s.app.inject({ method: "GET", url: `/messages?${query}` });
    assert.equal(r.statusCode, 200, r.body);
    return r.json();
  };

  it("send then read returns the reference fields and advances the watermark", async () => {
    const r = await send({ channel: "general", sender: "alice", content: "hello\nworld ünïcode" });
    assert.equal(r.statusCode, 200, r.body);
    const sent = r.json();
    assert.equal(sent.ok, true);
    assert.equal(typeof sent.id, "number");
    assert.deepEqual(sent, { ok: true, id: sent.id, channel: "general", signed: false, duplicate: false });

    const msgs = await read("channel=general&agent=bob");
    assert.equal(msgs.length, 1);
    const m = msgs[0] as Delivered;
    assert.equal(m.id, sent.id);
    assert.equal(m.channel, "general");
    assert.equal(m.sender, "alice");
    assert.equal(m.content, "hello\nworld ünïcode");
    assert.ok(Math.abs(m.timestamp - Date.now() / 1000) < 60, `timestamp ${m.timestamp}`);
    assert.equal(m.signed, undefined);

    assert.deepEqual(await read("channel=general&agent=bob"), []);
    // Another reader has its own watermark.
    assert.equal((await read("channel=general&agent=carol")).length, 1);
  });

  it("answers reads as UTF-8 JSON with their length, and ignores unknown fields of a send", async () => {
    const sent = await send({ channel: "heads", sender: "alice", content: "é", extra: { any: "thing" } });
    assert.equal(sent.statusCode, 200, sent.body);
    for (const wait of ["false", "true"]) {
      if (wait === "true") await send({ channel: "heads", sender: "alice", content: "é" });
      const r = await s.app.inject({ method: "GET", url: `/messages?channel=heads&agent=bob&wait=${wait}` });
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(r.headers["content-type"], "application/json; charset=utf-8");
      assert.equal(Number(r.headers["content-length"]), Buffer.byteLength(r.body));
      const [m] = r.json() as Delivered[];
      assert.deepEqual(Object.keys(m ?? {}).sort(), ["channel", "content", "id", "sender", "timestamp"]);
      assert.equal(m?.content, "é");
    }
  });

  it("peek does not move the watermark; ack does", async () => {
    const id = (await send({ channel: "peeky", sender: "alice", content: "one" })).json().id as number;
    const first = await read("channel=peeky&agent=bob&peek=true");
    assert.deepEqual(
      first.map((m) => m.id),
      [id],
    );
    assert.deepEqual(
      (await read("channel=peeky&agent=bob&peek=true")).map((m) => m.id),
      [id],
    );
    const ack = await s.app.inject({
      method: "POST",
      url: "/ack",
      payload: { channel: "peeky", agent: "bob", id },
    });
    assert.equal(ack.statusCode, 200, ack.body);
    assert.deepEqual(ack.json(), { ok: true, watermark: id });
    assert.deepEqual(await read("channel=peeky&agent=bob"), []);
  });

  it("ack refuses an id beyond the channel's last message (400) and answers the watermark as it now is", async () => {
    const id = (await send({ channel: "acky", sender: "alice", content: "one" })).json().id as number;
    const ack = (n: number) =>
      s.app.inject({ method: "POST", url: "/ack", payload: { channel: "acky", agent: "bob", id: n } });
    const typo = await ack(id + 9999);
    assert.equal(typo.statusCode, 400, typo.body);
    assert.equal(typo.json().code, "invalid_argument");
    assert.equal((await read("channel=acky&agent=bob&peek=true")).length, 1);
    assert.deepEqual((await ack(id)).json(), { ok: true, watermark: id });
    assert.deepEqual((await ack(id - 1)).json(), { ok: true, watermark: id });
  });

  it("limit pages through unread messages", async () => {
    for (let i = 0; i < 5; i++) await send({ channel: "paged", sender: "alice", content: `m${i}` });
    const a = await read("channel=paged&agent=bob&limit=2");
    const b = await read("channel=paged&agent=bob&limit=2");
    const c = await read("channel=paged&agent=bob&limit=2");
    assert.deepEqual(
      [a, b, c].map((page) => page.map((m) => m.content)),
      [["m0", "m1"], ["m2", "m3"], ["m4"]],
    );
  });

  it("batch send returns ids in order, all readable in that order", async () => {
    const r = await s.app.inject({
      method: "POST",
      url: "/send/batch",
      payload: {
        messages: [
          { channel: "batch", sender: "alice", content: "first" },
          { channel: "batch", sender: "bob", content: "second" },
          { channel: "batch-2", sender: "alice", content: "third" },
        ],
      },
    });
    assert.equal(r.statusCode, 200, r.body);
    const { ok, ids } = r.json() as { ok: boolean; ids: number[] };
    assert.equal(ok, true);
    assert.equal(ids.length, 3);
    assert.ok(
      (ids[0] as number) < (ids[1] as number) && (ids[1] as number) < (ids[2] as number),
      String(ids),
    );
    const msgs = await read("channel=batch,batch-2&agent=zed");
    assert.deepEqual(
      msgs.map((m) => [m.id, m.content]),
      [
        [ids[0], "first"],
        [ids[1], "second"],
        [ids[2], "third"],
      ],
    );
  });

  it("a bad message in a batch stores none of them", async () => {
    const r = await s.app.inject({
      method: "POST",
      url: "/send/batch",
      payload: {
        messages: [
          { channel: "atomic", sender: "alice", content: "fine" },
          { channel: "atomic", sender: "bad name", content: "refused" },
        ],
      },
    });
    assert.equal(r.statusCode, 400, r.body);
    assert.match(r.json().error, /^message 1: /);
    assert.deepEqual(await read("channel=atomic&agent=bob"), []);
  });

  it("a multi-channel read returns messages of every channel with their channel field", async () => {
    await send({ channel: "a", sender: "alice", content: "to a" });
    await send({ channel: "b", sender: "alice", content: "to b" });
    await send({ channel: "c", sender: "alice", content: "to c" });
    const msgs = await read("channel=a,b&agent=reader");
    assert.deepEqual(
      msgs.map((m) => [m.channel, m.content]),
      [
        ["a", "to a"],
        ["b", "to b"],
      ],
    );
    assert.deepEqual(await read("channel=a,b&agent=reader"), []);
    assert.equal((await read("channel=c&agent=reader")).length, 1);
  });

  it("a repeated idempotency key returns the first id and stores nothing new", async () => {
    const body = { channel: "idem", sender: "alice", content: "once", key: "k-1" };
    const first = (await send(body)).json();
    const again = (await send(body)).json();
    assert.equal(first.duplicate, false);
    assert.equal(again.duplicate, true);
    assert.equal(again.id, first.id);
    assert.equal((await read("channel=idem&agent=bob")).length, 1);
  });

  it("lists channels, agents, health and the agent card", async () => {
    const channels = (await s.app.inject({ url: "/channels" })).json() as {
      channel: string;
      count: number;
    }[];
    assert.equal(channels.find((c) => c.channel === "general")?.count, 1);
    assert.deepEqual((await s.app.inject({ url: "/agents" })).json(), []);

    await send({ channel: "pending", sender: "alice", content: "x" });
    await send({ channel: "pending", sender: "alice", content: "y" });
    const health = await s.app.inject({ url: "/health?channel=pending&agent=bob" });
    assert.deepEqual(health.json(), { status: "ok", pending: 2, secure_mode: false });
    assert.deepEqual((await s.app.inject({ url: "/health" })).json(), {
      status: "ok",
      pending: 0,
      secure_mode: false,
    });

    const card = (await s.app.inject({ url: "/.well-known/agent-card.json" })).json();
    assert.equal(card.name, "el-ipc");
    assert.equal(card.capabilities.extensions[0].params.secureMode, false);
    assert.equal(card.supportedInterfaces[0].protocolVersion, "1.0");
  });

  it("direct inboxes are readable by their owner only", async () => {
    await send({ channel: "@bob", sender: "alice", content: "psst" });
    const r = await s.app.inject({ url: "/messages?channel=@bob&agent=carol" });
    assert.equal(r.statusCode, 403, r.body);
    assert.equal((await read("channel=@bob&agent=bob")).length, 1);
  });
});
