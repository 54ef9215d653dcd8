// Signatures and keys made by the reference implementation (compat/signatures.json and its PEM files).
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { legacyMessageBytes } from "../../src/crypto/canonical.js";
import {
  generateKeyPair,
  parsePrivateKey,
  parsePublicKey,
  publicPemOf,
  samePublicKey,
  signBytes,
  verifyBytes,
} from "../../src/crypto/keys.js";
import { compatJson, compatText } from "../helpers/fixtures.js";

interface Vector {
  channel: string;
  sender: string;
  content: string;
  signature: string;
  public_key: string;
  valid: boolean;
  why?: string;
}

const { vectors } = compatJson<{ vectors: Vector[] }>("signatures.json");

describe("reference signatures (signatures.json)", () => {
  it("has the vectors the README describes", () => {
    assert.ok(vectors.length >= 10, `only ${vectors.length} vectors`);
    assert.ok(vectors.some((v) => v.valid) && vectors.some((v) => !v.valid));
    assert.ok(vectors.some((v) => v.content.length === 5000));
    assert.ok(vectors.some((v) => v.content === ""));
  });

  const agentA = parsePrivateKey(compatText("agent-a.key"));
  for (const [i, v] of vectors.entries()) {
    const label = `vector ${i}: ${v.valid ? "valid" : `invalid (${v.why})`} on ${JSON.stringify(v.channel)}`;
    it(`${label} verifies as ${v.valid}`, () => {
      const key = parsePublicKey(compatText(v.public_key));
      assert.equal(
        verifyBytes(key, legacyMessageBytes(v.channel, v.sender, v.content), v.signature),
        v.valid,
      );
    });
    if (v.valid) {
      it(`${label} is reproduced byte for byte by signing with agent-a.key`, () => {
        assert.equal(v.public_key, "agent-a.pub");
        assert.equal(signBytes(agentA, legacyMessageBytes(v.channel, v.sender, v.content)), v.signature);
      });
    }
  }
});

describe("reference key files", () => {
  for (const [priv, pub] of [
    ["agent-a.key", "agent-a.pub"],
    ["herald.key", "herald.pub"],
  ] as const) {
    it(`${priv} belongs to ${pub}`, () => {
      const key = parsePrivateKey(compatText(priv));
      assert.equal(samePublicKey(key, parsePublicKey(compatText(pub))), true);
      assert.equal(publicPemOf(key).trim(), compatText(pub).trim());
    });
  }

  it("parses op-main.key despite its trailing blank line", () => {
    const text = compatText("op-main.key");
    assert.ok(text.endsWith("\n\n"), "fixture lost its trailing blank line");
    const key = parsePrivateKey(text);
    assert.equal(key.asymmetricKeyType, "ed25519");
    const pub = parsePublicKey(publicPemOf(key));
    const bytes = Buffer.from("op-main signs");
    assert.equal(verifyBytes(pub, bytes, signBytes(key, bytes)), true);
  });

  it("tells agent-b from agent-a", () => {
    assert.equal(
      samePublicKey(parsePublicKey(compatText("agent-a.pub")), parsePublicKey(compatText("agent-b.pub"))),
      false,
    );
  });
});

describe("keys el-ipc generates", () => {
  it("are PKCS8 and SPKI PEM that round-trip through the parsers", () => {
    const pair = generateKeyPair();
    assert.match(
      pair.privateKey,
      /^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END PRIVATE KEY-----\n$/,
    );
    assert.match(pair.publicKey, /^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+-----END PUBLIC KEY-----\n$/);
    const priv = parsePrivateKey(pair.privateKey);
    const pub = parsePublicKey(pair.publicKey);
    assert.equal(priv.asymmetricKeyType, "ed25519");
    assert.equal(samePublicKey(priv, pub), true);
    assert.equal(publicPemOf(priv), pair.publicKey);
    assert.equal(priv.export({ type: "pkcs8", format: "pem" }).toString(), pair.privateKey);
    // Same DER shapes as the reference's keys: 48-byte PKCS8, 44-byte SPKI.
    assert.equal(priv.export({ type: "pkcs8", format: "der" }).length, 48);
    assert.equal(pub.export({ type: "spki", format: "der" }).length, 44);
  });

  it("sign reference-form messages that verify under their own key only", () => {
    const pair = generateKeyPair();
    const bytes = legacyMessageBytes("general", "new-agent", "hello from el-ipc");
    const sig = signBytes(parsePrivateKey(pair.privateKey), bytes);
    assert.match(sig, /^[A-Za-z0-9+/]{86}==$/);
    assert.equal(verifyBytes(parsePublicKey(pair.publicKey), bytes, sig), true);
    assert.equal(verifyBytes(parsePublicKey(compatText("agent-a.pub")), bytes, sig), false);
  });
});
