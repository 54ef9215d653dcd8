// The webhook part of the SQLite store: webhooks with their positions, the messages a pattern matches and
// a bounded delivery log per webhook (migration 005_webhooks.sql).
import type Database from "better-sqlite3";
import {
  type DeliveryRow,
  MESSAGE_COLUMNS,
  type MessageRow,
  toDelivery,
  toMessage,
  toWebhook,
  type WebhookRow,
} from "../shared/rows.js";
import type { DeliveryRecord, WebhookStore } from "../types.js";

/** What the webhook methods need from the store that owns the connection. */
export interface WebhookStoreOptions {
  db: Database.Database;
  /** Maps a SQLite error to an IpcError (busy, full) and throws it. */
  fail: (e: unknown) => never;
}

/** Creates the webhook methods over an open, migrated database. */
export function createWebhookMethods({ db, fail }: WebhookStoreOptions): WebhookStore {
  const stmt = {
    add: db.prepare(
      "INSERT INTO webhooks (pattern, url, secret, allow_private, position, created_by, created_at) VALUES (?, ?, ?, ?, (SELECT COALESCE(MAX(id), 0) FROM messages), ?, ?)",
    ),
    list: db.prepare("SELECT * FROM webhooks ORDER BY id"),
    remove: db.prepare("DELETE FROM webhooks WHERE id = ?"),
    removeLog: db.prepare("DELETE FROM webhook_deliveries WHERE webhook_id = ?"),
    disable: db.prepare("UPDATE webhooks SET disabled_at = ?, disabled_reason = ? WHERE id = ?"),
    advance: db.prepare("UPDATE webhooks SET position = ? WHERE id = ? AND position < ?"),
    // An exact name uses the (channel, id) index; a prefix walks ids from the position on.
    exact: db.prepare(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE channel = ? AND id > ? AND channel NOT LIKE '@%' ORDER BY id LIMIT ?`,
    ),
    prefix: db.prepare(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id > ? AND substr(channel, 1, ?) = ? AND channel NOT LIKE '@%' ORDER BY id LIMIT ?`,
    ),
    log: db.prepare(
      "INSERT INTO webhook_deliveries (webhook_id, message_id, attempt, at, status, outcome, error) VALUES (?, ?, ?, ?, ?, ?, ?)",
    ),
    trim: db.prepare(
      "DELETE FROM webhook_deliveries WHERE webhook_id = ? AND id <= (SELECT id FROM webhook_deliveries WHERE webhook_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)",
    ),
    deliveries: db.prepare("SELECT * FROM webhook_deliveries WHERE webhook_id = ? ORDER BY id DESC LIMIT ?"),
  };
  const removeBoth = db.transaction((id: number) => {
    stmt.removeLog.run(id);
    return stmt.remove.run(id).changes === 1;
  });
  const logAndTrim = db.transaction((d: DeliveryRecord, keep: number) => {
    stmt.log.run(d.webhookId, d.messageId, d.attempt, d.at, d.status, d.outcome, d.error);
    stmt.trim.run(d.webhookId, d.webhookId, keep);
  });

  return {
    async addWebhook(w) {
      try {
        const r = stmt.add.run(w.pattern, w.url, w.secret, w.allowPrivate ? 1 : 0, w.createdBy, w.createdAt);
        return Number(r.lastInsertRowid);
      } catch (e) {
        return fail(e);
      }
    },
    async listWebhooks() {
      return (stmt.list.all() as WebhookRow[]).map(toWebhook);
    },
    async removeWebhook(id) {
      try {
        return removeBoth(id);
      } catch (e) {
        return fail(e);
      }
    },
    async setWebhookDisabled(id, disabled) {
      try {
        return stmt.disable.run(disabled?.at ?? null, disabled?.reason ?? null, id).changes === 1;
      } catch (e) {
        return fail(e);
      }
    },
    // One position for all channels: SQLite has one writer, so ids commit in increasing order globally.
    async advanceWebhook(id, _channel, position) {
      try {
        stmt.advance.run(position, id, position);
      } catch (e) {
        return fail(e);
      }
    },
    async webhookMessages({ pattern, position }, limit) {
      const rows = pattern.endsWith("*")
        ? stmt.prefix.all(position, pattern.length - 1, pattern.slice(0, -1), limit)
        : stmt.exact.all(pattern, position, limit);
      return (rows as MessageRow[]).map(toMessage);
    },
    async logDelivery(d, keep) {
      try {
        logAndTrim(d, keep);
      } catch (e) {
        return fail(e);
      }
    },
    async listDeliveries(webhookId, limit) {
      return (stmt.deliveries.all(webhookId, limit) as DeliveryRow[]).map(toDelivery);
    },
  };
}
