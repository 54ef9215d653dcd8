// Standard Webhooks signatures (https://www.standardwebhooks.com): HMAC-SHA256 over
// `${webhook-id}.${webhook-timestamp}.${body}` with the base64-decoded secret, sent as `v1,<base64>`.
import { nodeCrypto } from "./node-crypto.js";

/** The prefix of a Standard Webhooks secret. */
export const SECRET_PREFIX = "whsec_";
/** Fewest and most bytes a secret may decode to. */
export const SECRET_BYTES = { min: 16, max: 64 } as const;

/** A new random secret: `whsec_` and 32 random bytes in base64. */
export function newWebhookSecret(): string {
  return SECRET_PREFIX + nodeCrypto().randomBytes(32).toString("base64");
}

/** The key bytes of a `whsec_<base64>` secret, or undefined when it is not one of 16 to 64 bytes. */
export function webhookSecretBytes(secret: string): Buffer | undefined {
  if (!secret.startsWith(SECRET_PREFIX)) return undefined;
  const b64 = secret.slice(SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return undefined;
  const bytes = Buffer.from(b64, "base64");
  return bytes.length >= SECRET_BYTES.min && bytes.length <= SECRET_BYTES.max ? bytes : undefined;
}

/** The `webhook-signature` value for one delivery: `v1,` and the base64 HMAC-SHA256. */
export function webhookSignature(key: Buffer, id: string, timestampSeconds: number, body: string): string {
  const mac = nodeCrypto()
    .createHmac("sha256", key)
    .update(`${id}.${timestampSeconds}.${body}`, "utf8")
    .digest("base64");
  return `v1,${mac}`;
}
