// The reminder line alone: counts, senders, lower bounds, and what is announced.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { reminder } from "../../../src/cli/agents/hook-reminder.js";

const m = (id: number, channel: string, sender: string) => ({ id, channel, sender });

describe("hook reminder", () => {
  it("says nothing when nothing is unread", () => {
    assert.deepEqual(reminder("you", [], {}), { text: undefined, announced: {} });
  });

  it("names up to three senders, most frequent first, and counts the rest", () => {
    const r = reminder(
      "you",
      [m(1, "b", "x"), m(2, "b", "y"), m(3, "b", "y"), m(4, "b", "z"), m(5, "b", "w")],
      {},
    );
    assert.match(r.text as string, /^el-ipc: 5 unread on #b from y, x, z and 1 more\./);
    assert.deepEqual(r.announced, { b: 5 });
  });

  it("counts only messages after the announced ones, and marks a full page as a lower bound", () => {
    const r = reminder("you", [m(1, "b", "x"), m(2, "b", "x"), m(3, "@you", "y")], { b: 1 }, true);
    assert.match(r.text as string, /^el-ipc: 1\+ unread on #b from x \(2\+ in all\), 1\+ in @you from y\./);
    assert.deepEqual(r.announced, { b: 2, "@you": 3 });
  });

  it("is silent when all unread messages were announced, and keeps the marks", () => {
    assert.deepEqual(reminder("you", [m(4, "b", "x")], { b: 4, c: 9 }), {
      text: undefined,
      announced: { b: 4, c: 9 },
    });
  });
});
