// Client-side signing: builds the signed forms a client sends (v2 messages, request proofs,
// registrations). Shared by the CLI's remote mode, tests and, later, the SDK.
import type { KeyObject } from "node:crypto";
import { messageEnvelopeBytes, registrationBytes, requestBytes } from "../crypto/canonical.js";
import { newNonce, sha256Hex, signBytes } from "../crypto/keys.js";

/** Header names that carry a request proof (docs/PROTOCOL.md). */
export const PROOF_HEADERS = {
  agent: "x-ipc-agent",
  timestamp: "x-ipc-timestamp",
  nonce: "x-ipc-nonce",
  signature: "x-ipc-signature",
} as const;

/** Signs a message in the v2 envelope form; returns the fields to add to the send body. */
export function signMessageV2(
  key: KeyObject,
  m: { channel: string; sender: string; content: string },
  now: number = Date.now(),
): { signature: string; signed_at: number; nonce: string } {
  const nonce = newNonce();
  const signature = signBytes(key, messageEnvelopeBytes({ ...m, timestamp: now, nonce }));
  return { signature, signed_at: now, nonce };
}

/** Headers proving that the caller holds `agent`'s key, for one request. */
export function requestProofHeaders(
  key: KeyObject,
  agent: string,
  method: string,
  target: string,
  body: string,
  now: number = Date.now(),
): Record<string, string> {
  const nonce = newNonce();
  const signature = signBytes(
    key,
    requestBytes({
      method: method.toUpperCase(),
      target,
      bodySha256: sha256Hex(body),
      agent,
      timestamp: now,
      nonce,
    }),
  );
  return {
    [PROOF_HEADERS.agent]: agent,
    [PROOF_HEADERS.timestamp]: String(now),
    [PROOF_HEADERS.nonce]: nonce,
    [PROOF_HEADERS.signature]: signature,
  };
}

/** The body of POST /register, signed by the operator's key (which never leaves the caller). */
export function signRegistration(
  operatorKey: KeyObject,
  r: { operator: string; name: string; identity: string; publicKey: string },
  now: number = Date.now(),
): {
  name: string;
  public_key: string;
  identity: string;
  operator: string;
  signed_at: number;
  nonce: string;
  signature: string;
} {
  const nonce = newNonce();
  const publicKey = r.publicKey.trim();
  const signature = signBytes(operatorKey, registrationBytes({ ...r, publicKey, timestamp: now, nonce }));
  return {
    name: r.name,
    public_key: publicKey,
    identity: r.identity,
    operator: r.operator,
    signed_at: now,
    nonce,
    signature,
  };
}
