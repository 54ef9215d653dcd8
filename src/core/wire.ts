// The protocol's JSON bodies (snake_case, src/protocol) turned into the core's inputs. The HTTP routes,
// the CLI's local backend and the SDK's local client all receive these bodies, so the mapping lives here once.
import type {
  AccessRuleBody,
  OperatorSignature,
  RegisterBody,
  RevokeBody,
  RotateBody,
} from "../protocol/admin.js";
import type { SendBody } from "../protocol/messages.js";
import type { WebhookAddBody, WebhookIdBody } from "../protocol/webhooks.js";
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

function operatorSigned(b: OperatorSignature): OperatorSigned {
  return { operator: b.operator, signedAt: b.signed_at, nonce: b.nonce, signature: b.signature };
}

/** POST /send body → SendInput. */
export function sendFromWire(b: SendBody): SendInput {
  const input: SendInput = { channel: b.channel, sender: b.sender, content: b.content };
  if (b.signature !== undefined) input.signature = b.signature;
  if (b.signed_at !== undefined) input.signedAt = b.signed_at;
  if (b.nonce !== undefined) input.nonce = b.nonce;
  if (b.key !== undefined) input.key = b.key;
  return input;
}

/** POST /register body → RegistrationInput. */
export function registrationFromWire(b: RegisterBody): RegistrationInput {
  return {
    name: b.name,
    publicKey: b.public_key,
    ...(b.identity !== undefined ? { identity: b.identity } : {}),
    ...operatorSigned(b),
  };
}

/** POST /revoke body → RevocationInput. */
export function revocationFromWire(b: RevokeBody): RevocationInput {
  return { name: b.name, ...operatorSigned(b) };
}

/** POST /rotate body → RotationInput. */
export function rotationFromWire(b: RotateBody): RotationInput {
  return { name: b.name, publicKey: b.public_key, ...operatorSigned(b) };
}

/** POST /grant or /deny body → AccessRuleInput; `permissions` travels as "read", "write" or "read,write". */
export function accessRuleFromWire(effect: "grant" | "deny", b: AccessRuleBody): AccessRuleInput {
  return { effect, ...accessUnsetFromWire(b) };
}

/** POST /unset body → AccessUnsetInput. */
export function accessUnsetFromWire(b: AccessRuleBody): AccessUnsetInput {
  return {
    agent: b.agent,
    pattern: b.pattern,
    permissions: b.permissions.split(",") as ("read" | "write")[],
    ...operatorSigned(b),
  };
}

/** POST /webhooks body → WebhookAddInput. */
export function webhookAddFromWire(b: WebhookAddBody): WebhookAddInput {
  return {
    pattern: b.pattern,
    url: b.url,
    secret: b.secret,
    allowPrivate: b.allow_private,
    ...operatorSigned(b),
  };
}

/** POST /webhooks/remove or /webhooks/enable body → WebhookIdInput. */
export function webhookIdFromWire(b: WebhookIdBody): WebhookIdInput {
  return { id: b.id, ...operatorSigned(b) };
}
