// Shapes that cross between the core and its faces (CLI, HTTP, later MCP and the SDK). What a face answers
// as it is (messages, listings, status) is the protocol's shape, defined once in src/protocol.
import type { SendResponse } from "../protocol/messages.js";
import type { Role } from "../store/types.js";

export type { AccessRuleInfo, KeyEventInfo } from "../protocol/admin.js";
export type { AgentInfo, ChannelInfo, Health } from "../protocol/directory.js";
export type { Delivered } from "../protocol/messages.js";

/** Result of one send: POST /send's answer without its `ok`. */
export type SendResult = Omit<SendResponse, "ok">;

/**
 * The policy checks' view of who is making a call, once proven (faces pass a Caller, caller.ts). `null`
 * means nobody proven. `key` is the public key (SPKI PEM, as stored) that proved it.
 */
export type Principal = { agent: string; role: Role; key?: string; token?: string } | null;

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
