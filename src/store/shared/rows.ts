// The rows both SQL backends store (same table and column names in SQLite and PostgreSQL) and the one
// mapping of each to its record, so a column is read the same way everywhere.
import type {
  AccessRule,
  AgentRecord,
  DeliveryRecord,
  KeyEvent,
  MessageRecord,
  TokenRecord,
  WebhookRecord,
} from "../types.js";

/** The columns of MessageRow, for SELECTs. */
export const MESSAGE_COLUMNS =
  "id, channel, sender, content, created_at, signature, sig_version, sig_timestamp, sig_nonce";

/** A row of the messages table. */
export interface MessageRow {
  id: number;
  channel: string;
  sender: string;
  content: string;
  created_at: number;
  /** NULL in some reference databases. */
  signature: string | null;
  sig_version: number;
  sig_timestamp: number | null;
  sig_nonce: string | null;
}

/** A messages row as a MessageRecord. */
export function toMessage(r: MessageRow): MessageRecord {
  return {
    id: r.id,
    channel: r.channel,
    sender: r.sender,
    content: r.content,
    timestamp: r.created_at,
    signature: r.signature ?? "",
    sigVersion: (r.sig_version === 1 || r.sig_version === 2 ? r.sig_version : 0) as 0 | 1 | 2,
    sigTimestamp: r.sig_timestamp,
    sigNonce: r.sig_nonce,
  };
}

/** A row of the agents table. */
export interface AgentRow {
  name: string;
  identity: string | null;
  public_key: string;
  role: string;
  registered_by: string | null;
  created_at: number;
  revoked_at: number | null;
  revoked_by: string | null;
}

/** An agents row as an AgentRecord. */
export function toAgent(r: AgentRow): AgentRecord {
  return {
    name: r.name,
    identity: r.identity ?? "",
    publicKey: r.public_key,
    role: r.role === "operator" ? "operator" : "agent",
    registeredBy: r.registered_by ?? null,
    createdAt: r.created_at,
    revokedAt: r.revoked_at ?? null,
    revokedBy: r.revoked_by ?? null,
  };
}

/** A row of the key_events table. */
export interface KeyEventRow {
  name: string;
  event: string;
  public_key: string | null;
  previous_key: string | null;
  actor: string;
  at: number;
}

/** A key_events row as a KeyEvent. */
export function toKeyEvent(r: KeyEventRow): KeyEvent {
  return {
    name: r.name,
    event: r.event === "revoke" ? "revoke" : "rotate",
    publicKey: r.public_key ?? null,
    previousKey: r.previous_key ?? null,
    by: r.actor,
    at: r.at,
  };
}

/** A row of the access_rules table. */
export interface RuleRow {
  agent: string;
  pattern: string;
  permission: string;
  effect: string;
  set_by: string;
  set_at: number;
}

/** An access_rules row as an AccessRule. */
export function toRule(r: RuleRow): AccessRule {
  return {
    agent: r.agent,
    pattern: r.pattern,
    permission: r.permission === "write" ? "write" : "read",
    effect: r.effect === "allow" ? "allow" : "deny",
    setBy: r.set_by,
    setAt: r.set_at,
  };
}

/** A row of the tokens table. */
export interface TokenRow {
  id: string;
  agent: string;
  secret_hash: string;
  issued_by: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
  revoked_by: string | null;
}

/** A tokens row as a TokenRecord. */
export function toToken(r: TokenRow): TokenRecord {
  return {
    id: r.id,
    agent: r.agent,
    secretHash: r.secret_hash,
    issuedBy: r.issued_by,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at ?? null,
    revokedBy: r.revoked_by ?? null,
  };
}

/** A row of the webhooks table (allow_private: 0/1 in SQLite, a boolean in PostgreSQL). */
export interface WebhookRow {
  id: number;
  pattern: string;
  url: string;
  secret: string;
  allow_private: number | boolean;
  position: number;
  created_by: string;
  created_at: number;
  disabled_at: number | null;
  disabled_reason: string | null;
}

/** A webhooks row as a WebhookRecord. */
export function toWebhook(r: WebhookRow): WebhookRecord {
  return {
    id: r.id,
    pattern: r.pattern,
    url: r.url,
    secret: r.secret,
    allowPrivate: r.allow_private === 1 || r.allow_private === true,
    position: r.position,
    createdBy: r.created_by,
    createdAt: r.created_at,
    disabledAt: r.disabled_at,
    disabledReason: r.disabled_reason,
  };
}

/** A row of the webhook_deliveries table. */
export interface DeliveryRow {
  webhook_id: number;
  message_id: number;
  attempt: number;
  at: number;
  status: number | null;
  outcome: string;
  error: string | null;
}

/** A webhook_deliveries row as a DeliveryRecord. */
export function toDelivery(r: DeliveryRow): DeliveryRecord {
  return {
    webhookId: r.webhook_id,
    messageId: r.message_id,
    attempt: r.attempt,
    at: r.at,
    status: r.status,
    outcome: r.outcome === "delivered" ? "delivered" : "failed",
    error: r.error,
  };
}
