// IPC_RETENTION on a real server: old messages go when it starts, and the periodic pass keeps each
// channel within its count while readers' watermarks keep working.
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChannelInfo, Delivered } from "../../src/core/types.js";
import { startHttpServer } from "../../src/http/server.js";
import { createSqliteStore } from "../../src/store/sqlite/index.js";
import type { NewMessage } from "../../src/store/types.js";
import { postJson, tempDir, testConfig } from "../helpers/http.js";

const DAY_S = 86_400;

const stored = (channel: string, content: string, ageSeconds: number): NewMessage => ({
  channel,
  sender: "alice",
  content,
  timestamp: Date.now() / 1000 - ageSeconds,
  signature: "",
  sigVersion: 0,
  sigTimestamp: null,
  sigNonce: null,
});

/** Polls `f` every 10 ms until `ok` holds or 3 s pass; resolves to the last value. */
async function eventually<T>(f: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const end = Date.now() + 3000;
  let v = await f();
  while (!ok(v) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 10));
    v = await f();
  }
  return v;
}

describe("retention on a running server (IPC_RETENTION)", () => {
  it("deletes by age at start and by count on each pass", async () => {
    const t = tempDir();
    const seed = createSqliteStore({ path: t.dbPath });
    await seed.append([
      stored("ret", "ten days old", 10 * DAY_S),
      stored("ret", "eight days old", 8 * DAY_S),
      stored("ret", "yesterday", DAY_S),
      stored("other", "old elsewhere", 9 * DAY_S),
    ]);
    await seed.close();

    const s = await startHttpServer(testConfig(t.dbPath, { IPC_RETENTION: "age=7d,count=2" }), {
      logLevel: "silent",
      maintenanceIntervalMs: 20,
    });
    try {
      const channels = () => fetch(`${s.url}/channels`).then(async (r) => (await r.json()) as ChannelInfo[]);
      const after = await eventually(channels, (cs) => cs.length === 1);
      assert.deepEqual(
        after.map((c) => [c.channel, c.count]),
        [["ret", 1]],
      );

      const read = async (agent: string) =>
        ((await (await fetch(`${s.url}/messages?channel=ret&agent=${agent}`)).json()) as Delivered[]).map(
          (m) => m.content,
        );
      assert.deepEqual(await read("bob"), ["yesterday"]);
      for (const c of ["n1", "n2", "n3"]) {
        assert.equal(
          (await postJson(`${s.url}/send`, { channel: "ret", sender: "alice", content: c })).status,
          200,
        );
      }
      await eventually(channels, (cs) => cs[0]?.count === 2);
      assert.deepEqual(await read("carol"), ["n2", "n3"]);
      assert.deepEqual(await read("bob"), ["n2", "n3"], "bob's watermark still works after the pruning");
    } finally {
      await s.close();
      t.cleanup();
    }
  });
});
