// Outbound webhooks, the operator's side: adding, removing and re-enabling a webhook under an operator's
// signature, and the operator views of webhooks and their deliveries. Delivery itself is webhooks/dispatcher.ts.

import { webhookChangeBytes } from "../crypto/canonical.js";
import { sha256Hex } from "../crypto/keys.js";
import { webhookSecretBytes } from "../crypto/webhook-signature.js";
import type { DeliveryInfo, WebhookInfo } from "../protocol/webhooks.js";
import type { DeliveryRecord, Store, WebhookRecord, WebhookStore } from "../store/types.js";
import { checkPattern } from "./access.js";
import type { Caller } from "./caller.js";
import { IpcError } from "./errors.js";
import type { Identity } from "./identity.js";
import type { QueueWebhooks } from "./queue-api.js";
import type { SecurityLog } from "./security-log.js";
import type { OperatorSigned } from "./types.js";
import { checkWebhookUrl, type LookupAll, resolveWebhookTarget } from "./webhook-address.js";

/** Most webhooks one server keeps. */
export const MAX_WEBHOOKS = 100;
/** Delivery attempts kept per webhook (older ones are forgotten). */
export const DELIVERY_LOG_KEEP = 1000;
/** Most attempts one `deliveries` call returns. */
export const MAX_DELIVERIES_PAGE = 1000;

/** An operator-signed new webhook. */
export interface WebhookAddInput extends OperatorSigned {
  pattern: string;
  url: string;
  /** `whsec_` and base64 of 16 to 64 bytes. */
  secret: string;
  allowPrivate: boolean;
}

/** An operator-signed removal or re-enabling of a webhook. */
export interface WebhookIdInput extends OperatorSigned {
  id: number;
}

export type { DeliveryInfo, WebhookInfo } from "../protocol/webhooks.js";

/** What the webhook operations need from the queue. */
export interface WebhookOptions {
  store: Store;
  identity: Identity;
  security: SecurityLog;
  clock: () => number;
  checkOperator: (caller: Caller, action: string, what: string) => Promise<void>;
  /** Name resolution for the address check. Default the system resolver. */
  lookup?: LookupAll;
}

function infoOf(w: WebhookRecord): WebhookInfo {
  return {
    id: w.id,
    pattern: w.pattern,
    url: w.url,
    allow_private: w.allowPrivate,
    position: w.position,
    created_by: w.createdBy,
    created_at: w.createdAt,
    ...(w.disabledAt !== null ? { disabled_at: w.disabledAt, disabled_reason: w.disabledReason ?? "" } : {}),
  };
}

function deliveryOf(d: DeliveryRecord): DeliveryInfo {
  return {
    webhook_id: d.webhookId,
    message_id: d.messageId,
    attempt: d.attempt,
    at: d.at,
    status: d.status,
    outcome: d.outcome,
    error: d.error,
  };
}

/** Checks a webhook id given by a caller. */
export function checkWebhookId(id: unknown): number {
  if (typeof id !== "number" || !Number.isSafeInteger(id) || id < 1) {
    throw new IpcError("invalid_argument", "id must be a webhook id (a positive whole number)");
  }
  return id;
}

/** Creates the webhook operations of one queue. */
export function createWebhooks(o: WebhookOptions): QueueWebhooks {
  function storeOf(): WebhookStore {
    if (!o.store.webhooks) throw new IpcError("invalid_argument", "this store does not keep webhooks");
    return o.store.webhooks;
  }

  async function find(id: number): Promise<WebhookRecord> {
    const w = (await storeOf().listWebhooks()).find((h) => h.id === id);
    if (!w) throw new IpcError("not_found", `no webhook ${id} (el-ipc webhook list shows them)`);
    return w;
  }

  async function change(action: "webhook-remove" | "webhook-enable", r: WebhookIdInput) {
    const id = checkWebhookId(r.id);
    const { operator, guard } = await o.identity.verifyOperator(action, String(id), r, (f) =>
      webhookChangeBytes({ action, operator: r.operator, id, timestamp: f.signedAt, nonce: f.nonce }),
    );
    const hook = await find(id);
    const ctx = { action, operator: operator.name, webhook: id, channel: hook.pattern };
    await o.identity.consume(guard, action, ctx);
    return { hook, operator: operator.name, ctx };
  }

  return {
    async addWebhook(r) {
      const pattern = checkPattern(r.pattern);
      if (pattern.startsWith("@")) {
        throw new IpcError(
          "invalid_argument",
          "webhooks never deliver inboxes (@name): only the inbox's owner reads it",
        );
      }
      checkWebhookUrl(r.url);
      if (typeof r.secret !== "string" || !webhookSecretBytes(r.secret)) {
        throw new IpcError("invalid_argument", "secret must be whsec_ and the base64 of 16 to 64 bytes");
      }
      if (typeof r.allowPrivate !== "boolean") {
        throw new IpcError("invalid_argument", "allow_private must be true or false");
      }
      const { operator, guard } = await o.identity.verifyOperator("webhook-add", pattern, r, (f) =>
        webhookChangeBytes({
          action: "webhook-add",
          operator: r.operator,
          pattern,
          url: r.url,
          allowPrivate: r.allowPrivate,
          secretSha256: sha256Hex(r.secret),
          timestamp: f.signedAt,
          nonce: f.nonce,
        }),
      );
      await resolveWebhookTarget(r.url, r.allowPrivate, o.lookup);
      const hooks = storeOf();
      if ((await hooks.listWebhooks()).length >= MAX_WEBHOOKS) {
        throw new IpcError("too_large", `at most ${MAX_WEBHOOKS} webhooks; remove one first`);
      }
      const ctx = { action: "webhook-add", operator: operator.name, channel: pattern };
      await o.identity.consume(guard, "webhook-add", ctx);
      const id = await hooks.addWebhook({
        pattern,
        url: r.url,
        secret: r.secret,
        allowPrivate: r.allowPrivate,
        createdBy: operator.name,
        createdAt: o.clock() / 1000,
      });
      const message = `Operator '${operator.name}' added webhook ${id}: '${pattern}' to ${r.url}`;
      o.security.report({ ...ctx, webhook: id, type: "admin", message });
      return { id, message };
    },

    async removeWebhook(r) {
      const { hook, operator, ctx } = await change("webhook-remove", r);
      await storeOf().removeWebhook(hook.id);
      const message = `Operator '${operator}' removed webhook ${hook.id}`;
      o.security.report({ ...ctx, type: "admin", message });
      return message;
    },

    async enableWebhook(r) {
      const { hook, operator, ctx } = await change("webhook-enable", r);
      await storeOf().setWebhookDisabled(hook.id, null);
      const message = `Operator '${operator}' enabled webhook ${hook.id} (resuming after message ${hook.position})`;
      o.security.report({ ...ctx, type: "admin", message });
      return message;
    },

    async webhooks(caller) {
      await o.checkOperator(caller, "webhooks", "listing webhooks");
      return (await storeOf().listWebhooks()).map(infoOf);
    },

    async webhookDeliveries(caller, id, limit = 100) {
      await o.checkOperator(caller, "webhook-deliveries", "listing webhook deliveries");
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_DELIVERIES_PAGE) {
        throw new IpcError("invalid_argument", `limit must be 1 to ${MAX_DELIVERIES_PAGE}`);
      }
      await find(checkWebhookId(id));
      return (await storeOf().listDeliveries(id, limit)).map(deliveryOf);
    },
  };
}
