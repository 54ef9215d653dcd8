// Ed25519 keys, signatures, did:key and the canonical signed byte forms, against published test vectors.
import { strict as assert } from "node:assert";
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, verify } from "node:crypto";
import { describe, it } from "node:test";
import { IpcError } from "../../src/core/errors.js";
import {
  legacyMessageBytes,
  messageEnvelopeBytes,
  registrationBytes,
  requestBytes,
} from "../../src/crypto/canonical.js";
import {
  didKey,
  generateKeyPair,
  newNonce,
  parsePrivateKey,
  parsePublicKey,
  publicPemOf,
  rawPublicKey,
  samePublicKey,
  sha256Hex,
  signBytes,
  verifyBytes,
} from "../../src/crypto/keys.js";

/** An Ed25519 private key from its 32-byte seed (PKCS8 DER prefix of RFC 8410). */
function keyFromSeed(seedHex: string): KeyObject {
  const prefix = Buffer.from("302e020100300506032b657004220420", "hex");
  return createPrivateKey({
    key: Buffer.concat([prefix, Buffer.from(seedHex, "hex")]),
    format: "der",
    type: "pkcs8",
  });
}

// RFC 8032 section 7.1, TEST 1: secret key, public key, and the signature of the empty message.
const RFC8032_SECRET = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const RFC8032_PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
const RFC8032_SIG =
  "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

const BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/** base58btc decoding, written here independently of the code under test. */
function base58Decode(s: string): Buffer {
  let n = 0n;
  for (const ch of s) {
    const v = BASE58.indexOf(ch);
    assert.ok(v >= 0, `not base58: ${ch}`);
    n = n * 58n + BigInt(v);
  }
  let hex = n === 0n ? "" : n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const zeros = s.length - s.replace(/^1+/, "").length;
  return Buffer.concat([Buffer.alloc(zeros), Buffer.from(hex, "hex")]);
}

const isInvalidArgument = (e: unknown): boolean => e instanceof IpcError && e.code === "invalid_argument";

describe("Ed25519 keys", () => {
  it("signs the RFC 8032 TEST 1 vector byte for byte", () => {
    const key = keyFromSeed(RFC8032_SECRET);
    assert.equal(rawPublicKey(key).toString("hex"), RFC8032_PUBLIC);
    const sig = signBytes(key, Buffer.alloc(0));
    assert.equal(Buffer.from(sig, "base64").toString("hex"), RFC8032_SIG);
    const pub = parsePublicKey(publicPemOf(key));
    assert.equal(rawPublicKey(pub).toString("hex"), RFC8032_PUBLIC);
    assert.equal(verifyBytes(pub, Buffer.alloc(0), sig), true);
    assert.equal(verifyBytes(pub, Buffer.from("x"), sig), false);
  });

  it("gives the did:key of the did:key spec's Ed25519 vector (seed of 32 zero bytes)", () => {
    const key = keyFromSeed("00".repeat(32));
    assert.equal(
      rawPublicKey(key).toString("hex"),
      "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29",
    );
    assert.equal(didKey(key), "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp");
    assert.equal(didKey(parsePublicKey(publicPemOf(key))), didKey(key));
  });

  it("builds did:key as z + base58btc(0xed 0x01 + raw public key)", () => {
    for (let i = 0; i < 20; i++) {
      const pub = parsePublicKey(generateKeyPair().publicKey);
      const did = didKey(pub);
      assert.match(did, /^did:key:z6Mk[1-9A-HJ-NP-Za-km-z]+$/);
      const decoded = base58Decode(did.slice("did:key:z".length));
      assert.equal(decoded.length, 34);
      assert.deepEqual([...decoded.subarray(0, 2)], [0xed, 0x01]);
      assert.ok(decoded.subarray(2).equals(rawPublicKey(pub)));
    }
  });

  it("compares public keys by their raw bytes", () => {
    const a = generateKeyPair();
    const b = generateKeyPair();
    const aPriv = parsePrivateKey(a.privateKey);
    const aPub = parsePublicKey(a.publicKey);
    assert.equal(samePublicKey(aPriv, aPub), true);
    assert.equal(samePublicKey(aPub, parsePublicKey(`\n  ${a.publicKey}\n\n`)), true);
    assert.equal(samePublicKey(aPriv, parsePublicKey(b.publicKey)), false);
    assert.equal(samePublicKey(parsePublicKey(b.publicKey), aPub), false);
  });

  it("parses PEM with surrounding whitespace and caches the public KeyObject", () => {
    const pair = generateKeyPair();
    assert.equal(parsePrivateKey(`\n${pair.privateKey}\n\n`).asymmetricKeyType, "ed25519");
    assert.equal(parsePublicKey(pair.publicKey), parsePublicKey(`  ${pair.publicKey}\n`));
  });

  it("refuses a private key where a public key belongs", () => {
    // createPublicKey alone would derive the public half, so a private key could be stored as "public".
    const pair = generateKeyPair();
    assert.throws(() => parsePublicKey(pair.privateKey), isInvalidArgument);
    assert.throws(() => parsePublicKey(`${pair.publicKey}\n${pair.privateKey}`), isInvalidArgument);
  });

  it("refuses keys that are not Ed25519 or not PEM", () => {
    const ec = generateKeyPairSync("ec", {
      namedCurve: "P-256",
      publicKeyEncoding: { type: "spki", format: "pem" },
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
    });
    assert.throws(() => parsePublicKey(ec.publicKey), isInvalidArgument);
    assert.throws(() => parsePrivateKey(ec.privateKey), isInvalidArgument);
    const pair = generateKeyPair();
    assert.throws(() => parsePrivateKey(pair.publicKey), isInvalidArgument);
    for (const junk of ["", "hello", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"]) {
      assert.throws(() => parsePublicKey(junk), isInvalidArgument);
      assert.throws(() => parsePrivateKey(junk), isInvalidArgument);
    }
  });

  it("makes distinct base64url nonces of 22 characters", () => {
    const nonces = new Set(Array.from({ length: 100 }, newNonce));
    assert.equal(nonces.size, 100);
    for (const n of nonces) assert.match(n, /^[A-Za-z0-9_-]{22}$/);
  });

  it("hashes with lower-case hex SHA-256", () => {
    assert.equal(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert.equal(
      sha256Hex(Buffer.from("abc")),
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });
});

describe("verifyBytes", () => {
  const key = keyFromSeed(RFC8032_SECRET);
  const pub = parsePublicKey(publicPemOf(key));
  const bytes = Buffer.from("general\nagent-a\nhello");
  const good = signBytes(key, bytes);
  const raw = Buffer.from(good, "base64");
  const b64 = (b: Buffer): string => b.toString("base64");

  it("accepts the genuine signature", () => {
    assert.equal(verifyBytes(pub, bytes, good), true);
  });

  const bad: [string, unknown][] = [
    ["empty", ""],
    ["truncated text", good.slice(0, 40)],
    ["missing padding", good.replace(/=+$/, "")],
    ["not base64", "not base64 at all!!"],
    ["base64url alphabet", raw.toString("base64url")],
    ["63 bytes", b64(raw.subarray(0, 63))],
    ["65 bytes", b64(Buffer.concat([raw, Buffer.from([0])]))],
    ["all zeros", b64(Buffer.alloc(64))],
    ["trailing newline", `${good}\n`],
    ["leading space", ` ${good}`],
    ["undefined", undefined],
    ["a number", 42],
  ];
  for (const [why, sig] of bad) {
    it(`returns false, never throws, for a signature that is ${why}`, () => {
      assert.equal(verifyBytes(pub, bytes, sig as string), false);
    });
  }

  it("returns false for every single flipped bit", () => {
    for (let bit = 0; bit < 512; bit++) {
      const flipped = Buffer.from(raw);
      flipped[bit >> 3] = (flipped[bit >> 3] as number) ^ (1 << (bit & 7));
      assert.equal(verifyBytes(pub, bytes, b64(flipped)), false, `bit ${bit}`);
    }
  });

  it("returns false for a non-canonical spelling of a valid signature", () => {
    // The last character before "==" carries 2 used bits and 4 ignored ones; another spelling of the
    // same bytes would be a new replay key for the same reference-form message.
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const last = alphabet.indexOf(good[85] as string);
    for (let low = 1; low < 16; low++) {
      const respelled = `${good.slice(0, 85)}${alphabet[last ^ low]}==`;
      assert.ok(Buffer.from(respelled, "base64").equals(raw));
      assert.equal(verifyBytes(pub, bytes, respelled), false, respelled);
    }
  });

  it("returns false for the malleable S + L form (RFC 8032 section 5.1.7)", () => {
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    const s = BigInt(`0x${Buffer.from(raw.subarray(32)).reverse().toString("hex")}`);
    const sPlusL = Buffer.from((s + L).toString(16).padStart(64, "0"), "hex").reverse();
    assert.equal(verifyBytes(pub, bytes, b64(Buffer.concat([raw.subarray(0, 32), sPlusL]))), false);
  });

  it("returns false against another key", () => {
    assert.equal(verifyBytes(parsePublicKey(generateKeyPair().publicKey), bytes, good), false);
  });
});

describe("canonical bytes", () => {
  it("reference form: channel, sender, content joined by newlines", () => {
    assert.equal(
      legacyMessageBytes("general", "agent-a", "hi\nthere").toString("utf8"),
      "general\nagent-a\nhi\nthere",
    );
    assert.equal(legacyMessageBytes("c", "s", "").toString("utf8"), "c\ns\n");
    assert.equal(legacyMessageBytes("ü", "s", "é").toString("hex"), `c3bc0a730ac3a9`);
  });

  it("v2 message envelope", () => {
    const b = messageEnvelopeBytes({
      channel: "general",
      sender: "herald",
      content: "line 1\nline 2\n",
      timestamp: 1_800_000_000_123,
      nonce: "AAAAAAAAAAAAAAAAAAAAAA",
    });
    assert.equal(
      b.toString("utf8"),
      "el-ipc/msg/v2\ngeneral\nherald\n1800000000123\nAAAAAAAAAAAAAAAAAAAAAA\nline 1\nline 2\n",
    );
  });

  it("request proof", () => {
    const b = requestBytes({
      method: "GET",
      target: "/messages?channel=general&agent=herald",
      bodySha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      agent: "herald",
      timestamp: 1_800_000_000_000,
      nonce: "nonce-0123456789ab",
    });
    assert.equal(
      b.toString("utf8"),
      "el-ipc/req/v1\nGET\n/messages?channel=general&agent=herald\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\nherald\n1800000000000\nnonce-0123456789ab",
    );
  });

  it("registration, with the PEM key trimmed and last", () => {
    const pem = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----";
    const b = registrationBytes({
      operator: "op-main",
      name: "herald",
      identity: "a9e6db87-b090-47e0-a509-2bc624896d0f",
      publicKey: `\n${pem}\n\n`,
      timestamp: 1_800_000_000_000,
      nonce: "nonce-0123456789ab",
    });
    assert.equal(
      b.toString("utf8"),
      `el-ipc/register/v1\nop-main\nherald\na9e6db87-b090-47e0-a509-2bc624896d0f\n1800000000000\nnonce-0123456789ab\n${pem}`,
    );
  });

  it("registration with an empty identity keeps its line", () => {
    const b = registrationBytes({
      operator: "op",
      name: "a",
      identity: "",
      publicKey: "K",
      timestamp: 1,
      nonce: "n",
    });
    assert.equal(b.toString("utf8"), "el-ipc/register/v1\nop\na\n\n1\nn\nK");
  });
});

/** An SPKI PEM around 32 raw key bytes (RFC 8410 prefix), whatever they encode. */
function pemOfRaw(raw: Buffer): string {
  const der = Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), raw]);
  return `-----BEGIN PUBLIC KEY-----\n${der.toString("base64")}\n-----END PUBLIC KEY-----`;
}

// The eight points of small order as their canonical encodings ("Taming the many EdDSAs", table 6 /
// libsodium's blocklist): identity, order 2, the two of order 4, the four of order 8.
const SMALL_ORDER = [
  `01${"00".repeat(31)}`,
  `ec${"ff".repeat(30)}7f`,
  "00".repeat(32),
  `${"00".repeat(31)}80`,
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
];

/** The 38 encodings with y in [p, 2^255): y = p + k for k = 0..18, sign bit clear and set. */
function nonCanonical(): string[] {
  const p = 2n ** 255n - 19n;
  const out: string[] = [];
  for (let k = 0n; k < 19n; k++) {
    const le = Buffer.from((p + k).toString(16).padStart(64, "0"), "hex").reverse();
    out.push(le.toString("hex"));
    le[31] = (le[31] as number) | 0x80;
    out.push(le.toString("hex"));
  }
  return out;
}

describe("weak public keys (RFC 8032 section 5.1.3)", () => {
  it("node's verify alone accepts R = identity, S = 0 under the identity key over any bytes", () => {
    // Why the check exists: without it, this forged signature verifies as anyone with that key.
    const key = createPublicKey({
      key: Buffer.concat([
        Buffer.from("302a300506032b6570032100", "hex"),
        Buffer.from(SMALL_ORDER[0] as string, "hex"),
      ]),
      format: "der",
      type: "spki",
    });
    const forged = Buffer.concat([Buffer.from(SMALL_ORDER[0] as string, "hex"), Buffer.alloc(32)]).toString(
      "base64",
    );
    assert.equal(verify(null, Buffer.from("any bytes"), key, Buffer.from(forged, "base64")), true);
  });

  it("refuses the eight small-order points", () => {
    for (const hex of SMALL_ORDER) {
      assert.throws(() => parsePublicKey(pemOfRaw(Buffer.from(hex, "hex"))), /small order/, hex);
    }
  });

  it("refuses non-canonical encodings: y >= p, and x = 0 with the sign bit set", () => {
    for (const hex of nonCanonical()) {
      assert.throws(() => parsePublicKey(pemOfRaw(Buffer.from(hex, "hex"))), /public key refused/, hex);
    }
    // The identity and the order-2 point with the sign bit set (x = 0 has no negative).
    for (const hex of [`01${"00".repeat(30)}80`, `ec${"ff".repeat(31)}`]) {
      assert.throws(() => parsePublicKey(pemOfRaw(Buffer.from(hex, "hex"))), /non-canonical/, hex);
    }
  });

  it("refuses an encoding that is not a point on the curve", () => {
    // y = 2: (y^2 - 1) / (d y^2 + 1) has no square root mod p.
    const raw = Buffer.alloc(32);
    raw[0] = 2;
    assert.throws(() => parsePublicKey(pemOfRaw(raw)), /not a point on the curve/);
  });

  it("accepts the RFC 8032 test key and 200 fresh keys", () => {
    parsePublicKey(pemOfRaw(Buffer.from(RFC8032_PUBLIC, "hex")));
    for (let i = 0; i < 200; i++) parsePublicKey(generateKeyPair().publicKey);
  });
});
