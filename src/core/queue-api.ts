// The core's interface, written down: what every face (CLI, HTTP, SDK, MCP) may call, grouped by
// concern. Every call whose answer depends on who asks takes a required Caller first.
import type { KeyObject } from "node:crypto";
import type { PemKeyPair } from "../crypto/keys.js";
import type { Caller, LocalCaller, ProvenCaller } from "./caller.js";
import type { AgentCard } from "./card.js";
import type { DashboardOverview } from "./dashboard.js";
import type { DashboardSessionInfo } from "./dashboard-sessions.js";
import type { Limits } from "./limits.js";
import type { Page, PageRequest } from "./listings.js";
import type { MaintenanceReport } from "./maintenance.js";
import type { SecurityEventInput, SecurityListener, SourceOf } from "./security-log.js";
import type { StreamRequest } from "./stream.js";
import type { IssuedToken, TokenInfo } from "./tokens.js";
import type {
  AccessRuleInfo,
  AccessRuleInput,
  AccessUnsetInput,
  AckRequest,
  AgentInfo,
  ChannelInfo,
  Delivered,
  Health,
  KeyEventInfo,
  ReadRequest,
  RegistrationInput,
  RequestProof,
  RevocationInput,
  RotationInput,
  SeekRequest,
  SendInput,
  SendResult,
} from "./types.js";
import type { DeliveryInfo, WebhookAddInput, WebhookIdInput, WebhookInfo } from "./webhooks.js";

/** Sending, reading and acknowledging messages. */
export interface QueueMessages {
  /**
   * Stores one message after checking names, size and (in secure mode) its signature. The signature is
   * the sender's proof, so a send takes no Caller.
   */
  send(input: SendInput): Promise<SendResult>;
  /**
   * Stores one unsigned message from a sender that proved itself otherwise (a bearer token): in secure
   * mode `caller` must be that sender, proven. Stored without a signature, so readers see it unsigned.
   */
  sendAs(caller: Caller, input: SendInput): Promise<SendResult>;
  /** Stores several messages in one transaction: all are checked first, then all are stored or none. */
  sendBatch(inputs: SendInput[]): Promise<SendResult[]>;
  /**
   * Reads unread messages of `r.agent` on one or more channels, oldest first, one page at most. With
   * `wait`, blocks until a message arrives. Unless `peek`, moves the watermarks past what it returns.
   * In secure mode `caller` must be that agent, proven.
   */
  read(caller: Caller, r: ReadRequest): Promise<Delivered[]>;
  /**
   * Opens a message stream (SSE): checks the request now, so a face can still answer an error, then
   * returns a generator of the unread messages, oldest first, that waits for new ones until `r.signal`
   * aborts. Reads in pages of limits.defaultPage; see StreamRequest for resume and autoack.
   */
  stream(caller: Caller, r: StreamRequest): Promise<AsyncGenerator<Delivered, void, undefined>>;
  /**
   * Moves an agent's watermark on a channel forward to `a.id` (never back) and resolves to the watermark
   * as it now is. An id beyond the channel's last message is refused: it would skip messages not yet sent.
   */
  ack(caller: Caller, a: AckRequest): Promise<number>;
  /**
   * Sets `r.agent`'s watermark on `r.channel` to an id, the start or the end, forward or back, and
   * resolves to it; an id beyond the channel's last message is refused. In secure mode `caller` must be
   * that agent, proven (and may read the channel), or a proven, active operator. Reported as an admin
   * event (who, whose, from → to).
   */
  seek(caller: Caller, r: SeekRequest): Promise<number>;
  /** Acknowledges everything in `messages` as read by `agent` (the CLI calls this after printing them). */
  ackDelivered(caller: Caller, agent: string, messages: Pick<Delivered, "id" | "channel">[]): Promise<void>;
}

/** Who is there and who asks: listings, status, the agent card and proofs of identity. */
export interface QueueDirectory {
  /**
   * One page of channels with message counts, newest activity first. In secure mode a proven caller sees
   * only the channels it may read and anonymous is refused; a local caller sees everything.
   */
  channelPage(caller: Caller, page?: PageRequest): Promise<Page<ChannelInfo>>;
  /** One page of the agent directory (names, roles, identities; never keys), oldest first. */
  agentPage(caller: Caller, page?: PageRequest): Promise<Page<AgentInfo>>;
  /** Every channel (all pages of channelPage). */
  channels(caller: Caller): Promise<ChannelInfo[]>;
  /** The whole agent directory (all pages of agentPage). */
  agents(caller: Caller): Promise<AgentInfo[]>;
  /**
   * Status, the agent's pending count on a channel when both are given, and the security mode. In
   * secure mode a pending count is the agent's own business: `caller` must be that agent and may read
   * the channel, or the local process.
   */
  health(caller: Caller, q?: { channel?: string | undefined; agent?: string | undefined }): Promise<Health>;
  /**
   * The A2A agent card; its did:key is derived from the first operator's key. `baseUrl` (where the server
   * listens) fills the interface URL when no public URL (IPC_AGENT_URL) is configured.
   */
  agentCard(baseUrl?: string): Promise<AgentCard>;
  /** True once an operator exists (secure mode); never switched off. */
  isSecure(): Promise<boolean>;
  /** Verifies a signed HTTP request and consumes its nonce; anonymous in open mode (proofs are ignored). */
  authenticate(proof: RequestProof): Promise<Caller>;
  /**
   * The agent a bearer token (from issueToken) proves; refused when it is unknown, wrong, revoked or
   * expired, or its agent was revoked.
   */
  authenticateToken(token: string): Promise<ProvenCaller>;
  /**
   * Proves that a local process holds `agent`'s key (the CLI's --key): the proven caller in secure mode
   * (a missing or wrong key is refused), anonymous in open mode.
   */
  proveKey(agent: string, privateKey: KeyObject | undefined): Promise<Caller>;
  /**
   * Why `privateKey` is not `agent`'s registered key, by fingerprints, or undefined when it is. For the
   * local process only: whoever opens the database can read every key; a remote caller never learns it.
   */
  keyMismatch(caller: LocalCaller, agent: string, privateKey: KeyObject): Promise<string | undefined>;
  /** Reads and streams parked waiting for a message now. */
  waiting(): number;
}

/** Identities, access rules, security events and upkeep. */
export interface QueueAdministration {
  /**
   * Issues a bearer token acting as `r.agent` for `r.ttlSeconds` (default 24 h, at most 90 days); secure
   * mode, operators (or the local process) only. The token is in the answer only: just its hash is kept.
   */
  issueToken(caller: Caller, r: { agent: string; ttlSeconds?: number }): Promise<IssuedToken>;
  /** Revokes a token by its id at once; operators only. */
  revokeToken(caller: Caller, id: string): Promise<string>;
  /** The tokens of one agent or of all, without their secrets; operators only. */
  tokens(caller: Caller, agent?: string): Promise<TokenInfo[]>;
  /** Creates an operator with a new key pair (local process only); the private key is returned once. */
  seed(caller: LocalCaller, name: string): Promise<PemKeyPair>;
  /** Registers an agent under an operator's signature (the proof is the signature: no Caller). */
  register(r: RegistrationInput): Promise<string>;
  /** Revokes an agent or operator under an operator's signature; never the last active operator. */
  revoke(r: RevocationInput): Promise<string>;
  /** Replaces an identity's public key under an operator's signature; the old key stops at once. */
  rotate(r: RotationInput): Promise<string>;
  /** Grants or denies an agent read and/or write on a channel pattern, under an operator's signature. */
  setAccessRule(r: AccessRuleInput): Promise<string>;
  /**
   * Removes an agent's rules on exactly one pattern, under an operator's signature (el-ipc/unset/v1);
   * not_found when no such rule is set.
   */
  unsetAccessRule(r: AccessUnsetInput): Promise<string>;
  /**
   * The channel access rules, of one agent or of all, ordered by agent, pattern and permission. In
   * secure mode `caller` must be a proven, active operator or the local process.
   */
  accessRules(caller: Caller, agent?: string): Promise<AccessRuleInfo[]>;
  /** The key rotations and the revocation of one identity, oldest first; `caller` as for accessRules. */
  keyEvents(caller: Caller, name: string): Promise<KeyEventInfo[]>;
  /**
   * Refuses (and reports) a caller that is not a proven, active operator in secure mode; the local
   * process and open mode pass. For server views outside the queue (GET /metrics); `what` names it.
   */
  requireOperator(caller: Caller, what: string): Promise<void>;
  /** Hears every security event (refusals, replays, operator actions); returns the function that stops it. */
  onSecurityEvent(listener: SecurityListener): () => void;
  /** Records a security event a face observed (a rate limit hit, a cap reached). */
  reportSecurityEvent(event: SecurityEventInput): void;
  /**
   * Sets where security events come from (the HTTP face: the address of the request being handled), so
   * `_security` writes are budgeted per source; returns the function that unsets it.
   */
  setSecuritySource(sourceOf: SourceOf): () => void;
  /** Resolves once every `_security` write started so far has finished. */
  flushSecurityEvents(): Promise<void>;
  /** Security events not written to `_security` because of its rate limit, since the start. */
  droppedSecurityEvents(): number;
  /** Runs one maintenance pass now: retention (QueueOptions.retention), then expired replay proofs. */
  maintain(): Promise<MaintenanceReport>;
  /**
   * Runs maintenance now and then every `intervalMs` (default 60 s) until stopMaintenance or close;
   * failed passes go to `onError` (the next pass tries again).
   */
  startMaintenance(intervalMs?: number, onError?: (err: unknown) => void): void;
  /** Stops periodic maintenance. */
  stopMaintenance(): void;
  /** Stops maintenance, wakes all waiters (streams end), writes pending security summaries, closes the store. */
  close(): Promise<void>;
}

/**
 * The operator dashboard: read-only views moving no watermark, and its sign-in (one-time codes and
 * sessions, kept hashed in this process's memory). In secure mode every view needs a proven, active operator.
 */
export interface QueueDashboard {
  /** Channels, agents with their newest message and unread counts per agent and channel, each bounded. */
  dashboardOverview(caller: Caller): Promise<DashboardOverview>;
  /** The newest `limit` (default 50, at most 200) messages of a channel, oldest first. */
  channelTail(caller: Caller, channel: string, limit?: number): Promise<Delivered[]>;
  /** A one-time sign-in code, valid 60 s; `caller` as for the views. */
  issueDashboardCode(caller: Caller): Promise<{ code: string; expires_at: number }>;
  /** Uses a code up for a session (1 h); unknown, used and expired codes get one refusal. */
  exchangeDashboardCode(code: string): Promise<{ token: string; session: DashboardSessionInfo }>;
  /** The session of a token, or unauthorized. */
  dashboardSession(token: string | undefined): DashboardSessionInfo;
  /** Ends a session at once. */
  endDashboardSession(token: string): void;
}

/** Outbound webhooks (delivery itself runs in the server: webhooks/dispatcher.ts). */
export interface QueueWebhooks {
  /** Adds a webhook under an operator's signature; it delivers the messages stored from now on. */
  addWebhook(r: WebhookAddInput): Promise<{ id: number; message: string }>;
  /** Removes a webhook and its delivery log under an operator's signature. */
  removeWebhook(r: WebhookIdInput): Promise<string>;
  /** Re-enables a disabled webhook under an operator's signature; it resumes at the message it failed on. */
  enableWebhook(r: WebhookIdInput): Promise<string>;
  /** Every webhook, never its secret; in secure mode `caller` must be a proven operator or the local process. */
  webhooks(caller: Caller): Promise<WebhookInfo[]>;
  /** The newest `limit` (default 100, max 1000) delivery attempts of webhook `id`; `caller` as for webhooks. */
  webhookDeliveries(caller: Caller, id: number, limit?: number): Promise<DeliveryInfo[]>;
}

/** The core of el-ipc, as every face sees it. */
export interface Queue
  extends QueueMessages,
    QueueDirectory,
    QueueAdministration,
    QueueWebhooks,
    QueueDashboard {
  /** The size limits in force. */
  readonly limits: Readonly<Limits>;
}
