// The security log on a real SQLite store with a manual clock: listeners hear every event, the _security
// channel gets them rate-limited (with a count of the dropped ones), and open mode writes nothing.
import { strict as assert } from "node:assert";
import { afterEach, beforeEach, describe, it } from "node:test";
import { createSecurityLog, type SecurityEvent, type SecurityLog } from "../../src/core/security-log.js";
import { createSqliteStore } from "../../src/store/sqlite/index.js";
import type { Store } from "../../src/store/types.js";
import { createManualClock, type ManualClock, makeTempDir, type TempDir } from "../helpers/fixtures.js";

describe("security log", () => {
  let tmp: TempDir;
  let store: Store;
  let clock: ManualClock;
  let secure: boolean;
  let woken: string[][];
  let heard: SecurityEvent[];
  let log: SecurityLog;

  const written = async (): Promise<SecurityEvent[]> =>
    (await store.readAfter([{ channel: "_security", after: 0 }], 10_000)).map((m) => {
      assert.equal(m.sender, "el-ipc");
      return JSON.parse(m.content) as SecurityEvent;
    });

  beforeEach(() => {
    tmp = makeTempDir();
    store = createSqliteStore({ path: tmp.path("ipc.db") });
    clock = createManualClock();
    secure = true;
    woken = [];
    heard = [];
    log = createSecurityLog({
      store,
      clock: clock.now,
      isSecure: async () => secure,
      wake: (c) => woken.push(c),
      perSecond: 2,
      burst: 3,
    });
    log.listen((e) => heard.push(e));
  });
  afterEach(async () => {
    await store.close();
    tmp.cleanup();
  });

  it("hands every event to listeners and writes it to _security with the time", async () => {
    const err = log.refuse("bad_signature", "bad_signature", "invalid signature", {
      agent: "a",
      channel: "c",
    });
    assert.equal(err.code, "bad_signature");
    assert.equal(err.message, "invalid signature");
    await log.flush();
    const expected = {
      agent: "a",
      channel: "c",
      type: "bad_signature",
      code: "bad_signature",
      message: "invalid signature",
      at: clock.now(),
    };
    assert.deepEqual(heard, [expected]);
    assert.deepEqual(await written(), [expected]);
    assert.deepEqual(woken, [["_security"]]);
  });

  it("drops writes beyond the rate, counts them, and reports the count with the next written event", async () => {
    for (let i = 0; i < 10; i++) log.report({ type: "replay", message: `r${i}` });
    await log.flush();
    assert.equal(heard.length, 10, "listeners hear everything");
    assert.deepEqual(
      (await written()).map((e) => e.message),
      ["r0", "r1", "r2"],
    );
    assert.equal(log.dropped(), 7);
    clock.advance(500);
    log.report({ type: "replay", message: "after a pause" });
    await log.flush();
    const last = (await written()).at(-1);
    assert.equal(last?.message, "after a pause");
    assert.equal(last?.dropped, 7);
  });

  it("writes nothing in open mode, or with a rate of 0", async () => {
    secure = false;
    log.report({ type: "bad_signature", message: "open" });
    const off = createSecurityLog({
      store,
      clock: clock.now,
      isSecure: async () => true,
      wake: () => undefined,
      perSecond: 0,
    });
    off.report({ type: "bad_signature", message: "off" });
    await Promise.all([log.flush(), off.flush()]);
    assert.deepEqual(await written(), []);
    assert.equal(heard.length, 1);
    assert.equal(off.dropped(), 0);
  });

  it("keeps a throwing listener from breaking the refusal", async () => {
    log.listen(() => {
      throw new Error("broken logger");
    });
    const err = log.refuse("forbidden", "forbidden", "no");
    assert.equal(err.code, "forbidden");
    await log.flush();
    assert.equal((await written()).length, 1);
  });
});
