// Forged, truncated and mangled signatures, stale and future timestamps and reused nonces, on every signed
// form over HTTP: messages (v1 and v2), request proofs, registrations and operator actions. Cases already
// in test/http/secure.test.ts (another key, tampered content, other target, reused request nonce, stale
// proof) are not repeated here.
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { requestProofHeaders, signMessageV2, signRegistration } from "../../src/client/sign.js";
import { legacyMessageBytes, messageEnvelopeBytes, requestBytes } from "../../src/crypto/canonical.js";
import { sha256Hex, signBytes } from "../../src/crypto/keys.js";
import { newKeys, type SecureServer, secureServer } from "./helpers.js";

const MINUTE = 60_000;

/** Ways to break a valid base64 signature of 88 characters. */
function mangled(sig: string): [string, string][] {
  const flip = (i: number) => sig.slice(0, i) + (sig[i] === "A" ? "B" : "A") + sig.slice(i + 1);
  const cases: [string, string][] = [
    ["truncated by one character", sig.slice(0, -1)],
    ["truncated to half", sig.slice(0, 44)],
    ["without its padding", sig.replace(/=+$/, "")],
    ["empty", ""],
    ["one character changed", flip(10)],
    ["base64url spelling", sig.replace(/\+/g, "-").replace(/\//g, "_")],
    ["with a trailing newline", `${sig}\n`],
    ["twice as long", sig + sig],
  ];
  // A signature without + or / reads the same in base64url.
  return cases.filter(([, mangledSig]) => mangledSig !== sig);
}

describe("attacks on signatures", () => {
  let s: SecureServer;
  before(async () => {
    s = await secureServer({ agents: ["alice", "bob"] });
  });
  after(() => s.close());
  const alice = () => s.keys.alice?.key ?? s.op.key;

  it("refuses mangled v2 and reference-form message signatures, storing nothing", async () => {
    const m = { channel: "sig", sender: "alice", content: "hello" };
    const v2 = { ...m, ...signMessageV2(alice(), m) };
    const v1 = { ...m, signature: signBytes(alice(), legacyMessageBytes("sig", "alice", "hello")) };
    for (const body of [v2, v1]) {
      for (const [why, signature] of mangled(body.signature)) {
        const r = await s.post("/send", { ...body, signature });
        assert.equal(r.statusCode, 401, `${why}: ${r.body}`);
        assert.match(r.json().code, /bad_signature|unauthorized/, why);
      }
    }
    assert.deepEqual(await s.db.readAfter([{ channel: "sig", after: 0 }], 10), []);
    // The genuine ones still work: the refusals consumed neither nonce nor signature.
    assert.equal((await s.post("/send", v2)).statusCode, 200);
    assert.equal((await s.post("/send", v1)).statusCode, 200);
  });

  it("refuses mangled request proofs and leaves the watermark", async () => {
    await s.send("bob", "proofs", "p1");
    const target = "/messages?channel=proofs&agent=alice";
    const good = requestProofHeaders(alice(), "alice", "GET", target, "");
    for (const [why, sig] of mangled(good["x-ipc-signature"] as string)) {
      const r = await s.app.inject({ url: target, headers: { ...good, "x-ipc-signature": sig } });
      assert.ok(r.statusCode === 401 || r.statusCode === 400, `${why}: ${r.statusCode} ${r.body}`);
    }
    assert.equal((await s.db.getWatermarks("alice", ["proofs"])).get("proofs"), 0);
    const ok = await s.app.inject({ url: target, headers: good });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().length, 1);
  });

  it("refuses mangled registration signatures", async () => {
    const body = signRegistration(s.op.key, {
      operator: "op-main",
      name: "carol",
      identity: "",
      publicKey: newKeys().pem,
    });
    for (const [why, signature] of mangled(body.signature)) {
      const r = await s.post("/register", { ...body, signature });
      assert.equal(r.statusCode, 401, `${why}: ${r.body}`);
    }
    assert.equal(await s.db.getAgent("carol"), undefined);
    assert.equal((await s.post("/register", body)).statusCode, 200);
  });

  it("refuses stale and future times on every form, and accepts them just inside the window", async () => {
    const now = Date.now();
    for (const [at, word] of [
      [now - 6 * MINUTE, "past"],
      [now + 6 * MINUTE, "future"],
    ] as const) {
      const m = { channel: "time", sender: "alice", content: `at ${at}` };
      const send = await s.post("/send", { ...m, ...signMessageV2(alice(), m, at) });
      assert.equal(send.statusCode, 401, send.body);
      assert.match(send.json().error, new RegExp(`in the ${word}`));

      const target = "/messages?channel=time&agent=alice";
      const read = await s.app.inject({
        url: target,
        headers: requestProofHeaders(alice(), "alice", "GET", target, "", at),
      });
      assert.equal(read.statusCode, 401, read.body);
      assert.match(read.json().error, new RegExp(`in the ${word}`));

      const reg = await s.post(
        "/register",
        signRegistration(
          s.op.key,
          { operator: "op-main", name: `late-${word}`, identity: "", publicKey: newKeys().pem },
          at,
        ),
      );
      assert.equal(reg.statusCode, 401, reg.body);

      const revoke = await s.post("/revoke", s.sign.revoke("bob", undefined, at));
      assert.equal(revoke.statusCode, 401, revoke.body);
    }
    assert.equal((await s.db.getAgent("bob"))?.revokedAt, null);
    const m = { channel: "time", sender: "alice", content: "four minutes ahead" };
    assert.equal(
      (await s.post("/send", { ...m, ...signMessageV2(alice(), m, now + 4 * MINUTE) })).statusCode,
      200,
    );
    const types = (await s.securityChannel()).filter((e) => e.type === "bad_signature").map((e) => e.action);
    for (const action of ["send", "GET /messages", "register", "revoke"])
      assert.ok(types.includes(action), action);
  });

  it("refuses a nonce used once already by the same agent, whatever form used it first", async () => {
    const m = { channel: "nonce", sender: "alice", content: "first" };
    const first = signMessageV2(alice(), m);
    assert.equal((await s.post("/send", { ...m, ...first })).statusCode, 200);
    // A new message that reuses the nonce (a fresh, valid signature): refused.
    const again = { ...m, content: "second" };
    const sameNonce = {
      ...again,
      signed_at: first.signed_at,
      nonce: first.nonce,
      signature: signBytes(
        alice(),
        messageEnvelopeBytes({
          ...again,
          timestamp: first.signed_at,
          nonce: first.nonce,
        }),
      ),
    };
    const r = await s.post("/send", sameNonce);
    assert.equal(r.statusCode, 409, r.body);
    // A request proof with that nonce: refused too (one nonce space per agent).
    const target = "/messages?channel=nonce&agent=alice&peek=true";
    const h = requestProofHeaders(alice(), "alice", "GET", target, "");
    const proofBytes = requestBytes({
      method: "GET",
      target,
      bodySha256: sha256Hex(""),
      agent: "alice",
      timestamp: Number(h["x-ipc-timestamp"]),
      nonce: first.nonce,
    });
    const proof = await s.app.inject({
      url: target,
      headers: { ...h, "x-ipc-nonce": first.nonce, "x-ipc-signature": signBytes(alice(), proofBytes) },
    });
    assert.equal(proof.statusCode, 409, proof.body);
    // Another agent may use the same nonce: nonces are per agent.
    const bobKey = s.keys.bob?.key ?? s.op.key;
    const bm = { channel: "nonce", sender: "bob", content: "bob's" };
    const bobBody = {
      ...bm,
      signed_at: first.signed_at,
      nonce: first.nonce,
      signature: signBytes(
        bobKey,
        messageEnvelopeBytes({
          ...bm,
          timestamp: first.signed_at,
          nonce: first.nonce,
        }),
      ),
    };
    assert.equal((await s.post("/send", bobBody)).statusCode, 200);
  });

  it("refuses an operator action replayed with its nonce", async () => {
    const body = s.sign.access("grant", "alice", "ops-*", "read");
    assert.equal((await s.post("/grant", body)).statusCode, 200);
    const again = await s.post("/grant", body);
    assert.equal(again.statusCode, 409, again.body);
    assert.equal(again.json().code, "replayed");
  });
});
