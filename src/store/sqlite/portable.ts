// Copying a SQLite store into another and back (el-ipc migrate): messages with their ids, then everything
// else replaced in one transaction.
import type Database from "better-sqlite3";
import {
  type AgentRow,
  type KeyEventRow,
  MESSAGE_COLUMNS,
  type MessageRow,
  type RuleRow,
  type TokenRow,
  toAgent,
  toKeyEvent,
  toMessage,
  toRule,
  toToken,
  toWebhook,
  type WebhookRow,
} from "../shared/rows.js";
import type { PortableStore } from "../types.js";

/** The portable ability over an open, migrated database; `fail` maps SQLite errors to IpcErrors. */
export function createSqlitePortable(db: Database.Database, fail: (e: unknown) => never): PortableStore {
  const stmt = {
    page: db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id > ? ORDER BY id LIMIT ?`),
    insert: db.prepare(
      "INSERT OR IGNORE INTO messages (id, channel, sender, content, created_at, signature, sig_version, sig_timestamp, sig_nonce) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ),
  };
  const importMessages = db.transaction((ms: Parameters<PortableStore["importMessages"]>[0]) => {
    for (const m of ms) {
      stmt.insert.run(
        m.id,
        m.channel,
        m.sender,
        m.content,
        m.timestamp,
        m.signature,
        m.sigVersion,
        m.sigTimestamp,
        m.sigNonce,
      );
    }
  });
  const importState = db.transaction((s: Parameters<PortableStore["importState"]>[0]) => {
    for (const t of [
      "agents",
      "key_events",
      "access_rules",
      "watermarks",
      "tokens",
      "used_proofs",
      "idempotency",
      "webhook_deliveries",
      "webhooks",
    ])
      db.exec(`DELETE FROM ${t}`);
    const agent = db.prepare(
      "INSERT INTO agents (name, identity, public_key, role, registered_by, created_at, revoked_at, revoked_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    );
    for (const a of s.agents)
      agent.run(
        a.name,
        a.identity,
        a.publicKey,
        a.role,
        a.registeredBy,
        a.createdAt,
        a.revokedAt,
        a.revokedBy,
      );
    const event = db.prepare(
      "INSERT INTO key_events (name, event, public_key, previous_key, actor, at) VALUES (?, ?, ?, ?, ?, ?)",
    );
    for (const e of s.keyEvents) event.run(e.name, e.event, e.publicKey, e.previousKey, e.by, e.at);
    const rule = db.prepare(
      "INSERT INTO access_rules (agent, pattern, permission, effect, set_by, set_at) VALUES (?, ?, ?, ?, ?, ?)",
    );
    for (const r of s.accessRules) rule.run(r.agent, r.pattern, r.permission, r.effect, r.setBy, r.setAt);
    const mark = db.prepare("INSERT INTO watermarks (agent, channel, last_id) VALUES (?, ?, ?)");
    for (const w of s.watermarks) mark.run(w.agent, w.channel, w.after);
    const token = db.prepare(
      "INSERT INTO tokens (id, agent, secret_hash, issued_by, created_at, expires_at, revoked_at, revoked_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    );
    for (const t of s.tokens)
      token.run(t.id, t.agent, t.secretHash, t.issuedBy, t.createdAt, t.expiresAt, t.revokedAt, t.revokedBy);
    const proof = db.prepare("INSERT OR IGNORE INTO used_proofs (key, expires_at) VALUES (?, ?)");
    for (const p of s.usedProofs) proof.run(p.key, p.expiresAt);
    const key = db.prepare(
      "INSERT INTO idempotency (sender, key, message_id, expires_at) VALUES (?, ?, ?, ?)",
    );
    for (const k of s.idempotency) key.run(k.sender, k.key, k.messageId, k.expiresAt);
    // One position per webhook here (one writer): the copy's safe position; cursors beyond it are dropped.
    const hook = db.prepare(
      "INSERT INTO webhooks (id, pattern, url, secret, allow_private, position, created_by, created_at, disabled_at, disabled_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    );
    for (const w of s.webhooks)
      hook.run(
        w.id,
        w.pattern,
        w.url,
        w.secret,
        w.allowPrivate ? 1 : 0,
        w.position,
        w.createdBy,
        w.createdAt,
        w.disabledAt,
        w.disabledReason,
      );
    db.prepare("UPDATE access_version SET version = version + 1 WHERE id = 1").run();
  });
  const guard = <T>(f: () => T): Promise<T> => {
    try {
      return Promise.resolve(f());
    } catch (e) {
      return fail(e);
    }
  };
  return {
    exportMessages: (afterId, limit) =>
      guard(() => (stmt.page.all(afterId, limit) as MessageRow[]).map(toMessage)),
    importMessages: (ms) => guard(() => importMessages.immediate(ms)),
    exportState: () =>
      guard(() => ({
        agents: (db.prepare("SELECT * FROM agents ORDER BY created_at, name").all() as AgentRow[]).map(
          toAgent,
        ),
        keyEvents: (db.prepare("SELECT * FROM key_events ORDER BY id").all() as KeyEventRow[]).map(
          toKeyEvent,
        ),
        accessRules: (
          db.prepare("SELECT * FROM access_rules ORDER BY agent, pattern, permission").all() as RuleRow[]
        ).map(toRule),
        watermarks: (
          db
            .prepare(
              "SELECT agent, channel, COALESCE(last_id, 0) AS last_id FROM watermarks ORDER BY agent, channel",
            )
            .all() as { agent: string; channel: string; last_id: number }[]
        ).map((r) => ({ agent: r.agent, channel: r.channel, after: r.last_id })),
        tokens: (db.prepare("SELECT * FROM tokens ORDER BY id").all() as TokenRow[]).map(toToken),
        usedProofs: (
          db.prepare("SELECT key, expires_at FROM used_proofs ORDER BY key").all() as {
            key: string;
            expires_at: number | null;
          }[]
        ).map((r) => ({ key: r.key, expiresAt: r.expires_at })),
        idempotency: (
          db
            .prepare("SELECT sender, key, message_id, expires_at FROM idempotency ORDER BY sender, key")
            .all() as { sender: string; key: string; message_id: number; expires_at: number }[]
        ).map((r) => ({ sender: r.sender, key: r.key, messageId: r.message_id, expiresAt: r.expires_at })),
        webhooks: (db.prepare("SELECT * FROM webhooks ORDER BY id").all() as WebhookRow[]).map((r) => ({
          ...toWebhook(r),
          positions: [],
        })),
      })),
    importState: (s) => guard(() => importState.immediate(s)),
  };
}
