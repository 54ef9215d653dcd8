// Weak Ed25519 public keys (RFC 8032 section 5.1.3): a small-order key makes the forged signature R = identity,
// S = 0 valid over any bytes. Such keys are refused at registration and rotation, and a weak key already in
// the database (stored before the check, or by hand) verifies nothing.
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { signRegistration } from "../../src/client/sign.js";
import { newNonce } from "../../src/crypto/keys.js";
import { newKeys, type SecureServer, secureServer } from "./helpers.js";

/** An SPKI PEM around 32 raw key bytes. */
function pemOfRaw(hex: string): string {
  const der = Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), Buffer.from(hex, "hex")]);
  return `-----BEGIN PUBLIC KEY-----\n${der.toString("base64")}\n-----END PUBLIC KEY-----`;
}

const IDENTITY = `01${"00".repeat(31)}`;
const WEAK = [
  IDENTITY,
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
  `ee${"ff".repeat(30)}7f`, // y = p + 1: a non-canonical identity
];
/** R = identity, S = 0: valid under a small-order key over any bytes. */
const FORGED = Buffer.concat([Buffer.from(IDENTITY, "hex"), Buffer.alloc(32)]).toString("base64");

function forgedProof(agent: string): Record<string, string> {
  return {
    "x-ipc-agent": agent,
    "x-ipc-timestamp": String(Date.now()),
    "x-ipc-nonce": newNonce(),
    "x-ipc-signature": FORGED,
  };
}

describe("weak public keys", () => {
  let s: SecureServer;
  before(async () => {
    s = await secureServer();
    assert.equal((await s.send("alice", "general", "for herald only")).statusCode, 200);
  });
  after(() => s.close());

  it("registering a small-order or non-canonical key is refused and stores nothing", async () => {
    for (const [i, hex] of WEAK.entries()) {
      const name = `ghost${i}`;
      const r = await s.post(
        "/register",
        signRegistration(s.op.key, { operator: "op-main", name, identity: "", publicKey: pemOfRaw(hex) }),
      );
      assert.equal(r.statusCode, 400, r.body);
      assert.match(r.json().error, /public key refused/);
      assert.equal(await s.db.getAgent(name), undefined);
      // The forged proof for the name gets nothing.
      const read = await s.app.inject({
        method: "GET",
        url: `/messages?channel=general&agent=${name}`,
        headers: forgedProof(name),
      });
      assert.notEqual(read.statusCode, 200);
    }
  });

  it("rotating to the identity point is refused; herald keeps its key", async () => {
    const before = (await s.db.getAgent("herald"))?.publicKey;
    const r = await s.post("/rotate", s.sign.rotate("herald", pemOfRaw(IDENTITY)));
    assert.equal(r.statusCode, 400, r.body);
    assert.equal((await s.db.getAgent("herald"))?.publicKey, before);
    const forged = await s.app.inject({
      method: "GET",
      url: "/messages?channel=general&agent=herald",
      headers: forgedProof("herald"),
    });
    assert.equal(forged.statusCode, 401);
    assert.equal((await s.read("herald", "general")).length, 1);
  });

  it("a weak key stored in the database verifies no proof, message or operator signature", async () => {
    const record = {
      identity: "",
      publicKey: pemOfRaw(IDENTITY),
      registeredBy: null,
      createdAt: Date.now() / 1000,
      revokedAt: null,
      revokedBy: null,
    };
    assert.ok(await s.db.addAgent({ ...record, name: "planted", role: "agent" }));
    assert.ok(await s.db.addAgent({ ...record, name: "planted-op", role: "operator" }));
    const read = await s.app.inject({
      method: "GET",
      url: "/messages?channel=general&agent=planted",
      headers: forgedProof("planted"),
    });
    assert.equal(read.statusCode, 401, read.body);
    const send = await s.post("/send", {
      channel: "general",
      sender: "planted",
      content: "forged",
      signature: FORGED,
      signed_at: Date.now(),
      nonce: newNonce(),
    });
    assert.equal(send.statusCode, 401, send.body);
    const legacy = await s.post("/send", {
      channel: "general",
      sender: "planted",
      content: "forged",
      signature: FORGED,
    });
    assert.equal(legacy.statusCode, 401, legacy.body);
    const takeover = await s.post("/register", {
      ...signRegistration(s.op.key, {
        operator: "planted-op",
        name: "mole",
        identity: "",
        publicKey: newKeys().pem,
      }),
      signature: FORGED,
    });
    assert.equal(takeover.statusCode, 401, takeover.body);
    assert.equal(await s.db.getAgent("mole"), undefined);
    const stored = await s.db.readAfter([{ channel: "general", after: 0 }], 100);
    assert.deepEqual(
      stored.map((m) => m.sender),
      ["alice"],
    );
    // An operator can still replace the weak key.
    const fixed = newKeys();
    const rotate = await s.post("/rotate", s.sign.rotate("planted", fixed.pem));
    assert.equal(rotate.statusCode, 200, rotate.body);
  });
});
