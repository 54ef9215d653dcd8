// Webhook routes: POST /webhooks, /webhooks/remove and /webhooks/enable carry an operator's signature
// (docs/PROTOCOL.md, webhooks); GET /webhooks and GET /webhooks/deliveries need an operator's request proof
// in secure mode. The core verifies and decides.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { Queue } from "../../core/queue.js";
import type { DeliveryInfo, WebhookInfo } from "../../core/webhooks.js";
import { webhookAddFromWire, webhookIdFromWire } from "../../core/wire.js";
import { callerOf } from "../auth.js";
import { validate } from "../input.js";

const operatorSigned = {
  operator: z.string(),
  signed_at: z.int(),
  nonce: z.string(),
  signature: z.string(),
};

/** POST /webhooks. */
export const webhookAddBody = z.object({
  pattern: z.string(),
  url: z.string(),
  secret: z.string(),
  allow_private: z.boolean(),
  ...operatorSigned,
});

/** POST /webhooks/remove and /webhooks/enable. */
export const webhookIdBody = z.object({ id: z.int(), ...operatorSigned });

/** GET /webhooks/deliveries. */
export const deliveriesQuery = z.object({
  id: z.coerce.number().int(),
  limit: z.coerce.number().int().optional(),
});

/** Registers the webhook routes. */
export function registerWebhookRoutes(app: FastifyInstance, queue: Queue): void {
  app.post("/webhooks", async (request) => {
    const b = validate(webhookAddBody, request.body, "body");
    const { id, message } = await queue.addWebhook(webhookAddFromWire(b));
    return { ok: true, id, message };
  });

  for (const action of ["remove", "enable"] as const) {
    app.post(`/webhooks/${action}`, async (request) => {
      const b = validate(webhookIdBody, request.body, "body");
      const input = webhookIdFromWire(b);
      const message = await (action === "remove" ? queue.removeWebhook(input) : queue.enableWebhook(input));
      return { ok: true, message };
    });
  }

  app.get(
    "/webhooks",
    async (request): Promise<WebhookInfo[]> => queue.webhooks(await callerOf(request, queue)),
  );

  app.get("/webhooks/deliveries", async (request): Promise<DeliveryInfo[]> => {
    const q = validate(deliveriesQuery, request.query, "query");
    return queue.webhookDeliveries(await callerOf(request, queue), q.id, q.limit);
  });
}
