// Revocation and key rotation over HTTP: operator-signed, recorded with who and when, effective at once
// (a revoked agent can neither send nor read, not even a read already waiting), and unable to switch
// secure mode off or take an operator over.

import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  requestProofHeaders,
  signMessageV2,
  signRegistration,
  signRevocation,
} from "../../src/client/sign.js";
import { LOCAL } from "../../src/core/caller.js";
import type { AgentInfo } from "../../src/core/types.js";
import { parsePrivateKey } from "../../src/crypto/keys.js";
import { newKeys, type SecureServer, secureServer } from "./helpers.js";

describe("revocation over HTTP", () => {
  let s: SecureServer;
  before(async () => {
    s = await secureServer({ agents: ["alice", "bob", "herald", "waiter"] });
  });
  after(() => s.close());

  it("revokes herald, recording who and when, and herald can neither send, read nor ack", async () => {
    assert.equal((await s.send("alice", "general", "before")).statusCode, 200);
    const t0 = Date.now() / 1000;
    const r = await s.post("/revoke", s.sign.revoke("herald"));
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(r.json(), { ok: true, message: "Agent 'herald' revoked by operator 'op-main'" });

    const herald = (await s.get("/agents", "alice")).json().find((a: AgentInfo) => a.name === "herald");
    assert.equal(herald.revoked_by, "op-main");
    assert.ok(herald.revoked_at >= t0 - 1 && herald.revoked_at <= Date.now() / 1000 + 1);
    const events = await s.db.listKeyEvents("herald");
    assert.deepEqual(
      events.map((e) => [e.event, e.by]),
      [["revoke", "op-main"]],
    );

    const send = await s.send("herald", "general", "after");
    assert.equal(send.statusCode, 403, send.body);
    assert.match(send.json().error, /revoked/);
    const read = await s.get("/messages?channel=general&agent=herald", "herald");
    assert.equal(read.statusCode, 403, read.body);
    const ack = await s.postAs("herald", "/ack", { channel: "general", agent: "herald", id: 1 });
    assert.equal(ack.statusCode, 403, ack.body);
    const list = await s.get("/channels", "herald");
    assert.equal(list.statusCode, 403, list.body);
    const stream = await s.get("/stream?channel=general&agent=herald", "herald");
    assert.equal(stream.statusCode, 403, stream.body);
    assert.equal((await s.db.getWatermarks("herald", ["general"])).get("general"), 0);

    const seen = (await s.securityChannel()).filter(
      (e) => e.type === "revoked_agent" && e.agent === "herald",
    );
    assert.ok(seen.length >= 5, JSON.stringify(seen));
    assert.ok((await s.securityChannel()).some((e) => e.type === "admin" && e.action === "revoke"));
  });

  it("ends a long-poll that was waiting when its agent was revoked, without delivering", async () => {
    const target = "/messages?channel=waiting&agent=waiter&wait=true&timeout=10";
    const poll = s.app.inject({
      url: target,
      headers: requestProofHeaders(s.keys.waiter?.key ?? s.op.key, "waiter", "GET", target, ""),
    });
    while (s.queue.waiting() === 0) await new Promise((r) => setImmediate(r));
    assert.equal((await s.post("/revoke", s.sign.revoke("waiter"))).statusCode, 200);
    assert.equal((await s.send("alice", "waiting", "not for a revoked reader")).statusCode, 200);
    const r = await poll;
    assert.equal(r.statusCode, 403, r.body);
    assert.equal((await s.db.getWatermarks("waiter", ["waiting"])).get("waiting"), 0);
  });

  it("never gives a revoked name out again and refuses to revoke twice", async () => {
    const again = await s.post(
      "/register",
      signRegistration(s.op.key, {
        operator: "op-main",
        name: "herald",
        identity: "",
        publicKey: newKeys().pem,
      }),
    );
    assert.equal(again.statusCode, 409, again.body);
    const twice = await s.post("/revoke", s.sign.revoke("herald"));
    assert.equal(twice.statusCode, 409, twice.body);
    assert.equal((await s.post("/revoke", s.sign.revoke("nobody"))).statusCode, 403);
  });

  it("lets only operators revoke", async () => {
    const alice = s.keys.alice?.key ?? s.op.key;
    const r = await s.post("/revoke", signRevocation(alice, { operator: "alice", name: "bob" }));
    assert.equal(r.statusCode, 403, r.body);
    const forged = await s.post("/revoke", signRevocation(alice, { operator: "op-main", name: "bob" }));
    assert.equal(forged.statusCode, 401, forged.body);
    assert.equal((await s.db.getAgent("bob"))?.revokedAt, null);
    assert.equal((await s.send("bob", "general", "still here")).statusCode, 200);
  });

  it("refuses to revoke the last active operator; another operator can be revoked and is then powerless", async () => {
    const last = await s.post("/revoke", s.sign.revoke("op-main"));
    assert.equal(last.statusCode, 403, last.body);
    assert.match(last.json().error, /last active operator/);

    const op2 = parsePrivateKey((await s.queue.seed(LOCAL, "op-two")).privateKey);
    const self = await s.post("/revoke", s.sign.revoke("op-two", ["op-two", op2]));
    assert.equal(self.statusCode, 200, self.body);
    const late = await s.post(
      "/register",
      signRegistration(op2, { operator: "op-two", name: "late", identity: "", publicKey: newKeys().pem }),
    );
    assert.equal(late.statusCode, 403, late.body);
    // op-main is the last active one again.
    assert.equal((await s.post("/revoke", s.sign.revoke("op-main"))).statusCode, 403);
    assert.equal((await s.app.inject({ url: "/health" })).json().secure_mode, true);
    assert.equal((await s.db.getAgent("op-main"))?.role, "operator");
  });
});

describe("key rotation over HTTP", () => {
  let s: SecureServer;
  before(async () => {
    s = await secureServer({ agents: ["alice", "bob"] });
  });
  after(() => s.close());

  it("replaces alice's key: the old one stops at once, the new one works, and the change is recorded", async () => {
    const old = s.keys.alice?.key ?? s.op.key;
    const fresh = newKeys();
    const r = await s.post("/rotate", s.sign.rotate("alice", fresh.pem));
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().message, "Key of 'alice' rotated by operator 'op-main'");
    const m = { channel: "rot", sender: "alice", content: "old key" };
    assert.equal((await s.post("/send", { ...m, ...signMessageV2(old, m) })).statusCode, 401);
    const n = { ...m, content: "new key" };
    assert.equal((await s.post("/send", { ...n, ...signMessageV2(fresh.key, n) })).statusCode, 200);
    const target = "/messages?channel=rot&agent=alice";
    const oldRead = await s.app.inject({
      url: target,
      headers: requestProofHeaders(old, "alice", "GET", target, ""),
    });
    assert.equal(oldRead.statusCode, 401);
    const [e] = await s.db.listKeyEvents("alice");
    assert.equal(e?.event, "rotate");
    assert.equal(e?.by, "op-main");
    assert.equal(e?.publicKey, fresh.pem.trim());
    assert.equal((await s.db.getAgent("alice"))?.role, "agent");
  });

  it("refuses the current key, a revoked agent, and another operator's key", async () => {
    const same = await s.post("/rotate", s.sign.rotate("bob", s.keys.bob?.pem ?? ""));
    assert.equal(same.statusCode, 400, same.body);
    assert.equal((await s.post("/revoke", s.sign.revoke("bob"))).statusCode, 200);
    const revoked = await s.post("/rotate", s.sign.rotate("bob", newKeys().pem));
    assert.equal(revoked.statusCode, 403, revoked.body);

    const op2 = parsePrivateKey((await s.queue.seed(LOCAL, "op-two")).privateKey);
    const takeover = await s.post("/rotate", s.sign.rotate("op-main", newKeys().pem, ["op-two", op2]));
    assert.equal(takeover.statusCode, 403, takeover.body);
    assert.match(takeover.json().error, /only operator 'op-main' itself/);
    // An operator may rotate its own key; the old key then signs nothing.
    const next = newKeys();
    assert.equal(
      (await s.post("/rotate", s.sign.rotate("op-two", next.pem, ["op-two", op2]))).statusCode,
      200,
    );
    const withOld = await s.post(
      "/register",
      signRegistration(op2, { operator: "op-two", name: "x1", identity: "", publicKey: newKeys().pem }),
    );
    assert.equal(withOld.statusCode, 401, withOld.body);
    const withNew = await s.post(
      "/register",
      signRegistration(next.key, { operator: "op-two", name: "x2", identity: "", publicKey: newKeys().pem }),
    );
    assert.equal(withNew.statusCode, 200, withNew.body);
  });
});
