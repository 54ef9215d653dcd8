// Issue 8 item 18 over HTTP, secure mode: a message to the inbox of an unknown or revoked agent is refused
// (it would never be read); a pattern with a * before its end is refused, not stored; an operator-signed
// unset removes exactly one rule, and nobody else can remove one.
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { signAccessRule, signMessageV2 } from "../../src/client/sign.js";
import { type SecureServer, secureServer } from "./helpers.js";

describe("inboxes of unknown and revoked agents (secure mode)", () => {
  let s: SecureServer;
  before(async () => {
    s = await secureServer({ agents: ["alice", "bob", "gone"] });
    assert.equal((await s.post("/revoke", s.sign.revoke("gone"))).statusCode, 200);
  });
  after(() => s.close());

  it("refuses a send to @ghost (404 not_found) and to a revoked agent's inbox (403), storing nothing", async () => {
    const ghost = await s.send("alice", "@ghost", "hello?");
    assert.equal(ghost.statusCode, 404, ghost.body);
    assert.deepEqual(ghost.json(), {
      error: "@ghost is nobody's inbox: no agent 'ghost' is registered",
      code: "not_found",
    });
    const gone = await s.send("alice", "@gone", "still there?");
    assert.equal(gone.statusCode, 403, gone.body);
    assert.equal(gone.json().code, "forbidden");
    assert.match(gone.json().error, /agent 'gone' has been revoked/);
    // An operator is refused as well: nobody will ever read it.
    assert.equal((await s.send("op-main", "@ghost", "ops")).statusCode, 404);
    assert.equal((await s.send("alice", "@bob", "real inbox")).statusCode, 200);
    assert.equal((await s.db.readAfter([{ channel: "@ghost", after: 0 }], 10)).length, 0);
    assert.equal((await s.db.readAfter([{ channel: "@gone", after: 0 }], 10)).length, 0);
  });

  it("refuses a whole batch with one message to an unknown inbox", async () => {
    const key = s.keys.alice?.key ?? s.op.key;
    const m = (channel: string) => {
      const body = { channel, sender: "alice", content: `to ${channel}` };
      return { ...body, ...signMessageV2(key, body) };
    };
    const r = await s.post("/send/batch", { messages: [m("@bob"), m("@nobody")] });
    assert.equal(r.statusCode, 404, r.body);
    assert.match(r.json().error, /^message 1: @nobody is nobody's inbox/);
    assert.equal((await s.db.readAfter([{ channel: "@bob", after: 0 }], 10)).length, 1);
  });

  it("reports the refusal to _security, not the content", async () => {
    const events = (await s.securityChannel()).filter((e) => e.channel === "@ghost");
    assert.ok(events.length >= 1);
    assert.equal(events[0]?.type, "access_denied");
    assert.equal(events[0]?.code, "not_found");
    assert.ok(!JSON.stringify(events).includes("hello?"));
  });
});

describe("access patterns take * only at the end", () => {
  let s: SecureServer;
  before(async () => {
    s = await secureServer({ agents: ["bob"] });
  });
  after(() => s.close());

  it("refuses rev*ew, a**, *x and *-* with 400 and stores nothing; rev* and * are fine", async () => {
    for (const pattern of ["rev*ew", "a**", "*x", "*-*"]) {
      for (const effect of ["grant", "deny"] as const) {
        const r = await s.post(`/${effect}`, s.sign.access(effect, "bob", pattern, "read"));
        assert.equal(r.statusCode, 400, `${effect} ${pattern}: ${r.body}`);
        assert.equal(r.json().code, "invalid_argument");
        assert.match(r.json().error, /\* may only end a pattern/);
      }
    }
    assert.deepEqual(await s.db.listAccessRules("bob"), []);
    assert.equal((await s.post("/deny", s.sign.access("deny", "bob", "rev*", "read"))).statusCode, 200);
    assert.equal((await s.post("/grant", s.sign.access("grant", "bob", "*", "write"))).statusCode, 200);
    assert.equal((await s.db.listAccessRules("bob")).length, 2);
  });
});

describe("POST /unset", () => {
  let s: SecureServer;
  const unset = (agent: string, pattern: string, permissions: "read" | "write" | "read,write") =>
    signAccessRule(s.op.key, { effect: "unset", operator: "op-main", agent, pattern, permissions });
  before(async () => {
    s = await secureServer({ agents: ["alice", "bob"] });
    assert.equal(
      (await s.post("/deny", s.sign.access("deny", "bob", "team-*", "read,write"))).statusCode,
      200,
    );
    assert.equal((await s.send("alice", "team-a", "for the team")).statusCode, 200);
  });
  after(() => s.close());

  it("removes one permission's rule and leaves the other, and access follows at once", async () => {
    assert.equal((await s.send("bob", "team-a", "blocked")).statusCode, 403);
    const r = await s.post("/unset", unset("bob", "team-*", "write"));
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(r.json(), {
      ok: true,
      message: "Operator 'op-main' removed bob's rule on 'team-*' (deny write)",
    });
    assert.equal((await s.send("bob", "team-a", "now allowed")).statusCode, 200);
    assert.equal((await s.get("/messages?channel=team-a&agent=bob", "bob")).statusCode, 403);
    assert.deepEqual(
      (await s.db.listAccessRules("bob")).map((x) => [x.pattern, x.permission, x.effect]),
      [["team-*", "read", "deny"]],
    );
  });

  it("answers 404 when no such rule is set (another pattern, or one already removed)", async () => {
    for (const body of [
      unset("bob", "team-a", "read"),
      unset("bob", "team-*", "write"),
      unset("alice", "*", "read,write"),
    ]) {
      const r = await s.post("/unset", body);
      assert.equal(r.statusCode, 404, r.body);
      assert.equal(r.json().code, "not_found");
    }
    assert.equal((await s.post("/unset", unset("bob", "te*m", "read"))).statusCode, 400);
  });

  it("refuses an unset signed by an agent, a grant's signature posted as unset, and a replay", async () => {
    const byAlice = signAccessRule(s.keys.alice?.key ?? s.op.key, {
      effect: "unset",
      operator: "alice",
      agent: "bob",
      pattern: "team-*",
      permissions: "read",
    });
    assert.equal((await s.post("/unset", byAlice)).statusCode, 403);
    const grantBody = s.sign.access("grant", "bob", "team-*", "read");
    assert.equal((await s.post("/unset", grantBody)).statusCode, 401);
    assert.equal((await s.db.listAccessRules("bob")).length, 1, "the deny read rule is still there");
    const once = unset("bob", "team-*", "read");
    assert.equal((await s.post("/unset", once)).statusCode, 200);
    // Set again, then the same signed body replayed: refused, the new rule stays.
    assert.equal((await s.post("/deny", s.sign.access("deny", "bob", "team-*", "read"))).statusCode, 200);
    assert.equal((await s.post("/unset", once)).statusCode, 409);
    assert.equal((await s.db.listAccessRules("bob")).length, 1);
  });

  it("records each unset in _security as an admin event", async () => {
    const unsets = (await s.securityChannel()).filter((e) => e.type === "admin" && e.action === "unset");
    assert.deepEqual(
      unsets.map((e) => [e.operator, e.agent, e.channel]),
      [
        ["op-main", "bob", "team-*"],
        ["op-main", "bob", "team-*"],
      ],
    );
  });
});
