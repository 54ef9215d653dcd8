// Shapes of the outbound webhooks (docs/PROTOCOL.md, webhooks): the operator-signed changes and the
// operator views of webhooks and their delivery attempts.
import { z } from "zod";
import { operatorSignature } from "./admin.js";
import { doc, named } from "./metadata.js";

/** POST /webhooks: the operator signs the secret's SHA-256, not the secret. */
export const webhookAddBody = named(
  "WebhookAddBody",
  z.object({
    pattern: doc(z.string(), "channels to deliver: a name, or a prefix followed by *; never an @ inbox"),
    url: doc(z.string(), "where each message is POSTed: http(s), at most 2048 characters"),
    secret: doc(z.string(), "whsec_ and the base64 of 16 to 64 bytes: the Standard Webhooks HMAC key"),
    allow_private: doc(z.boolean(), "allow internal addresses (loopback, private ranges)"),
    ...operatorSignature.shape,
  }),
);
/** POST /webhooks, as it travels. */
export type WebhookAddBody = z.infer<typeof webhookAddBody>;

/** The answer to POST /webhooks. */
export const webhookAddResponse = named(
  "WebhookAddResponse",
  z.object({ ok: z.literal(true), id: doc(z.int(), "the new webhook's id"), message: z.string() }),
);

/** POST /webhooks/remove and /webhooks/enable. */
export const webhookIdBody = named("WebhookIdBody", z.object({ id: z.int(), ...operatorSignature.shape }));
/** POST /webhooks/remove or /webhooks/enable, as it travels. */
export type WebhookIdBody = z.infer<typeof webhookIdBody>;

/** One webhook as listed (never its secret). */
export const webhookInfo = named(
  "Webhook",
  z.object({
    id: z.int(),
    pattern: z.string(),
    url: z.string(),
    allow_private: z.boolean(),
    position: doc(z.int(), "highest message id delivered"),
    created_by: z.string(),
    created_at: doc(z.number(), "Unix seconds"),
    disabled_at: doc(z.number().optional(), "Unix seconds, when deliveries stopped"),
    disabled_reason: z.string().optional(),
  }),
);
/** One webhook as listed. */
export type WebhookInfo = z.infer<typeof webhookInfo>;

/** The answer to GET /webhooks. */
export const webhookList = z.array(webhookInfo);

/** GET /webhooks/deliveries query. */
export const deliveriesQuery = z.object({
  id: doc(z.coerce.number().int(), "the webhook"),
  limit: doc(z.coerce.number().int().optional(), "newest attempts to list, default 100"),
});

/** One delivery attempt as listed. */
export const deliveryInfo = named(
  "Delivery",
  z.object({
    webhook_id: z.int(),
    message_id: z.int(),
    attempt: z.int(),
    at: doc(z.number(), "Unix seconds"),
    status: doc(z.int().nullable(), "the receiver's HTTP status; null when none came"),
    outcome: z.enum(["delivered", "failed"]),
    error: z.string().nullable(),
  }),
);
/** One delivery attempt as listed. */
export type DeliveryInfo = z.infer<typeof deliveryInfo>;

/** The answer to GET /webhooks/deliveries: newest first. */
export const deliveryList = z.array(deliveryInfo);
