// Ed25519 keys over node:crypto: parse PEM once, keep the KeyObject; sign and verify; did:key.
import type { KeyObject } from "node:crypto";
import { IpcError } from "../core/errors.js";
import { weakPublicKeyReason } from "./ed25519-point.js";
import { nodeCrypto } from "./node-crypto.js";

/** A freshly generated key pair as PEM text (private PKCS8, public SPKI). */
export interface PemKeyPair {
  privateKey: string;
  publicKey: string;
}

/** Generates an Ed25519 key pair in the PEM forms the reference uses. */
export function generateKeyPair(): PemKeyPair {
  const { privateKey, publicKey } = nodeCrypto().generateKeyPairSync("ed25519", {
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  return { privateKey, publicKey };
}

/** Parses a PKCS8 PEM Ed25519 private key; tolerates surrounding whitespace. */
export function parsePrivateKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = nodeCrypto().createPrivateKey({ key: pem.trim(), format: "pem" });
  } catch {
    throw new IpcError("invalid_argument", "not a PEM private key");
  }
  if (key.asymmetricKeyType !== "ed25519")
    throw new IpcError("invalid_argument", "private key is not Ed25519");
  return key;
}

const publicKeyCache = new Map<string, KeyObject>();
const PUBLIC_KEY_CACHE_MAX = 10_000;

// Exactly one SPKI block. createPublicKey would also accept a private key (deriving its public half), and
// a registration must never store a private key as if it were public.
const PUBLIC_PEM = /^-----BEGIN PUBLIC KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END PUBLIC KEY-----$/;

/**
 * Parses an SPKI PEM Ed25519 public key (one PUBLIC KEY block), caching the KeyObject by its text. Refuses
 * small-order and non-canonically encoded keys (see ed25519-point.ts).
 */
export function parsePublicKey(pem: string): KeyObject {
  const text = typeof pem === "string" ? pem.trim() : "";
  const cached = publicKeyCache.get(text);
  if (cached) return cached;
  if (!PUBLIC_PEM.test(text)) throw new IpcError("invalid_argument", "not a PEM public key");
  let key: KeyObject;
  try {
    key = nodeCrypto().createPublicKey({ key: text, format: "pem" });
  } catch {
    throw new IpcError("invalid_argument", "not a PEM public key");
  }
  if (key.asymmetricKeyType !== "ed25519")
    throw new IpcError("invalid_argument", "public key is not Ed25519");
  const weak = weakPublicKeyReason(rawPublicKey(key));
  if (weak) {
    throw new IpcError(
      "invalid_argument",
      `public key refused: ${weak} (RFC 8032 section 5.1.3); make a new one with el-ipc keygen`,
    );
  }
  if (publicKeyCache.size >= PUBLIC_KEY_CACHE_MAX) publicKeyCache.clear();
  publicKeyCache.set(text, key);
  return key;
}

/** The SPKI PEM public key that belongs to a private key. */
export function publicPemOf(privateKey: KeyObject): string {
  return nodeCrypto().createPublicKey(privateKey).export({ type: "spki", format: "pem" }).toString();
}

/** The raw 32-byte Ed25519 public key (RFC 8032) inside a KeyObject. */
export function rawPublicKey(key: KeyObject): Buffer {
  const pub = key.type === "private" ? nodeCrypto().createPublicKey(key) : key;
  const der = pub.export({ type: "spki", format: "der" });
  return der.subarray(der.length - 32);
}

/** True when both keys are the same Ed25519 public key. */
export function samePublicKey(a: KeyObject, b: KeyObject): boolean {
  return rawPublicKey(a).equals(rawPublicKey(b));
}

/** Signs bytes; returns standard base64. */
export function signBytes(privateKey: KeyObject, bytes: Buffer): string {
  return nodeCrypto().sign(null, bytes, privateKey).toString("base64");
}

// 64 signature bytes in standard padded base64 are exactly 86 characters and "==".
const SIGNATURE_B64 = /^[A-Za-z0-9+/]{86}==$/;

/** The 64 signature bytes of a canonical standard-base64 signature, or undefined when malformed. */
function decodeSignature(signature: unknown): Buffer | undefined {
  if (typeof signature !== "string" || !SIGNATURE_B64.test(signature)) return undefined;
  const raw = Buffer.from(signature, "base64");
  // Canonical spelling only: the unused low bits of the last character are ignored when decoding, so
  // otherwise 16 spellings of one signature would each pass once as a distinct reference-form replay key.
  return raw.toString("base64") === signature ? raw : undefined;
}

/** Verifies a base64 Ed25519 signature; false for anything malformed. */
export function verifyBytes(publicKey: KeyObject, bytes: Buffer, signature: string): boolean {
  const raw = decodeSignature(signature);
  if (!raw) return false;
  try {
    return nodeCrypto().verify(null, bytes, publicKey, raw);
  } catch {
    return false;
  }
}

/**
 * Like verifyBytes, but the Ed25519 check runs on libuv's thread pool, so a server verifying thousands
 * of signatures a second keeps its event loop for I/O (about 110 µs per check on the benchmark machine).
 */
export function verifyBytesAsync(publicKey: KeyObject, bytes: Buffer, signature: string): Promise<boolean> {
  const raw = decodeSignature(signature);
  if (!raw) return Promise.resolve(false);
  return new Promise((resolve) => {
    try {
      nodeCrypto().verify(null, bytes, publicKey, raw, (err, ok) => resolve(!err && ok));
    } catch {
      resolve(false);
    }
  });
}

/** A fresh random nonce: 16 bytes, base64url. */
export function newNonce(): string {
  return nodeCrypto().randomBytes(16).toString("base64url");
}

/** A key's fingerprint: `SHA256:` and the base64 (unpadded) of SHA-256 of the raw 32-byte public key. */
export function keyFingerprint(key: KeyObject): string {
  return `SHA256:${nodeCrypto().createHash("sha256").update(rawPublicKey(key)).digest("base64").replace(/=+$/, "")}`;
}

/** Lower-case hex SHA-256. */
export function sha256Hex(data: string | Buffer): string {
  return nodeCrypto().createHash("sha256").update(data).digest("hex");
}

const BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

function base58btc(bytes: Buffer): string {
  let n = BigInt(`0x${bytes.toString("hex") || "0"}`);
  let out = "";
  while (n > 0n) {
    out = BASE58[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = `1${out}`;
  }
  return out;
}

/** did:key of an Ed25519 public key: multicodec 0xed01 + raw key, base58btc, "z" prefix. */
export function didKey(publicKey: KeyObject): string {
  return `did:key:z${base58btc(Buffer.concat([Buffer.from([0xed, 0x01]), rawPublicKey(publicKey)]))}`;
}
