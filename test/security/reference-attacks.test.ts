// The five attacks that broke the reference's secure mode (issue 3), replayed against el-ipc over HTTP
// with real keys. Each must be refused, change nothing, and be visible on the _security channel.

import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { requestProofHeaders, signMessageV2, signRegistration } from "../../src/client/sign.js";
import { LOCAL } from "../../src/core/caller.js";
import type { AgentInfo } from "../../src/core/types.js";
import { legacyMessageBytes } from "../../src/crypto/canonical.js";
import { parsePrivateKey, parsePublicKey, samePublicKey, signBytes } from "../../src/crypto/keys.js";
import { newKeys, type SecureServer, secureServer } from "./helpers.js";

describe("the reference's five attacks", () => {
  let s: SecureServer;
  before(async () => {
    s = await secureServer();
  });
  after(() => s.close());

  const watermark = async (agent: string, channel: string): Promise<number> =>
    (await s.db.getWatermarks(agent, [channel])).get(channel) ?? -1;

  it("1. one signed message posted three times is stored once (reference form and v2)", async () => {
    const herald = s.keys.herald?.key;
    assert.ok(herald);
    const content = "deploy v1.2.3";
    const v1 = {
      channel: "replay",
      sender: "herald",
      content,
      signature: signBytes(herald, legacyMessageBytes("replay", "herald", content)),
    };
    const m = { channel: "replay", sender: "herald", content: "deploy v2" };
    const v2 = { ...m, ...signMessageV2(herald, m) };
    for (const body of [v1, v2]) {
      const codes = [];
      for (let i = 0; i < 3; i++) codes.push((await s.post("/send", body)).statusCode);
      assert.deepEqual(codes, [200, 409, 409]);
    }
    assert.deepEqual(
      (await s.read("alice", "replay")).map((d) => d.content),
      [content, "deploy v2"],
    );
    const replays = (await s.securityChannel()).filter((e) => e.type === "replay");
    assert.equal(replays.length, 4);
    assert.ok(replays.every((e) => e.agent === "herald" && e.channel === "replay"));
  });

  it("2. an unauthenticated read as herald gets 401 and leaves herald's watermark alone", async () => {
    assert.equal((await s.send("alice", "general", "for herald")).statusCode, 200);
    const before = await watermark("herald", "general");
    for (const q of ["", "&wait=true&timeout=1", "&peek=true"]) {
      const r = await s.get(`/messages?channel=general&agent=herald${q}`);
      assert.equal(r.statusCode, 401, r.body);
      assert.equal(r.json().code, "unauthorized");
    }
    // Bob's valid proof does not make him herald either.
    const asBob = await s.app.inject({
      url: "/messages?channel=general&agent=herald",
      headers: requestProofHeaders(
        s.keys.bob?.key ?? s.op.key,
        "bob",
        "GET",
        "/messages?channel=general&agent=herald",
        "",
      ),
    });
    assert.equal(asBob.statusCode, 403, asBob.body);
    const ack = await s.post("/ack", { channel: "general", agent: "herald", id: 1_000_000 });
    assert.equal(ack.statusCode, 401, ack.body);
    assert.equal(await watermark("herald", "general"), before);
    assert.deepEqual(
      (await s.read("herald", "general")).map((d) => d.content),
      ["for herald"],
    );
    const seen = (await s.securityChannel()).filter(
      (e) => e.agent === "herald" && e.type === "unauthenticated",
    );
    assert.ok(seen.length >= 3, JSON.stringify(seen));
  });

  it("3. a second operator cannot re-register herald and take over its name", async () => {
    const op2Pem = (await s.queue.seed(LOCAL, "op-second")).privateKey;
    const op2 = parsePrivateKey(op2Pem);
    const evil = newKeys();
    const before = (await s.db.getAgent("herald"))?.publicKey;
    const r = await s.post(
      "/register",
      signRegistration(op2, { operator: "op-second", name: "herald", identity: "", publicKey: evil.pem }),
    );
    assert.equal(r.statusCode, 409, r.body);
    assert.equal(r.json().code, "conflict");
    const herald = await s.db.getAgent("herald");
    assert.equal(herald?.publicKey, before);
    assert.equal(herald?.registeredBy, "op-main");
    assert.equal((await s.send("herald", "general", "still me")).statusCode, 200);
    const m = { channel: "general", sender: "herald", content: "impostor" };
    assert.equal((await s.post("/send", { ...m, ...signMessageV2(evil.key, m) })).statusCode, 401);
    assert.ok((await s.securityChannel()).some((e) => e.action === "register" && e.operator === "op-second"));
  });

  it("4. registering an agent under the operator's name neither demotes it nor ends secure mode", async () => {
    const r = await s.post(
      "/register",
      signRegistration(s.op.key, {
        operator: "op-main",
        name: "op-main",
        identity: "",
        publicKey: newKeys().pem,
      }),
    );
    assert.equal(r.statusCode, 409, r.body);
    const op = await s.db.getAgent("op-main");
    assert.equal(op?.role, "operator");
    assert.ok(samePublicKey(s.op.key, parsePublicKey(op?.publicKey ?? "")));
    assert.equal((await s.app.inject({ url: "/health" })).json().secure_mode, true);
    const unsigned = await s.post("/send", { channel: "general", sender: "alice", content: "x" });
    assert.equal(unsigned.statusCode, 401);
    const agents = (await s.get("/agents", "alice")).json() as AgentInfo[];
    assert.equal(agents.find((a) => a.name === "op-main")?.role, "operator");
  });

  it("5. POST /register with operator_key is refused, explained, and the key is never logged or stored", async () => {
    const secret = s.op.privatePem;
    const r = await s.post("/register", {
      name: "mallory",
      public_key: newKeys().pem,
      operator: "op-main",
      operator_key: secret,
    });
    assert.equal(r.statusCode, 400, r.body);
    assert.match(r.json().error, /private keys are never sent.*el-ipc register/);
    assert.equal(await s.db.getAgent("mallory"), undefined);
    const keyBody = secret.split("\n")[1] ?? "";
    assert.ok(keyBody.length > 20);
    assert.ok(!JSON.stringify(s.logs).includes(keyBody), "the private key reached the log");
    assert.ok(!JSON.stringify(await s.securityChannel()).includes(keyBody));
    assert.ok(!r.body.includes(keyBody));
  });
});
