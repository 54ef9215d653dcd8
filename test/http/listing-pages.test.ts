// GET /channels and GET /agents answer one page at a time (limit, opaque cursor in X-IPC-Next-Cursor and
// Link), keep the reference's JSON array body, and the CLI/SDK listings still return every page.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { LOCAL } from "../../src/core/caller.js";
import { createHttpClient } from "../../src/sdk/http.js";
import { type ListeningServer, listeningServer } from "../helpers/http.js";

const CHANNELS = 2_345;

describe("paged listings", () => {
  let s: ListeningServer;
  before(async () => {
    s = await listeningServer();
    for (let i = 0; i < CHANNELS; i += 500) {
      const batch = [];
      for (let j = i; j < Math.min(CHANNELS, i + 500); j++) {
        batch.push({ channel: `ch-${j}`, sender: "filler", content: `m${j}` });
      }
      await s.queue.sendBatch(batch);
    }
    // ch-7 gets a second message: it becomes the newest activity and counts 2.
    await s.queue.send({ channel: "ch-7", sender: "filler", content: "again" });
  });
  after(() => s.close());

  const get = async (path: string) => {
    const res = await fetch(s.url + path);
    return { res, body: (await res.json()) as unknown };
  };

  it("answers 100 channels by default, newest activity first, with the next cursor in headers", async () => {
    const { res, body } = await get("/channels");
    assert.equal(res.status, 200);
    const list = body as { channel: string; count: number }[];
    assert.ok(Array.isArray(list));
    assert.equal(list.length, 100);
    assert.deepEqual(list[0], { ...list[0], channel: "ch-7", count: 2 });
    assert.equal(list[1]?.channel, `ch-${CHANNELS - 1}`);
    const cursor = res.headers.get("x-ipc-next-cursor");
    assert.ok(cursor, "no X-IPC-Next-Cursor on a first page of many");
    assert.equal(res.headers.get("link"), `</channels?cursor=${encodeURIComponent(cursor)}>; rel="next"`);
  });

  it("pages through every channel exactly once, the last page without a cursor", async () => {
    const seen: string[] = [];
    let path: string | undefined = "/channels?limit=1000";
    let pages = 0;
    while (path) {
      const { res, body } = await get(path);
      assert.equal(res.status, 200);
      const list = body as { channel: string }[];
      assert.ok(list.length <= 1000);
      seen.push(...list.map((c) => c.channel));
      pages++;
      const link = res.headers.get("link");
      path = link ? /^<([^>]+)>; rel="next"$/.exec(link)?.[1] : undefined;
    }
    assert.equal(pages, 3);
    assert.equal(seen.length, CHANNELS);
    assert.equal(new Set(seen).size, CHANNELS);
  });

  it("refuses a bad limit or a forged cursor with 400", async () => {
    for (const q of ["limit=0", "limit=1001", "limit=x", "cursor=bm9wZQ", `cursor=${"A".repeat(2000)}`]) {
      const { res, body } = await get(`/channels?${q}`);
      assert.equal(res.status, 400, q);
      assert.equal((body as { code: string }).code, "invalid_argument", q);
    }
    const agentsCursor = (await fetch(`${s.url}/channels?limit=1`)).headers.get("x-ipc-next-cursor");
    const { res } = await get(`/agents?cursor=${agentsCursor}`);
    assert.equal(res.status, 400, "a channels cursor is not an agents cursor");
  });

  it("the HTTP client and the CLI's listing collect every page", async () => {
    const client = createHttpClient({ baseUrl: s.url });
    const all = await client.channels();
    assert.equal(all.length, CHANNELS);
    assert.equal(all.find((c) => c.channel === "ch-7")?.count, 2);
    assert.equal((await s.queue.channels(LOCAL)).length, CHANNELS);
  });
});
