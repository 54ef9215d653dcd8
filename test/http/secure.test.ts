// Secure mode over HTTP with real Ed25519 keys: signed sends (reference and v2 forms), replays, request
// proofs on reads and acks, operator-signed registration.

import * as assert from "node:assert/strict";
import type { KeyObject } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { requestProofHeaders, signMessageV2, signRegistration } from "../../src/client/sign.js";
import { LOCAL } from "../../src/core/caller.js";
import type { AgentInfo, Delivered } from "../../src/core/types.js";
import { legacyMessageBytes } from "../../src/crypto/canonical.js";
import { generateKeyPair, type PemKeyPair, parsePrivateKey, signBytes } from "../../src/crypto/keys.js";
import { type InjectServer, injectServer } from "../helpers/http.js";

describe("HTTP secure mode", () => {
  let s: InjectServer;
  let opKey: KeyObject;
  const alice: PemKeyPair = generateKeyPair();
  const bob: PemKeyPair = generateKeyPair();
  const aliceKey = parsePrivateKey(alice.privateKey);
  const bobKey = parsePrivateKey(bob.privateKey);

  const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
    s.app.inject({ method: "POST", url, payload, headers });

  /** GET with a request proof by `key` for `agent` over exactly this target. */
  const provenGet = (target: string, key: KeyObject, agent: string) =>
    s.app.inject({ method: "GET", url: target, headers: requestProofHeaders(key, agent, "GET", target, "") });

  const register = (name: string, publicKey: string) =>
    post(
      "/register",
      signRegistration(opKey, { operator: "op-main", name, identity: `id-${name}`, publicKey }),
    );

  before(async () => {
    s = await injectServer();
    opKey = parsePrivateKey((await s.queue.seed(LOCAL, "op-main")).privateKey);
    for (const [name, pair] of [
      ["alice", alice],
      ["bob", bob],
    ] as const) {
      const r = await register(name, pair.publicKey);
      assert.equal(r.statusCode, 200, r.body);
      assert.deepEqual(r.json(), { ok: true, message: `Agent '${name}' registered by operator 'op-main'` });
    }
  });
  after(() => s.close());

  it("reports secure mode on /health", async () => {
    assert.equal((await s.app.inject({ url: "/health" })).json().secure_mode, true);
  });

  it("refuses an unsigned send with 401", async () => {
    const r = await post("/send", { channel: "sec", sender: "alice", content: "unsigned" });
    assert.equal(r.statusCode, 401, r.body);
    assert.equal(r.json().code, "unauthorized");
  });

  it("refuses a send signed with another agent's key with 401", async () => {
    const content = "impersonation";
    const signature = signBytes(bobKey, legacyMessageBytes("sec", "alice", content));
    const r = await post("/send", { channel: "sec", sender: "alice", content, signature });
    assert.equal(r.statusCode, 401, r.body);
    assert.equal(r.json().code, "unauthorized");
  });

  it("refuses a send by an unregistered sender with 401, as a bad signature", async () => {
    const content = "who am i";
    const signature = signBytes(aliceKey, legacyMessageBytes("sec", "mallory", content));
    const r = await post("/send", { channel: "sec", sender: "mallory", content, signature });
    assert.equal(r.statusCode, 401, r.body);
    assert.equal(r.json().code, "unauthorized");
  });

  it("accepts a reference-format signature once; the identical request again is a 409 replay", async () => {
    const content = "reference form\nwith two lines";
    const body = {
      channel: "sec",
      sender: "alice",
      content,
      signature: signBytes(aliceKey, legacyMessageBytes("sec", "alice", content)),
    };
    const first = await post("/send", body);
    assert.equal(first.statusCode, 200, first.body);
    assert.equal(first.json().signed, true);
    const again = await post("/send", body);
    assert.equal(again.statusCode, 409, again.body);
    assert.equal(again.json().code, "replayed");
  });

  it("accepts a v2 signature once; the same body again is a 409 replay", async () => {
    const m = { channel: "sec", sender: "alice", content: "v2 form" };
    const body = { ...m, ...signMessageV2(aliceKey, m) };
    const first = await post("/send", body);
    assert.equal(first.statusCode, 200, first.body);
    assert.equal(first.json().signed, true);
    const again = await post("/send", body);
    assert.equal(again.statusCode, 409, again.body);
  });

  it("refuses a v2 body whose content was changed after signing", async () => {
    const m = { channel: "sec", sender: "alice", content: "original" };
    const r = await post("/send", { ...m, ...signMessageV2(aliceKey, m), content: "tampered" });
    assert.equal(r.statusCode, 401, r.body);
  });

  it("reads need a proof: without one 401 and the watermark stays; with one the messages come", async () => {
    const target = "/messages?channel=sec&agent=alice";
    const unproven = await s.app.inject({ url: target });
    assert.equal(unproven.statusCode, 401, unproven.body);
    assert.equal(unproven.json().code, "unauthorized");

    const proven = await provenGet(target, aliceKey, "alice");
    assert.equal(proven.statusCode, 200, proven.body);
    const msgs = proven.json() as Delivered[];
    assert.deepEqual(
      msgs.map((m) => [m.content, m.sig_version]),
      [
        ["reference form\nwith two lines", 1],
        ["v2 form", 2],
      ],
    );
    assert.equal(msgs[1]?.signed, true);
    assert.equal(typeof msgs[1]?.signed_at, "number");
    assert.deepEqual((await provenGet(target, aliceKey, "alice")).json(), []);
  });

  it("refuses a proof made with another agent's key (401) and a proof for another agent (403)", async () => {
    const target = "/messages?channel=sec&agent=alice";
    const forged = await provenGet(target, bobKey, "alice");
    assert.equal(forged.statusCode, 401, forged.body);
    assert.equal(forged.json().code, "unauthorized");
    const asBob = await provenGet(target, bobKey, "bob");
    assert.equal(asBob.statusCode, 403, asBob.body);
    assert.equal(asBob.json().code, "forbidden");
  });

  it("refuses a proof over another target", async () => {
    const headers = requestProofHeaders(aliceKey, "alice", "GET", "/messages?channel=other&agent=alice", "");
    const r = await s.app.inject({ url: "/messages?channel=sec&agent=alice", headers });
    assert.equal(r.statusCode, 401, r.body);
  });

  it("refuses a reused request nonce with 409", async () => {
    const target = "/messages?channel=sec&agent=alice&peek=true";
    const headers = requestProofHeaders(aliceKey, "alice", "GET", target, "");
    assert.equal((await s.app.inject({ url: target, headers })).statusCode, 200);
    const again = await s.app.inject({ url: target, headers });
    assert.equal(again.statusCode, 409, again.body);
    assert.equal(again.json().code, "replayed");
  });

  it("refuses incomplete or malformed proof headers", async () => {
    const target = "/messages?channel=sec&agent=alice";
    const full = requestProofHeaders(aliceKey, "alice", "GET", target, "");
    const { "x-ipc-signature": _sig, ...noSignature } = full;
    assert.equal((await s.app.inject({ url: target, headers: noSignature })).statusCode, 401);
    const badTime = { ...full, "x-ipc-timestamp": "yesterday" };
    assert.equal((await s.app.inject({ url: target, headers: badTime })).statusCode, 400);
    const stale = requestProofHeaders(aliceKey, "alice", "GET", target, "", Date.now() - 3_600_000);
    const r = await s.app.inject({ url: target, headers: stale });
    assert.equal(r.statusCode, 401, r.body);
    assert.match(r.json().error, /in the past/);
  });

  it("acks need a proof over the exact body", async () => {
    const m = { channel: "acks", sender: "bob", content: "to ack" };
    const sent = await post("/send", { ...m, ...signMessageV2(bobKey, m) });
    assert.equal(sent.statusCode, 200, sent.body);
    const body = JSON.stringify({ channel: "acks", agent: "alice", id: sent.json().id });
    const json = { "content-type": "application/json" };

    const unproven = await s.app.inject({ method: "POST", url: "/ack", payload: body, headers: json });
    assert.equal(unproven.statusCode, 401, unproven.body);
    const otherBody = requestProofHeaders(aliceKey, "alice", "POST", "/ack", body.replace("acks", "ackz"));
    const tampered = await s.app.inject({
      method: "POST",
      url: "/ack",
      payload: body,
      headers: { ...json, ...otherBody },
    });
    assert.equal(tampered.statusCode, 401, tampered.body);

    const headers = { ...json, ...requestProofHeaders(aliceKey, "alice", "POST", "/ack", body) };
    const ok = await s.app.inject({ method: "POST", url: "/ack", payload: body, headers });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual((await provenGet("/messages?channel=acks&agent=alice", aliceKey, "alice")).json(), []);
  });

  it("refuses to register a name twice, the operator's included, and the operator keeps its role", async () => {
    const again = await register("alice", generateKeyPair().publicKey);
    assert.equal(again.statusCode, 409, again.body);
    const takeover = await register("op-main", generateKeyPair().publicKey);
    assert.equal(takeover.statusCode, 409, takeover.body);
    assert.equal(takeover.json().code, "conflict");

    const agents = (await provenGet("/agents", aliceKey, "alice")).json() as AgentInfo[];
    assert.deepEqual(agents.map((a) => [a.name, a.role, a.registered_by]).sort(), [
      ["alice", "agent", "op-main"],
      ["bob", "agent", "op-main"],
      ["op-main", "operator", null],
    ]);
    assert.equal(agents.find((a) => a.name === "alice")?.identity, "id-alice");
    assert.ok(agents.every((a) => !("public_key" in a)));
  });

  it("refuses a registration not signed by the operator's key", async () => {
    const body = signRegistration(aliceKey, {
      operator: "op-main",
      name: "carol",
      identity: "",
      publicKey: generateKeyPair().publicKey,
    });
    const r = await post("/register", body);
    assert.equal(r.statusCode, 401, r.body);
    const valid = await register("dave", generateKeyPair().publicKey);
    assert.equal(valid.statusCode, 200, valid.body);
  });
});

describe("HTTP open mode ignores request proofs", () => {
  let s: InjectServer;
  before(async () => {
    s = await injectServer();
  });
  after(() => s.close());

  it("reads with a proof by an unregistered key succeed and consume nothing", async () => {
    await s.app.inject({
      method: "POST",
      url: "/send",
      payload: { channel: "open", sender: "x", content: "hi" },
    });
    const key = parsePrivateKey(generateKeyPair().privateKey);
    const target = "/messages?channel=open&agent=reader";
    const r = await s.app.inject({
      url: target,
      headers: requestProofHeaders(key, "reader", "GET", target, ""),
    });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal((r.json() as Delivered[]).length, 1);
  });
});
