// Webhook routes: POST /webhooks, /webhooks/remove and /webhooks/enable carry an operator's signature
// (docs/PROTOCOL.md, webhooks); GET /webhooks and GET /webhooks/deliveries need an operator's request proof
// in secure mode. The core verifies and decides.
import type { FastifyInstance } from "fastify";
import type { Queue } from "../../core/queue.js";
import { webhookAddFromWire, webhookIdFromWire } from "../../core/wire.js";
import { callerOf } from "../auth.js";
import { addOperation } from "../operation-route.js";

/** Registers the webhook routes. */
export function registerWebhookRoutes(app: FastifyInstance, queue: Queue): void {
  addOperation(app, "addWebhook", async ({ body }) => {
    const { id, message } = await queue.addWebhook(webhookAddFromWire(body));
    return { ok: true, id, message };
  });

  addOperation(app, "removeWebhook", async ({ body }) => ({
    ok: true,
    message: await queue.removeWebhook(webhookIdFromWire(body)),
  }));

  addOperation(app, "enableWebhook", async ({ body }) => ({
    ok: true,
    message: await queue.enableWebhook(webhookIdFromWire(body)),
  }));

  addOperation(app, "webhooks", async ({ request }) => queue.webhooks(await callerOf(request, queue)));

  addOperation(app, "webhookDeliveries", async ({ query, request }) =>
    queue.webhookDeliveries(await callerOf(request, queue), query.id, query.limit),
  );
}
