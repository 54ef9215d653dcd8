// The operator views over HTTP: GET /access (channel access rules) and GET /key-events (an identity's key
// history) tell an operator what grant, deny, rotate and revoke did, and tell nobody else anything.
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { requestProofHeaders } from "../../src/client/sign.js";
import type { AccessRuleInfo, KeyEventInfo } from "../../src/core/types.js";
import { injectServer } from "../helpers/http.js";
import { type Keys, newKeys, type SecureServer, secureServer } from "./helpers.js";

const PATHS = ["/access", "/access?agent=alice", "/key-events?name=alice"];

describe("GET /access and GET /key-events in secure mode", () => {
  let s: SecureServer;
  let aliceOld: Keys;
  let aliceNew: Keys;
  let t0: number;
  let t1: number;
  before(async () => {
    s = await secureServer({ agents: ["alice", "bob", "carol"] });
    t0 = Date.now() / 1000;
    const ok = async (path: string, body: unknown) => {
      const r = await s.post(path, body);
      assert.equal(r.statusCode, 200, `${path}: ${r.body}`);
    };
    await ok("/grant", s.sign.access("grant", "alice", "build*", "read"));
    await ok("/deny", s.sign.access("deny", "alice", "secret", "read,write"));
    await ok("/deny", s.sign.access("deny", "bob", "ops-*", "write"));
    aliceOld = s.keys.alice as Keys;
    aliceNew = newKeys();
    await ok("/rotate", s.sign.rotate("alice", aliceNew.pem));
    s.keys.alice = aliceNew;
    await ok("/revoke", s.sign.revoke("bob"));
    t1 = Date.now() / 1000;
    s.events.length = 0;
  });
  after(() => s.close());

  it("refuses an anonymous request with 401, naming the operator's proof", async () => {
    for (const path of PATHS) {
      const r = await s.get(path);
      assert.equal(r.statusCode, 401, `${path}: ${r.body}`);
      assert.equal(r.json().code, "unauthorized");
      assert.match(
        r.json().error,
        /needs an operator's request proof \(el-ipc: --key <file> --as <operator>\)/,
      );
      assert.doesNotMatch(r.body, /build\*|BEGIN PUBLIC KEY/);
    }
    assert.match((await s.get("/access")).json().error, /listing access rules/);
    assert.match((await s.get("/key-events?name=alice")).json().error, /listing key events/);
    assert.ok(s.events.some((e) => e.type === "unauthenticated" && e.action === "access"));
  });

  it("refuses an ordinary agent 403, even about itself, and reports it", async () => {
    s.events.length = 0;
    for (const path of [...PATHS, "/access?agent=carol", "/key-events?name=carol"]) {
      const r = await s.get(path, "carol");
      assert.equal(r.statusCode, 403, `${path}: ${r.body}`);
      assert.equal(r.json().code, "forbidden");
      assert.match(r.json().error, /operators only; 'carol' is not an operator/);
      assert.doesNotMatch(r.body, /build\*|BEGIN PUBLIC KEY/);
    }
    // The caller is checked before the name asked about.
    assert.equal((await s.get("/key-events?name=nobody", "carol")).statusCode, 403);
    const refused = s.events.filter((e) => e.type === "forbidden" && e.agent === "carol");
    assert.equal(refused.length, 6);
    const written = await s.securityChannel();
    assert.ok(
      written.some((e) => e.type === "forbidden" && e.action === "key-events" && e.agent === "carol"),
    );
  });

  it("refuses a revoked agent, an unknown signer and an agent's old key", async () => {
    const revoked = await s.get("/access", "bob");
    assert.equal(revoked.statusCode, 403, revoked.body);
    assert.match(revoked.json().error, /revoked/);
    const stranger = newKeys();
    const unknown = await s.app.inject({
      url: "/access",
      headers: requestProofHeaders(stranger.key, "mallory", "GET", "/access", ""),
    });
    // Unknown before a proof verifies: the same answer as a bad signature (no enumeration).
    assert.equal(unknown.statusCode, 401, unknown.body);
    assert.equal(unknown.json().code, "unauthorized");
    // A proof in the operator's name made with another key is a bad signature.
    const forged = await s.app.inject({
      url: "/access",
      headers: requestProofHeaders(aliceOld.key, "op-main", "GET", "/access", ""),
    });
    assert.equal(forged.statusCode, 401, forged.body);
    assert.equal(forged.json().code, "unauthorized");
  });

  it("answers an operator 200 with exactly the rules a grant and two denies set", async () => {
    const r = await s.get("/access", "op-main");
    assert.equal(r.statusCode, 200, r.body);
    const rules = r.json() as AccessRuleInfo[];
    for (const rule of rules) assert.ok(rule.set_at >= t0 && rule.set_at <= t1, String(rule.set_at));
    assert.deepEqual(
      rules.map(({ set_at: _, ...rest }) => rest),
      [
        { agent: "alice", pattern: "build*", permission: "read", effect: "allow", set_by: "op-main" },
        { agent: "alice", pattern: "secret", permission: "read", effect: "deny", set_by: "op-main" },
        { agent: "alice", pattern: "secret", permission: "write", effect: "deny", set_by: "op-main" },
        // Rules of a revoked agent stay visible.
        { agent: "bob", pattern: "ops-*", permission: "write", effect: "deny", set_by: "op-main" },
      ],
    );
    assert.deepEqual(Object.keys(rules[0] ?? {}), [
      "agent",
      "pattern",
      "permission",
      "effect",
      "set_by",
      "set_at",
    ]);
    const alice = await s.get("/access?agent=alice", "op-main");
    assert.deepEqual(alice.json(), rules.slice(0, 3));
    assert.deepEqual((await s.get("/access?agent=carol", "op-main")).json(), []);
  });

  it("answers an operator 200 with exactly the key events of a rotation and a revocation", async () => {
    const alice = await s.get("/key-events?name=alice", "op-main");
    assert.equal(alice.statusCode, 200, alice.body);
    const [rotated, ...more] = alice.json() as KeyEventInfo[];
    assert.equal(more.length, 0);
    assert.ok(rotated && rotated.at >= t0 && rotated.at <= t1);
    assert.deepEqual(rotated, {
      name: "alice",
      event: "rotate",
      public_key: aliceNew.pem.trim(),
      previous_key: aliceOld.pem.trim(),
      by: "op-main",
      at: rotated?.at,
    });
    const bob = (await s.get("/key-events?name=bob", "op-main")).json() as KeyEventInfo[];
    assert.deepEqual(bob, [
      {
        name: "bob",
        event: "revoke",
        public_key: null,
        previous_key: s.keys.bob?.pem.trim(),
        by: "op-main",
        at: bob[0]?.at,
      },
    ]);
    assert.deepEqual((await s.get("/key-events?name=carol", "op-main")).json(), []);
    // Private keys are never part of the history.
    assert.doesNotMatch(alice.body + JSON.stringify(bob), /PRIVATE KEY/);
  });

  it("an operator's proof is good once: replayed, it is refused 409", async () => {
    const headers = requestProofHeaders(s.op.key, "op-main", "GET", "/access", "");
    assert.equal((await s.app.inject({ url: "/access", headers })).statusCode, 200);
    const again = await s.app.inject({ url: "/access", headers });
    assert.equal(again.statusCode, 409, again.body);
    // A proof covers its exact target: one made for /access?agent=alice does not list everything.
    const narrow = requestProofHeaders(s.op.key, "op-main", "GET", "/access?agent=alice", "");
    assert.equal((await s.app.inject({ url: "/access", headers: narrow })).statusCode, 401);
  });

  it("answers bad queries with one 400 line, and an unknown name with 403 unknown_agent", async () => {
    const cases: [string, number, RegExp][] = [
      ["/key-events", 400, /^name is required$/],
      ["/key-events?name=", 400, /^name is required$/],
      ["/key-events?name=a%20b", 400, /may not contain whitespace/],
      ["/key-events?name=a&name=b", 400, /^name must be a string, not an array$/],
      ["/access?agent=", 400, /^agent is required$/],
      ["/access?agent=x,y", 400, /may not contain/],
      [`/access?agent=${"x".repeat(200)}`, 400, /longer than 128/],
      ["/key-events?name=nobody", 403, /unknown agent 'nobody': not registered/],
      ["/access?agent=nobody", 403, /unknown agent 'nobody'/],
    ];
    for (const [path, status, error] of cases) {
      const r = await s.get(path, "op-main");
      assert.equal(r.statusCode, status, `${path}: ${r.body}`);
      assert.match(r.json().error, error, path);
      assert.doesNotMatch(r.body, /\n\s+at /);
    }
  });
});

describe("GET /access and GET /key-events in open mode", () => {
  it("answers anyone, without a proof: no rules, and unknown_agent for names nobody registered", async () => {
    const s = await injectServer();
    try {
      const rules = await s.app.inject({ url: "/access" });
      assert.equal(rules.statusCode, 200, rules.body);
      assert.deepEqual(rules.json(), []);
      const events = await s.app.inject({ url: "/key-events?name=alice" });
      assert.equal(events.statusCode, 403, events.body);
      assert.equal(events.json().code, "unknown_agent");
    } finally {
      await s.close();
    }
  });
});
