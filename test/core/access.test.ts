// Channel access decisions: the most specific rule wins, patterns are names or prefixes with *, and the
// fixed rules (inboxes, _security) hold in open mode too.

import { strict as assert } from "node:assert";
import { afterEach, beforeEach, describe, it } from "node:test";
import { checkPattern, decide } from "../../src/core/access.js";
import { ANONYMOUS } from "../../src/core/caller.js";
import { IpcError } from "../../src/core/errors.js";
import { createQueue, type Queue } from "../../src/core/queue.js";
import type { AccessRule } from "../../src/store/types.js";
import { makeTestStore, type TestStore } from "../helpers/store.js";

const rule = (
  pattern: string,
  effect: "allow" | "deny",
  permission: "read" | "write" = "read",
): AccessRule => ({
  agent: "a",
  pattern,
  permission,
  effect,
  setBy: "op",
  setAt: 0,
});

describe("decide", () => {
  it("returns undefined when no rule matches the channel or the permission", () => {
    assert.equal(decide([], "general", "read"), undefined);
    assert.equal(decide([rule("team-*", "deny")], "general", "read"), undefined);
    assert.equal(decide([rule("general", "deny", "write")], "general", "read"), undefined);
  });

  it("prefers an exact name, then the longest prefix, whatever the order of the rules", () => {
    const rules = [
      rule("*", "deny"),
      rule("team-*", "allow"),
      rule("team-x*", "deny"),
      rule("team-x1", "allow"),
    ];
    for (const list of [rules, [...rules].reverse()]) {
      assert.equal(decide(list, "general", "read"), "deny");
      assert.equal(decide(list, "team-a", "read"), "allow");
      assert.equal(decide(list, "team-x2", "read"), "deny");
      assert.equal(decide(list, "team-x1", "read"), "allow");
    }
  });

  it("treats * only as a trailing wildcard", () => {
    assert.equal(decide([rule("a*b", "deny")], "axb", "read"), undefined);
    assert.equal(decide([rule("a*b", "deny")], "a*b", "read"), "deny");
  });
});

describe("checkPattern", () => {
  it("accepts names, prefixes and *, refuses what no channel could match", () => {
    for (const p of ["general", "team-*", "@*", "*"]) assert.equal(checkPattern(p), p);
    for (const p of ["", "a b", "a,b*", 7, "x".repeat(200)]) {
      assert.throws(
        () => checkPattern(p),
        (e: unknown) => e instanceof IpcError && e.code === "invalid_argument",
      );
    }
  });
});

describe("fixed rules in open mode", () => {
  let tmp: TestStore;
  let q: Queue;
  beforeEach(async () => {
    tmp = await makeTestStore();
    q = createQueue({ store: await tmp.open() });
  });
  afterEach(async () => {
    await q.close();
    await tmp.cleanup();
  });

  it("refuses sends to _security and reads of it and of others' inboxes", async () => {
    const refused = (code: string) => (e: unknown) => e instanceof IpcError && e.code === code;
    await assert.rejects(
      q.send({ channel: "_security", sender: "x", content: "fake" }),
      refused("forbidden"),
    );
    await assert.rejects(q.read(ANONYMOUS, { channels: ["_security"], agent: "x" }), refused("forbidden"));
    await q.send({ channel: "@bob", sender: "alice", content: "hi" });
    await assert.rejects(q.read(ANONYMOUS, { channels: ["@bob"], agent: "alice" }), refused("forbidden"));
    assert.equal((await q.read(ANONYMOUS, { channels: ["@bob"], agent: "bob" })).length, 1);
    await q.send({ channel: "general", sender: "x", content: "anyone writes general" });
    await assert.rejects(
      q.send({ channel: "_security", sender: "x", content: "forged" }),
      refused("forbidden"),
    );
  });
});
