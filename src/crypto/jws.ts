// JWS (RFC 7515) with EdDSA (RFC 8037) over an Ed25519 key, in the flattened form A2A agent cards carry:
// `protected` (base64url header) and `signature` (base64url), the payload being detached (the card).
import type { KeyObject } from "node:crypto";
import { nodeCrypto } from "./node-crypto.js";

/** One JWS signature without its payload (A2A AgentCardSignature). */
export interface DetachedJws {
  protected: string;
  signature: string;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString("base64url");

/** Signs `payload` with EdDSA; the protected header is `{alg: "EdDSA", typ: "JOSE", kid}`. */
export function signDetachedJws(key: KeyObject, kid: string, payload: string): DetachedJws {
  const header = b64url(JSON.stringify({ alg: "EdDSA", typ: "JOSE", kid }));
  const input = Buffer.from(`${header}.${b64url(payload)}`, "ascii");
  return { protected: header, signature: b64url(nodeCrypto().sign(null, input, key)) };
}
