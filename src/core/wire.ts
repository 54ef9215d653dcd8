// The protocol's JSON bodies (snake_case, docs/PROTOCOL.md section 6) turned into the core's inputs. The
// HTTP routes and the CLI's local backend both receive these bodies, so the mapping lives here once.
import type {
  AccessRuleInput,
  AccessUnsetInput,
  OperatorSigned,
  RegistrationInput,
  RevocationInput,
  RotationInput,
  SendInput,
} from "./types.js";
import type { WebhookAddInput, WebhookIdInput } from "./webhooks.js";

/** The operator signature fields as they travel. */
export interface WireOperatorSigned {
  operator: string;
  signed_at: number;
  nonce: string;
  signature: string;
}

/** A message as it travels (POST /send). */
export interface WireMessage {
  channel: string;
  sender: string;
  content: string;
  signature?: string | undefined;
  signed_at?: number | undefined;
  nonce?: string | undefined;
  key?: string | undefined;
}

function operatorSigned(b: WireOperatorSigned): OperatorSigned {
  return { operator: b.operator, signedAt: b.signed_at, nonce: b.nonce, signature: b.signature };
}

/** POST /send body → SendInput. */
export function sendFromWire(b: WireMessage): SendInput {
  const input: SendInput = { channel: b.channel, sender: b.sender, content: b.content };
  if (b.signature !== undefined) input.signature = b.signature;
  if (b.signed_at !== undefined) input.signedAt = b.signed_at;
  if (b.nonce !== undefined) input.nonce = b.nonce;
  if (b.key !== undefined) input.key = b.key;
  return input;
}

/** POST /register body → RegistrationInput. */
export function registrationFromWire(
  b: WireOperatorSigned & { name: string; public_key: string; identity?: string | undefined },
): RegistrationInput {
  return {
    name: b.name,
    publicKey: b.public_key,
    ...(b.identity !== undefined ? { identity: b.identity } : {}),
    ...operatorSigned(b),
  };
}

/** POST /revoke body → RevocationInput. */
export function revocationFromWire(b: WireOperatorSigned & { name: string }): RevocationInput {
  return { name: b.name, ...operatorSigned(b) };
}

/** POST /rotate body → RotationInput. */
export function rotationFromWire(
  b: WireOperatorSigned & { name: string; public_key: string },
): RotationInput {
  return { name: b.name, publicKey: b.public_key, ...operatorSigned(b) };
}

/** A grant, deny or unset body as it travels; `permissions` is "read", "write" or "read,write". */
type WireAccessRule = WireOperatorSigned & { agent: string; pattern: string; permissions: string };

/** POST /grant or /deny body → AccessRuleInput. */
export function accessRuleFromWire(effect: "grant" | "deny", b: WireAccessRule): AccessRuleInput {
  return { effect, ...accessUnsetFromWire(b) };
}

/** POST /unset body → AccessUnsetInput. */
export function accessUnsetFromWire(b: WireAccessRule): AccessUnsetInput {
  return {
    agent: b.agent,
    pattern: b.pattern,
    permissions: b.permissions.split(",") as ("read" | "write")[],
    ...operatorSigned(b),
  };
}

/** POST /webhooks body → WebhookAddInput. */
export function webhookAddFromWire(
  b: WireOperatorSigned & { pattern: string; url: string; secret: string; allow_private: boolean },
): WebhookAddInput {
  return {
    pattern: b.pattern,
    url: b.url,
    secret: b.secret,
    allowPrivate: b.allow_private,
    ...operatorSigned(b),
  };
}

/** POST /webhooks/remove or /webhooks/enable body → WebhookIdInput. */
export function webhookIdFromWire(b: WireOperatorSigned & { id: number }): WebhookIdInput {
  return { id: b.id, ...operatorSigned(b) };
}
