// Outbound webhooks in the PostgreSQL store: webhooks with their cursors (one per channel for a prefix
// pattern: with several writers ids become visible in order only within a channel), the messages a
// pattern matches, a lease so one server at a time delivers a webhook, and a bounded delivery log.
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
    // A prefix webhook's position shown is its highest cursor.
    listWebhooks: () =>
      q(async () =>
        (
          await sql<WebhookRow[]>`
            SELECT w.*, GREATEST(w.position, (SELECT max(p.position) FROM webhook_positions p
                                               WHERE p.webhook_id = w.id)) AS position
            FROM webhooks w ORDER BY w.id`
        ).map(toWebhook),
      ),
    removeWebhook: (id) =>
      q(
        () =>
          sql.begin(async (tx) => {
            await tx`DELETE FROM webhook_deliveries WHERE webhook_id = ${id}`;
            await tx`DELETE FROM webhook_positions WHERE webhook_id = ${id}`;
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
    advanceWebhook: (id, channel, position) =>
      q(async () => {
        await sql`
          WITH hook AS (SELECT id, right(pattern, 1) = '*' AS prefix FROM webhooks WHERE id = ${id}),
          exact AS (
            UPDATE webhooks SET position = ${position}
            WHERE id = ${id} AND position < ${position} AND NOT (SELECT prefix FROM hook))
          INSERT INTO webhook_positions (webhook_id, channel, position)
          SELECT id, ${channel}, ${position} FROM hook WHERE prefix
          ON CONFLICT (webhook_id, channel)
          DO UPDATE SET position = GREATEST(webhook_positions.position, excluded.position)`;
      }),
    webhookMessages: (hook, limit) =>
      q(async () => {
        const cols = sql.unsafe(MESSAGE_COLUMNS);
        const { pattern } = hook;
        if (!pattern.endsWith("*")) {
          const rows = await sql<MessageRow[]>`
            SELECT ${cols} FROM messages WHERE channel = ${pattern} AND id > ${hook.position}
            AND channel NOT LIKE '@%' ORDER BY id LIMIT ${limit}`;
          return rows.map(toMessage);
        }
        // Each matching channel after its own cursor (or the webhook's starting position), through the
        // (channel, id) index; channels whose newest id is not beyond the cursor are not visited.
        const rows = await sql<MessageRow[]>`
          SELECT m.* FROM webhooks w
          JOIN channels c ON left(c.channel, ${pattern.length - 1}) = ${pattern.slice(0, -1)}
                         AND c.channel NOT LIKE '@%'
          LEFT JOIN webhook_positions p ON p.webhook_id = w.id AND p.channel = c.channel
          CROSS JOIN LATERAL (
            SELECT ${cols} FROM messages
            WHERE channel = c.channel AND id > COALESCE(p.position, w.position) ORDER BY id LIMIT ${limit}
          ) m
          WHERE w.id = ${hook.id} AND c.top_id > COALESCE(p.position, w.position)
          ORDER BY m.id LIMIT ${limit}`;
        return rows.map(toMessage);
      }),
    claimWebhook: (id, owner, seconds) =>
      q(
        async () =>
          (
            await sql`
              UPDATE webhooks SET claimed_by = ${owner},
                claimed_until = extract(epoch FROM clock_timestamp()) + ${seconds}
              WHERE id = ${id} AND (claimed_by IS NULL OR claimed_by = ${owner}
                                    OR claimed_until < extract(epoch FROM clock_timestamp()))
              RETURNING 1`
          ).length === 1,
      ),
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
