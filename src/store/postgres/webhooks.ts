// Outbound webhooks in the PostgreSQL store: webhooks with their positions, the messages a pattern
// matches and a bounded delivery log per webhook.
import type { Sql } from "postgres";
import {
  type DeliveryRow,
  MESSAGE_COLUMNS,
  type MessageRow,
  toDelivery,
  toMessage,
  toWebhook,
  type WebhookRow,
} from "../shared/rows.js";
import type { WebhookStore } from "../types.js";

/** Creates the webhook methods over a pool; `q` turns driver errors into the store's IpcError. */
export function createPgWebhooks(sql: Sql, q: <T>(f: () => Promise<T>) => Promise<T>): WebhookStore {
  return {
    addWebhook: (w) =>
      q(async () => {
        const [r] = await sql<{ id: number }[]>`
          INSERT INTO webhooks (pattern, url, secret, allow_private, position, created_by, created_at)
          VALUES (${w.pattern}, ${w.url}, ${w.secret}, ${w.allowPrivate},
                  (SELECT COALESCE(max(id), 0) FROM messages), ${w.createdBy}, ${w.createdAt})
          RETURNING id`;
        return r?.id ?? 0;
      }),
    listWebhooks: () =>
      q(async () => (await sql<WebhookRow[]>`SELECT * FROM webhooks ORDER BY id`).map(toWebhook)),
    removeWebhook: (id) =>
      q(
        () =>
          sql.begin(async (tx) => {
            await tx`DELETE FROM webhook_deliveries WHERE webhook_id = ${id}`;
            return (await tx`DELETE FROM webhooks WHERE id = ${id} RETURNING 1`).length === 1;
          }) as Promise<boolean>,
      ),
    setWebhookDisabled: (id, disabled) =>
      q(
        async () =>
          (
            await sql`UPDATE webhooks SET disabled_at = ${disabled?.at ?? null}, disabled_reason = ${disabled?.reason ?? null}
                      WHERE id = ${id} RETURNING 1`
          ).length === 1,
      ),
    advanceWebhook: (id, position) =>
      q(async () => {
        await sql`UPDATE webhooks SET position = ${position} WHERE id = ${id} AND position < ${position}`;
      }),
    webhookMessages: (pattern, after, limit) =>
      q(async () => {
        const cols = sql.unsafe(MESSAGE_COLUMNS);
        const rows = pattern.endsWith("*")
          ? await sql<MessageRow[]>`
              SELECT ${cols} FROM messages WHERE id > ${after}
              AND left(channel, ${pattern.length - 1}) = ${pattern.slice(0, -1)} AND channel NOT LIKE '@%'
              ORDER BY id LIMIT ${limit}`
          : await sql<MessageRow[]>`
              SELECT ${cols} FROM messages WHERE channel = ${pattern} AND id > ${after} AND channel NOT LIKE '@%'
              ORDER BY id LIMIT ${limit}`;
        return rows.map(toMessage);
      }),
    logDelivery: (d, keep) =>
      q(async () => {
        await sql.begin(async (tx) => {
          await tx`INSERT INTO webhook_deliveries (webhook_id, message_id, attempt, at, status, outcome, error)
                   VALUES (${d.webhookId}, ${d.messageId}, ${d.attempt}, ${d.at}, ${d.status}, ${d.outcome}, ${d.error})`;
          await tx`DELETE FROM webhook_deliveries WHERE webhook_id = ${d.webhookId} AND id <= (
                     SELECT id FROM webhook_deliveries WHERE webhook_id = ${d.webhookId}
                     ORDER BY id DESC LIMIT 1 OFFSET ${keep})`;
        });
      }),
    listDeliveries: (webhookId, limit) =>
      q(async () =>
        (
          await sql<
            DeliveryRow[]
          >`SELECT * FROM webhook_deliveries WHERE webhook_id = ${webhookId} ORDER BY id DESC LIMIT ${limit}`
        ).map(toDelivery),
      ),
  };
}
