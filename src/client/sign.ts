// Client-side signing: builds the signed forms a client sends (v2 messages, request proofs,
// registrations). Shared by the CLI's remote mode, tests and, later, the SDK.
import type { KeyObject } from "node:crypto";
import {
  accessRuleBytes,
  messageEnvelopeBytes,
  registrationBytes,
  requestBytes,
  revocationBytes,
  rotationBytes,
  webhookChangeBytes,
} from "../crypto/canonical.js";
import { newNonce, sha256Hex, signBytes } from "../crypto/keys.js";
import type {
  AccessRuleBody,
  PermissionList,
  RegisterBody,
  RevokeBody,
  RotateBody,
} from "../protocol/admin.js";
import { PROOF_HEADERS } from "../protocol/headers.js";
import type { SendBody } from "../protocol/messages.js";
import type { WebhookAddBody, WebhookIdBody } from "../protocol/webhooks.js";

export type { OperatorSignature, PermissionList } from "../protocol/admin.js";
export { PROOF_HEADERS } from "../protocol/headers.js";

/**
 * The X-IPC-Agent value for `agent` (docs/PROTOCOL.md 4.3): printable ASCII names as they are, any other
 * name (or one starting with `UTF-8''`) RFC 8187-style as `UTF-8''` and its percent-encoded UTF-8 bytes.
 */
export function agentHeaderValue(agent: string): string {
  if (/^[\x21-\x7E]*$/.test(agent) && !/^utf-8''/i.test(agent)) return agent;
  let out = "UTF-8''";
  for (const byte of Buffer.from(agent, "utf8")) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9!#$&+\-.^_`|~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** Signs a message in the v2 envelope form; returns the fields to add to the send body. */
export function signMessageV2(
  key: KeyObject,
  m: { channel: string; sender: string; content: string },
  now: number = Date.now(),
): Required<Pick<SendBody, "signature" | "signed_at" | "nonce">> {
  const nonce = newNonce();
  const signature = signBytes(key, messageEnvelopeBytes({ ...m, timestamp: now, nonce }));
  return { signature, signed_at: now, nonce };
}

/** Headers proving that the caller holds `agent`'s key, for one request (the name signed, not its encoding). */
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
    [PROOF_HEADERS.agent]: agentHeaderValue(agent),
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
): RegisterBody & { identity: string } {
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

/** The body of POST /revoke, signed by the operator's key. */
export function signRevocation(
  operatorKey: KeyObject,
  r: { operator: string; name: string },
  now: number = Date.now(),
): RevokeBody {
  const nonce = newNonce();
  const signature = signBytes(operatorKey, revocationBytes({ ...r, timestamp: now, nonce }));
  return { name: r.name, operator: r.operator, signed_at: now, nonce, signature };
}

/** The body of POST /rotate, signed by the operator's key. */
export function signRotation(
  operatorKey: KeyObject,
  r: { operator: string; name: string; publicKey: string },
  now: number = Date.now(),
): RotateBody {
  const nonce = newNonce();
  const publicKey = r.publicKey.trim();
  const signature = signBytes(operatorKey, rotationBytes({ ...r, publicKey, timestamp: now, nonce }));
  return { name: r.name, public_key: publicKey, operator: r.operator, signed_at: now, nonce, signature };
}

/** The body of POST /grant, POST /deny or POST /unset, signed by the operator's key. */
export function signAccessRule(
  operatorKey: KeyObject,
  r: {
    effect: "grant" | "deny" | "unset";
    operator: string;
    agent: string;
    pattern: string;
    permissions: PermissionList;
  },
  now: number = Date.now(),
): AccessRuleBody {
  const nonce = newNonce();
  const signature = signBytes(operatorKey, accessRuleBytes({ ...r, timestamp: now, nonce }));
  return {
    agent: r.agent,
    pattern: r.pattern,
    permissions: r.permissions,
    operator: r.operator,
    signed_at: now,
    nonce,
    signature,
  };
}

/** The body of POST /webhooks, signed by the operator's key (over the secret's SHA-256, not the secret). */
export function signWebhookAdd(
  operatorKey: KeyObject,
  w: { operator: string; pattern: string; url: string; secret: string; allowPrivate: boolean },
  now: number = Date.now(),
): WebhookAddBody {
  const nonce = newNonce();
  const signature = signBytes(
    operatorKey,
    webhookChangeBytes({
      action: "webhook-add",
      operator: w.operator,
      pattern: w.pattern,
      url: w.url,
      allowPrivate: w.allowPrivate,
      secretSha256: sha256Hex(w.secret),
      timestamp: now,
      nonce,
    }),
  );
  return {
    pattern: w.pattern,
    url: w.url,
    secret: w.secret,
    allow_private: w.allowPrivate,
    operator: w.operator,
    signed_at: now,
    nonce,
    signature,
  };
}

/** The body of POST /webhooks/remove or /webhooks/enable, signed by the operator's key. */
export function signWebhookChange(
  operatorKey: KeyObject,
  action: "remove" | "enable",
  w: { operator: string; id: number },
  now: number = Date.now(),
): WebhookIdBody {
  const nonce = newNonce();
  const signature = signBytes(
    operatorKey,
    webhookChangeBytes({
      action: `webhook-${action}`,
      operator: w.operator,
      id: w.id,
      timestamp: now,
      nonce,
    }),
  );
  return { id: w.id, operator: w.operator, signed_at: now, nonce, signature };
}
