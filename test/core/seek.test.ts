// Seek in the core (open mode, a temp SQLite store): a watermark moves to an id, the start or the end,
// also backwards; ids beyond the channel's last message are refused; a waiting reader sees history again;
// every seek is reported as an admin event with who, whose and from → to.
import { strict as assert } from "node:assert";
import { afterEach, beforeEach, describe, it } from "node:test";
import { ANONYMOUS, LOCAL } from "../../src/core/caller.js";
import { IpcError } from "../../src/core/errors.js";
import { createQueue, type Queue } from "../../src/core/queue.js";
import type { SecurityEvent } from "../../src/core/security-log.js";
import { within } from "../helpers/fixtures.js";
import { makeTestStore, type TestStore } from "../helpers/store.js";

const invalid = (e: unknown) => e instanceof IpcError && e.code === "invalid_argument";

describe("seek (core)", () => {
  let tmp: TestStore;
  let q: Queue;
  let events: SecurityEvent[];
  let ids: number[];
  const read = async (agent = "builder") =>
    (await q.read(ANONYMOUS, { channels: ["plan"], agent })).map((m) => m.content);

  beforeEach(async () => {
    tmp = await makeTestStore();
    events = [];
    q = createQueue({
      store: await tmp.open(),
      onSecurityEvent: (e) => events.push(e),
    });
    ids = [];
    for (const c of ["m1", "m2", "m3"]) {
      ids.push((await q.send({ channel: "plan", sender: "boss", content: c })).id);
    }
    await q.send({ channel: "other", sender: "boss", content: "elsewhere" });
  });
  afterEach(async () => {
    await q.close();
    await tmp.cleanup();
  });

  it("moves back to re-read, to the start, and to the end", async () => {
    assert.deepEqual(await read(), ["m1", "m2", "m3"]);
    assert.equal(
      await q.seek(ANONYMOUS, { channel: "plan", agent: "builder", to: ids[0] as number }),
      ids[0],
    );
    assert.deepEqual(await read(), ["m2", "m3"]);
    assert.equal(await q.seek(ANONYMOUS, { channel: "plan", agent: "builder", to: "start" }), 0);
    assert.deepEqual(await read(), ["m1", "m2", "m3"]);
    await q.seek(ANONYMOUS, { channel: "plan", agent: "builder", to: "start" });
    // "end" is the channel's own last message, not the newest id of another channel.
    assert.equal(await q.seek(ANONYMOUS, { channel: "plan", agent: "builder", to: "end" }), ids[2]);
    assert.deepEqual(await read(), []);
    assert.equal(await q.seek(ANONYMOUS, { channel: "empty", agent: "builder", to: "end" }), 0);
  });

  it("refuses ids beyond the channel's last message and what is no id, leaving the watermark", async () => {
    await read();
    const last = ids[2] as number;
    await assert.rejects(q.seek(ANONYMOUS, { channel: "plan", agent: "builder", to: last + 1 }), (e) => {
      assert.ok(invalid(e));
      assert.match((e as Error).message, /beyond the last message of channel 'plan'/);
      return true;
    });
    for (const to of [-1, 1.5, Number.NaN, "middle"] as never[]) {
      await assert.rejects(q.seek(ANONYMOUS, { channel: "plan", agent: "builder", to }), invalid);
    }
    await assert.rejects(q.seek(ANONYMOUS, { channel: "a b", agent: "builder", to: 0 }), invalid);
    assert.equal((await q.health(LOCAL, { channel: "plan", agent: "builder" })).pending, 0);
  });

  it("wakes a reader that is already waiting when its watermark moves back", async () => {
    await read();
    const waiting = q.read(ANONYMOUS, {
      channels: ["plan"],
      agent: "builder",
      wait: true,
      timeoutMs: 5000,
    });
    await new Promise((r) => setTimeout(r, 20));
    await q.seek(ANONYMOUS, { channel: "plan", agent: "builder", to: ids[1] as number });
    const got = await within(waiting, 2000);
    assert.notEqual(got, "timeout", "the waiting read did not wake");
    assert.deepEqual(
      (got as { content: string }[]).map((m) => m.content),
      ["m3"],
    );
  });

  it("reports each seek with who, whose and from → to", async () => {
    await read();
    await q.seek(ANONYMOUS, { channel: "plan", agent: "builder", to: ids[0] as number });
    const seeks = events.filter((e) => e.action === "seek");
    assert.equal(seeks.length, 1);
    assert.deepEqual(
      { ...seeks[0], at: 0 },
      {
        type: "admin",
        action: "seek",
        agent: "builder",
        channel: "plan",
        by: "builder",
        from: ids[2],
        to: ids[0],
        message: `builder moved its watermark on 'plan' from ${ids[2]} to ${ids[0]}`,
        at: 0,
      },
    );
  });
});
