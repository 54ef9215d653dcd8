// Copying into and out of a PostgreSQL store (el-ipc migrate): messages with their ids (the sequence and
// the channel summary follow), then everything else replaced in one transaction.
import type { Sql, TransactionSql } from "postgres";
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
import type { PortableStore, PortableWebhook } from "../types.js";
import { type ChannelTally, tallyMessage } from "./messages.js";

/** The portable ability; `q` maps driver errors, `notify` tells other servers about access changes. */
export function createPgPortable(
  sql: Sql,
  q: <T>(f: () => Promise<T>) => Promise<T>,
  bumped: (tx: TransactionSql, version: number) => Promise<void>,
): PortableStore {
  return {
    exportMessages: (afterId, limit) =>
      q(async () =>
        (
          await sql<MessageRow[]>`
            SELECT ${sql.unsafe(MESSAGE_COLUMNS)} FROM messages WHERE id > ${afterId} ORDER BY id LIMIT ${limit}`
        ).map(toMessage),
      ),
    importMessages: (ms) =>
      q(async () => {
        if (ms.length === 0) return;
        await sql.begin(async (tx) => {
          const col = <T>(f: (m: (typeof ms)[number]) => T): T[] => ms.map(f);
          const added = await tx<{ channel: string; id: number; created_at: number }[]>`
            INSERT INTO messages (id, channel, sender, content, created_at, signature, sig_version, sig_timestamp, sig_nonce)
            SELECT * FROM unnest(${col((m) => m.id)}::bigint[], ${col((m) => m.channel)}::text[], ${col((m) => m.sender)}::text[],
              ${col((m) => m.content)}::text[], ${col((m) => m.timestamp)}::float8[], ${col((m) => m.signature)}::text[],
              ${col((m) => m.sigVersion)}::smallint[], ${col((m) => m.sigTimestamp) as number[]}::bigint[],
              ${col((m) => m.sigNonce) as string[]}::text[])
            ON CONFLICT (id) DO NOTHING RETURNING channel, id, created_at`;
          const per = new Map<string, ChannelTally>();
          for (const a of added) tallyMessage(per, a.channel, a.id, a.created_at);
          const names = [...per.keys()].sort();
          const v = names.map((n) => per.get(n) as ChannelTally);
          await tx`
            INSERT INTO channels (channel, count, top_id, last_at)
            SELECT * FROM unnest(${names}::text[], ${v.map((x) => x.n)}::bigint[], ${v.map((x) => x.top)}::bigint[],
                                 ${v.map((x) => x.last)}::float8[])
            ON CONFLICT (channel) DO UPDATE SET count = channels.count + excluded.count,
              last_at = CASE WHEN excluded.top_id > channels.top_id THEN excluded.last_at ELSE channels.last_at END,
              top_id = GREATEST(channels.top_id, excluded.top_id)`;
          // Later appends get ids above every copied one.
          await tx`SELECT setval('messages_id_seq', GREATEST((SELECT max(id) FROM messages),
                     (SELECT last_value FROM messages_id_seq)))`;
        });
      }),
    exportState: () =>
      q(async () => {
        const [agents, keyEvents, rules, marks, tokens, proofs, keys, hooks, cursors] = await Promise.all([
          sql<AgentRow[]>`SELECT * FROM agents ORDER BY created_at, name COLLATE "C"`,
          sql<KeyEventRow[]>`SELECT * FROM key_events ORDER BY id`,
          sql<
            RuleRow[]
          >`SELECT * FROM access_rules ORDER BY agent COLLATE "C", pattern COLLATE "C", permission`,
          sql<{ agent: string; channel: string; last_id: number }[]>`
            SELECT agent, channel, last_id FROM watermarks ORDER BY agent COLLATE "C", channel COLLATE "C"`,
          sql<TokenRow[]>`SELECT * FROM tokens ORDER BY id COLLATE "C"`,
          sql<
            { key: string; expires_at: number | null }[]
          >`SELECT key, expires_at FROM used_proofs ORDER BY key COLLATE "C"`,
          sql<{ sender: string; key: string; message_id: number; expires_at: number }[]>`
            SELECT sender, key, message_id, expires_at FROM idempotency ORDER BY sender COLLATE "C", key COLLATE "C"`,
          // A prefix webhook's safe position: the lowest cursor of a matching channel with messages after
          // it, else its highest cursor (everything delivered).
          sql<WebhookRow[]>`
            SELECT w.*, CASE WHEN right(w.pattern, 1) <> '*' THEN w.position ELSE COALESCE(
              (SELECT min(COALESCE(p.position, w.position)) FROM channels c
               LEFT JOIN webhook_positions p ON p.webhook_id = w.id AND p.channel = c.channel
               WHERE left(c.channel, length(w.pattern) - 1) = left(w.pattern, length(w.pattern) - 1)
                 AND c.channel NOT LIKE '@%' AND c.top_id > COALESCE(p.position, w.position)),
              GREATEST(w.position, (SELECT max(p.position) FROM webhook_positions p WHERE p.webhook_id = w.id)))
            END AS position
            FROM webhooks w ORDER BY w.id`,
          sql<{ webhook_id: number; channel: string; position: number }[]>`
            SELECT webhook_id, channel, position FROM webhook_positions ORDER BY webhook_id, channel COLLATE "C"`,
        ]);
        const webhooks: PortableWebhook[] = hooks.map((r) => ({ ...toWebhook(r), positions: [] }));
        const byId = new Map(webhooks.map((w) => [w.id, w]));
        for (const c of cursors) {
          const w = byId.get(c.webhook_id);
          if (w && c.position > w.position) w.positions.push({ channel: c.channel, position: c.position });
        }
        return {
          agents: agents.map(toAgent),
          keyEvents: keyEvents.map(toKeyEvent),
          accessRules: rules.map(toRule),
          watermarks: marks.map((r) => ({ agent: r.agent, channel: r.channel, after: r.last_id })),
          tokens: tokens.map(toToken),
          usedProofs: proofs.map((r) => ({ key: r.key, expiresAt: r.expires_at })),
          idempotency: keys.map((r) => ({
            sender: r.sender,
            key: r.key,
            messageId: r.message_id,
            expiresAt: r.expires_at,
          })),
          webhooks,
        };
      }),
    importState: (s) =>
      q(async () => {
        await sql.begin(async (tx) => {
          await tx`DELETE FROM agents`;
          await tx`DELETE FROM key_events`;
          await tx`DELETE FROM access_rules`;
          await tx`DELETE FROM watermarks`;
          await tx`DELETE FROM tokens`;
          await tx`DELETE FROM used_proofs`;
          await tx`DELETE FROM idempotency`;
          await tx`DELETE FROM webhook_deliveries`;
          await tx`DELETE FROM webhooks`;
          for (const a of s.agents) {
            await tx`INSERT INTO agents (name, identity, public_key, role, registered_by, created_at, revoked_at, revoked_by)
                     VALUES (${a.name}, ${a.identity}, ${a.publicKey}, ${a.role}, ${a.registeredBy}, ${a.createdAt}, ${a.revokedAt}, ${a.revokedBy})`;
          }
          for (const e of s.keyEvents) {
            await tx`INSERT INTO key_events (name, event, public_key, previous_key, actor, at)
                     VALUES (${e.name}, ${e.event}, ${e.publicKey}, ${e.previousKey}, ${e.by}, ${e.at})`;
          }
          for (const r of s.accessRules) {
            await tx`INSERT INTO access_rules (agent, pattern, permission, effect, set_by, set_at)
                     VALUES (${r.agent}, ${r.pattern}, ${r.permission}, ${r.effect}, ${r.setBy}, ${r.setAt})`;
          }
          if (s.watermarks.length > 0) {
            await tx`INSERT INTO watermarks (agent, channel, last_id)
                     SELECT * FROM unnest(${s.watermarks.map((w) => w.agent)}::text[], ${s.watermarks.map((w) => w.channel)}::text[],
                                          ${s.watermarks.map((w) => w.after)}::bigint[])`;
          }
          for (const t of s.tokens) {
            await tx`INSERT INTO tokens (id, agent, secret_hash, issued_by, created_at, expires_at, revoked_at, revoked_by)
                     VALUES (${t.id}, ${t.agent}, ${t.secretHash}, ${t.issuedBy}, ${t.createdAt}, ${t.expiresAt}, ${t.revokedAt}, ${t.revokedBy})`;
          }
          if (s.usedProofs.length > 0) {
            await tx`INSERT INTO used_proofs (key, expires_at)
                     SELECT * FROM unnest(${s.usedProofs.map((p) => p.key)}::text[], ${s.usedProofs.map((p) => p.expiresAt) as number[]}::bigint[])
                     ON CONFLICT DO NOTHING`;
          }
          if (s.idempotency.length > 0) {
            const k = s.idempotency;
            await tx`INSERT INTO idempotency (sender, key, message_id, expires_at)
                     SELECT * FROM unnest(${k.map((x) => x.sender)}::text[], ${k.map((x) => x.key)}::text[],
                                          ${k.map((x) => x.messageId)}::bigint[], ${k.map((x) => x.expiresAt)}::bigint[])`;
          }
          // The copy's safe position is where channels without a cursor start; the cursors beyond it follow.
          for (const w of s.webhooks) {
            await tx`INSERT INTO webhooks (id, pattern, url, secret, allow_private, position, created_by, created_at,
                                           disabled_at, disabled_reason)
                     VALUES (${w.id}, ${w.pattern}, ${w.url}, ${w.secret}, ${w.allowPrivate}, ${w.position},
                             ${w.createdBy}, ${w.createdAt}, ${w.disabledAt}, ${w.disabledReason})`;
            for (const c of w.positions) {
              await tx`INSERT INTO webhook_positions (webhook_id, channel, position)
                       VALUES (${w.id}, ${c.channel}, ${c.position})`;
            }
          }
          await tx`SELECT setval('webhooks_id_seq', GREATEST((SELECT max(id) FROM webhooks), 1),
                                 (SELECT max(id) FROM webhooks) IS NOT NULL)`;
          const [row] = await tx<
            { version: number }[]
          >`UPDATE access_version SET version = version + 1 WHERE id = 1 RETURNING version`;
          await bumped(tx, row?.version ?? 0);
        });
      }),
  };
}
