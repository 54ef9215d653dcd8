// Shapes that cross between the core and its faces (CLI, HTTP, later MCP and the SDK).
import type { Permission, Role } from "../store/types.js";

/**
 * The policy checks' view of who is making a call, once proven (faces pass a Caller, caller.ts). `null`
 * means nobody proven. `key` is the public key (SPKI PEM, as stored) that proved it.
 */
export type Principal = { agent: string; role: Role; key?: string } | null;

/** A message to send, as a face receives it. */
export interface SendInput {
  channel: string;
  sender: string;
  content: string;
  /** Base64 Ed25519 signature: reference form, or v2 when `signedAt` and `nonce` are given. */
  signature?: string;
  /** v2: Unix ms the sender signed at. */
  signedAt?: number;
  /** v2: random per-sender nonce. */
  nonce?: string;
  /** Optional idempotency key: a repeat within 24 h returns the first message's id. */
  key?: string;
}

/** Result of one send. */
export interface SendResult {
  id: number;
  channel: string;
  signed: boolean;
  /** True when `key` matched an earlier send and nothing new was stored. */
  duplicate: boolean;
}

/** A message as delivered to a reader (JSON field names of the reference, plus el-ipc's). */
export interface Delivered {
  id: number;
  channel: string;
  sender: string;
  content: string;
  /** Unix seconds when stored. */
  timestamp: number;
  signed?: true;
  signature?: string;
  /** 1: reference form, 2: v2 envelope (see docs/PROTOCOL.md). */
  sig_version?: 1 | 2;
  signed_at?: number;
  nonce?: string;
}

/**
 * Bytes held for answers not yet written out, kept by a face (the HTTP server's cap on unsent answers).
 * A page is read, then `take`n before it is handed over; a refused take ends the read with `unavailable`
 * and leaves the watermark where it was.
 */
export interface AnswerBudget {
  /** Reserves `bytes` for a page; false when the face holds too much already. */
  take(bytes: number): boolean;
  /** Gives back bytes taken earlier (the page was written out, or the client went away). */
  release(bytes: number): void;
}

/** A read request. */
export interface ReadRequest {
  /** One or more channels. */
  channels: string[];
  agent: string;
  /** Page size; defaults to limits.defaultPage, capped at limits.maxPage. */
  limit?: number;
  /** Return without moving the watermark (acknowledge later with ack). */
  peek?: boolean;
  /** Block until at least one message is there. */
  wait?: boolean;
  /** Longest wait in ms; Infinity waits until a message or the signal. */
  timeoutMs?: number;
  /** Ends a wait early (client gone, SIGTERM). */
  signal?: AbortSignal;
  /** Reserves the page's bytes before it is handed over; the face releases them. Default none. */
  budget?: AnswerBudget;
}

/** An operator-signed registration (the private key never travels). */
export interface RegistrationInput {
  name: string;
  publicKey: string;
  identity?: string;
  operator: string;
  signedAt: number;
  nonce: string;
  signature: string;
}

/** Proof, carried by an HTTP request, that the caller holds `agent`'s key. */
export interface RequestProof {
  agent: string;
  method: string;
  target: string;
  bodySha256: string;
  timestamp: number;
  nonce: string;
  signature: string;
}

/** One line of the agent directory. */
export interface AgentInfo {
  name: string;
  identity: string;
  role: Role;
  registered_by: string | null;
  created_at: number;
  revoked_at?: number;
  /** The operator who revoked it. */
  revoked_by?: string | null;
}

/** One line of the channel list (reference field names). */
export interface ChannelInfo {
  channel: string;
  count: number;
  last_message: number;
}

/** One channel access rule (GET /access): `agent` may (allow) or may not (deny) `permission` `pattern`. */
export interface AccessRuleInfo {
  agent: string;
  /** A channel name, or a prefix followed by `*`. */
  pattern: string;
  permission: Permission;
  effect: "allow" | "deny";
  /** The operator who set the rule. */
  set_by: string;
  /** Unix seconds. */
  set_at: number;
}

/** One change of an identity's key (GET /key-events). */
export interface KeyEventInfo {
  name: string;
  event: "rotate" | "revoke";
  /** rotate: the new SPKI PEM; revoke: null. */
  public_key: string | null;
  /** The SPKI PEM in force before the event. */
  previous_key: string | null;
  /** The operator who made the change. */
  by: string;
  /** Unix seconds. */
  at: number;
}

/** An acknowledgement: move `agent`'s watermark on `channel` forward to `id`. */
export interface AckRequest {
  channel: string;
  agent: string;
  id: number;
}

/** Where a seek moves a watermark: a message id, "start" (nothing read) or "end" (everything read). */
export type SeekTarget = number | "start" | "end";

/** A seek: `agent`'s watermark on `channel` moves to what `to` names, forward or back. */
export interface SeekRequest {
  channel: string;
  /** Whose watermark moves. */
  agent: string;
  to: SeekTarget;
}

/** GET /health. */
export interface Health {
  status: "ok";
  pending: number;
  secure_mode: boolean;
}

/** The operator signature every operator action carries (the operator's key never travels). */
export interface OperatorSigned {
  operator: string;
  /** Unix ms when the operator signed. */
  signedAt: number;
  nonce: string;
  signature: string;
}

/** An operator-signed revocation of an agent or operator. */
export interface RevocationInput extends OperatorSigned {
  name: string;
}

/** An operator-signed replacement of an identity's public key. */
export interface RotationInput extends OperatorSigned {
  name: string;
  /** The new SPKI PEM. */
  publicKey: string;
}

/** An operator-signed grant or deny of channel access. */
export interface AccessRuleInput extends OperatorSigned {
  effect: "grant" | "deny";
  agent: string;
  /** A channel name, or a prefix followed by `*`. */
  pattern: string;
  /** Which permissions the rule sets (at least one). */
  permissions: ("read" | "write")[];
}

/** An operator-signed removal of an agent's rules on one pattern (`el-ipc unset`). */
export interface AccessUnsetInput extends OperatorSigned {
  agent: string;
  /** Exactly the pattern the rule was set on. */
  pattern: string;
  /** Whose rules to remove (at least one). */
  permissions: ("read" | "write")[];
}
