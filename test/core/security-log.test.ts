// The security log on a real SQLite store with a manual clock: listeners hear every event, the _security
// channel gets them budgeted per source (with summaries of the dropped ones), and open mode writes nothing.
import { strict as assert } from "node:assert";
import { afterEach, beforeEach, describe, it } from "node:test";
import { createSecurityLog, type SecurityEvent, type SecurityLog } from "../../src/core/security-log.js";
import type { Store } from "../../src/store/types.js";
import { createManualClock, type ManualClock } from "../helpers/fixtures.js";
import { makeTestStore, type TestStore } from "../helpers/store.js";

describe("security log", () => {
  let tmp: TestStore;
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

  beforeEach(async () => {
    tmp = await makeTestStore();
    store = await tmp.open();
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
    await tmp.cleanup();
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

  it("drops writes beyond a source's rate, counts them, and summarizes them per source and kind", async () => {
    for (let i = 0; i < 8; i++) log.report({ type: "replay", message: `r${i}`, remote: "10.0.0.1" });
    log.report({ type: "bad_signature", message: "b", remote: "10.0.0.1" });
    log.report({ type: "access_denied", message: "other address", remote: "10.0.0.2" });
    log.report({ type: "forbidden", message: "local" });
    await log.flush();
    assert.equal(heard.length, 11, "listeners hear everything");
    assert.deepEqual(
      (await written()).map((e) => e.message),
      ["r0", "r1", "r2", "other address", "local"],
    );
    assert.equal(log.dropped(), 6);
    await log.summarize();
    const summary = (await written()).at(-1);
    assert.deepEqual(summary, {
      type: "dropped",
      at: clock.now(),
      message: "dropped 6 events from 10.0.0.1 (kinds: replay×5, bad_signature×1)",
      remote: "10.0.0.1",
      dropped: 6,
      kinds: { replay: 5, bad_signature: 1 },
    });
    await log.summarize();
    assert.equal((await written()).length, 6, "a summary is written once");
    clock.advance(500);
    log.report({ type: "replay", message: "after a pause", remote: "10.0.0.1" });
    await log.flush();
    assert.equal((await written()).at(-1)?.message, "after a pause");
  });

  it("writes the summary by itself after the window", async () => {
    const timed = createSecurityLog({
      store,
      clock: clock.now,
      isSecure: async () => true,
      wake: () => undefined,
      perSecond: 1,
      burst: 1,
      summaryMs: 20,
    });
    for (let i = 0; i < 3; i++) timed.report({ type: "unauthenticated", message: `u${i}` });
    await timed.flush();
    for (let t = 0; t < 100 && (await written()).length < 2; t++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(
      (await written()).map((e) => e.message),
      ["u0", "dropped 2 events from local (kinds: unauthenticated×2)"],
    );
  });

  it("takes the source from the face when the event has none, and bounds the sources it tracks", async () => {
    let current: string | undefined = "192.0.2.1";
    const unset = log.useSource(() => current);
    log.report({ type: "unauthenticated", message: "from the face" });
    await log.flush();
    assert.equal((await written())[0]?.remote, "192.0.2.1");
    unset();
    current = undefined;

    const few = createSecurityLog({
      store,
      clock: clock.now,
      isSecure: async () => true,
      wake: () => undefined,
      perSecond: 1,
      burst: 1,
      maxSources: 3,
    });
    // Each address spends its budget and owes a summary, so none can be forgotten: the other seven share
    // one budget (one written, 13 dropped).
    for (let a = 0; a < 10; a++) {
      for (let i = 0; i < 2; i++)
        few.report({ type: "bad_signature", message: "x", remote: `198.51.100.${a}` });
    }
    await few.flush();
    await few.summarize();
    const summaries = (await written()).filter((e) => e.type === "dropped");
    assert.deepEqual(
      summaries.map((e) => [e.remote, e.dropped]),
      [
        ["198.51.100.0", 1],
        ["198.51.100.1", 1],
        ["198.51.100.2", 1],
        ["other addresses", 13],
      ],
    );
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
