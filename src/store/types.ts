// The one storage interface of el-ipc, in queue terms. Backends live in store/<name>/ and export a
// createXStore(options) factory; nothing about SQL, connections or transactions leaks through here.

/** How a stored message was signed. 0: unsigned, 1: reference form, 2: v2 envelope. */
export type SignatureVersion = 0 | 1 | 2;

/** A message as stored. */
export interface MessageRecord {
  /**
   * Unique and increasing across all channels, never reused. Within one channel ids become visible in
   * increasing order: once a reader sees id n on a channel, no id below n appears there later, so a
   * watermark may move to the highest id read. Across channels a backend with several writers (PostgreSQL)
   * may make a higher id visible first.
   */
  id: number;
  channel: string;
  sender: string;
  content: string;
  /** Unix time in seconds (fractional), when the message was stored. */
  timestamp: number;
  /** Base64 Ed25519 signature, "" when unsigned. */
  signature: string;
  sigVersion: SignatureVersion;
  /** v2 only: the signed timestamp (Unix ms). */
  sigTimestamp: number | null;
  /** v2 only: the signed nonce. */
  sigNonce: string | null;
}

/** A one-use proof: storing a message or accepting a request consumes it. */
export interface ReplayGuard {
  /** Unique key of the proof (a sender's nonce, or a reference-format signature). */
  key: string;
  /** Unix ms after which the key may be forgotten; null to remember it forever. */
  expiresAt: number | null;
}

/** A message to append. */
export interface NewMessage extends Omit<MessageRecord, "id"> {
  /** Refuse the message if this proof was already used. */
  replayGuard?: ReplayGuard;
  /**
   * Client-chosen key: a repeat by the same sender, on the same channel with the same content, within
   * the idempotency window returns the original id; the key reused with other content is a conflict.
   */
  idempotencyKey?: string;
}

/** Outcome of one appended message. */
export type AppendResult =
  | { id: number; duplicate: boolean }
  | { replayed: true }
  /** The sender's idempotency key names an earlier message with another channel or content. */
  | { conflict: true };

/** A reader's position on one channel. */
export interface Position {
  channel: string;
  /** Highest id already read. */
  after: number;
}

/** One row of the channel list. */
export interface ChannelSummary {
  channel: string;
  count: number;
  /** Unix seconds of the newest message. */
  lastMessage: number;
  /** Id of the newest message: the order of listChannels and where its next page starts. */
  top: number;
}

/** One page of a listing: at most `limit` entries after the one a cursor names. */
export interface ListPage<After> {
  /** Where the previous page ended (its last entry's key); omitted: from the start. */
  after?: After;
  /** Most entries to return. */
  limit: number;
}

/** Where an agent listing stands: the last entry's registration time and name. */
export interface AgentPosition {
  createdAt: number;
  name: string;
}

/** Agent roles. */
export type Role = "operator" | "agent";

/** A registered identity. */
export interface AgentRecord {
  name: string;
  identity: string;
  /** SPKI PEM. */
  publicKey: string;
  role: Role;
  registeredBy: string | null;
  /** Unix seconds. */
  createdAt: number;
  /** Unix seconds when revoked, null while active. */
  revokedAt: number | null;
  revokedBy: string | null;
}

/** New messages since a given id, summarised for waking waiters. */
export interface ChangeSummary {
  /** Highest message id now stored (or the id given when nothing is newer). */
  lastId: number;
  /** Channels that received messages after the given id. */
  channels: string[];
}

/**
 * What another process or server changed, as a store's subscribe() reports it:
 * - `messages`: these channels received messages, up to id `top` (ids never become visible out of order
 *   within one channel, so a reader at its watermark on each channel misses nothing);
 * - `access`: access rules changed or an identity was revoked or rotated (`version`: the access version);
 * - `agents`: identities were registered;
 * - `scan`: something was committed, unknown what: look with changesSince and accessVersion (a store
 *   whose ids become visible in increasing order across all channels, like SQLite's single writer);
 * - `resync`: notifications may have been missed (a reconnect): wake every waiter, re-check every caller,
 *   drop every cache.
 */
export type StoreChange =
  | { kind: "messages"; channels: string[]; top: number }
  | { kind: "access"; version: number }
  | { kind: "agents"; names: string[] }
  | { kind: "scan" }
  | { kind: "resync" };

/** What Store.prune deletes; an option left out applies no limit. */
export interface PruneOptions {
  /**
   * Unix seconds: delete messages stored before this time. Backends may walk ids oldest first and stop
   * at a long run of newer messages, so one stored far out of time order can outlive the limit a while.
   */
  before?: number;
  /** Keep at most this many newest messages per channel (a positive integer). */
  keepPerChannel?: number;
  /** Delete at most this many messages in this call (a positive integer). Default no limit. */
  maxRows?: number;
}

/** A change of an identity's key, recorded with who made it and when. */
export interface KeyEvent {
  name: string;
  event: "rotate" | "revoke";
  /** rotate: the new SPKI PEM; revoke: null. */
  publicKey: string | null;
  /** The key in force before the event. */
  previousKey: string | null;
  /** The operator who made the change. */
  by: string;
  /** Unix seconds. */
  at: number;
}

/** What an access rule governs. */
export type Permission = "read" | "write";

/** An operator-set rule: `agent` may (allow) or may not (deny) `permission` channels matching `pattern`. */
export interface AccessRule {
  agent: string;
  /** A channel name, or a prefix followed by `*`. */
  pattern: string;
  permission: Permission;
  effect: "allow" | "deny";
  setBy: string;
  /** Unix seconds. */
  setAt: number;
}

/** A bearer token an operator issued for one agent; only the SHA-256 of its secret is kept. */
export interface TokenRecord {
  /** The public part of the token, by which it is looked up and revoked. */
  id: string;
  agent: string;
  /** Hex SHA-256 of the secret part. */
  secretHash: string;
  /** The operator who issued it. */
  issuedBy: string;
  /** Unix seconds. */
  createdAt: number;
  /** Unix seconds after which it is refused. */
  expiresAt: number;
  revokedAt: number | null;
  revokedBy: string | null;
}

/** Where bearer tokens are kept (an optional ability of a store). */
export interface TokenStore {
  /** Stores a new token. */
  addToken(token: TokenRecord): Promise<void>;
  /** The token with this id, if any. */
  getToken(id: string): Promise<TokenRecord | undefined>;
  /** Marks a token revoked; false when it does not exist or was revoked already. */
  revokeToken(id: string, by: string, at: number): Promise<boolean>;
  /** The tokens of one agent, or of all, newest first. */
  listTokens(agent?: string): Promise<TokenRecord[]>;
}

/** One agent's watermark on one channel. */
export interface WatermarkRecord {
  agent: string;
  channel: string;
  /** Highest id read. */
  after: number;
}

/** Read-only views for the operator dashboard (an optional ability of a store), each bounded by `limit`. */
export interface ViewStore {
  /** The newest `limit` messages, of one channel or of all, newest first. */
  newestMessages(channel: string | undefined, limit: number): Promise<MessageRecord[]>;
  /** At most `limit` watermarks, by agent then channel. */
  listWatermarks(limit: number): Promise<WatermarkRecord[]>;
}

/** The storage contract every backend implements. */
export interface Store {
  /**
   * Appends messages in one transaction, in order; resolves once they are durable. A call is all or
   * nothing: when any of its messages is refused as a replay, none is stored and every result of the
   * call is `{ replayed: true }`; when it fails, none is stored. Other calls are not affected.
   */
  append(messages: NewMessage[]): Promise<AppendResult[]>;
  /**
   * Messages after each position, merged in id order, at most `limit`; with `maxBytes`, stops before the
   * message that would take the page beyond that many bytes (core/limits messageBytes), but always
   * returns the first one.
   */
  readAfter(positions: Position[], limit: number, maxBytes?: number): Promise<MessageRecord[]>;
  /** Highest message id stored, 0 when there is none. */
  lastId(): Promise<number>;
  /** Number of messages after `after` on a channel. */
  countAfter(channel: string, after: number): Promise<number>;
  /** The agent's watermark on each channel (0 when it never read). */
  getWatermarks(agent: string, channels: string[]): Promise<Map<string, number>>;
  /** Moves a watermark forward to `id`; never moves it back. */
  advanceWatermark(agent: string, channel: string, id: number): Promise<void>;
  /**
   * Sets a watermark to `id`, forward or back (a seek), in order with the advances made before it.
   * 0 means nothing read.
   */
  setWatermark(agent: string, channel: string, id: number): Promise<void>;
  /** Id of the newest message of `channel`, 0 when it has none. */
  channelLastId(channel: string): Promise<number>;
  /** Channels with message counts, newest activity first. */
  listChannels(page?: ListPage<number>): Promise<ChannelSummary[]>;
  /** Channels with messages after `afterId`, and the highest id stored. */
  changesSince(afterId: number): Promise<ChangeSummary>;
  /** Records a one-use proof; false when it was already used. */
  useProof(guard: ReplayGuard): Promise<boolean>;
  /** Looks up an agent or operator by name. */
  getAgent(name: string): Promise<AgentRecord | undefined>;
  /** Every registered identity, oldest first. */
  listAgents(): Promise<AgentRecord[]>;
  /** One page of identities, oldest first (by registration time, then name), after `page.after`. */
  listAgentsPage(page: ListPage<AgentPosition>): Promise<AgentRecord[]>;
  /** Adds an identity; resolves false when the name is taken (names are never overwritten). */
  addAgent(agent: AgentRecord): Promise<boolean>;
  /** True once any operator exists (secure mode). */
  hasOperator(): Promise<boolean>;
  /**
   * Marks an active identity revoked by `by` at `at` (Unix seconds), records the event and bumps the
   * access version, in one transaction; false when the name is unknown or already revoked.
   */
  revokeAgent(name: string, by: string, at: number): Promise<boolean>;
  /**
   * Replaces an active identity's public key, records the event and bumps the access version, in one
   * transaction; false when unknown or revoked.
   */
  rotateKey(name: string, publicKey: string, by: string, at: number): Promise<boolean>;
  /** The key events of one identity, oldest first. */
  listKeyEvents(name: string): Promise<KeyEvent[]>;
  /** Adds or replaces rules (one per agent, pattern and permission) in one transaction; bumps the access version. */
  putAccessRules(rules: AccessRule[]): Promise<void>;
  /**
   * Removes the rules of `agent` on exactly `pattern` for each of `permissions`, in one transaction, and
   * bumps the access version when any was removed; resolves to the rules removed.
   */
  removeAccessRules(agent: string, pattern: string, permissions: Permission[]): Promise<AccessRule[]>;
  /** The rules of one agent, or of every agent when `agent` is omitted. */
  listAccessRules(agent?: string): Promise<AccessRule[]>;
  /**
   * A number that changes whenever any access rule changes, or an identity is revoked or its key
   * rotated (in any process): waiters watch it to re-check their caller.
   */
  accessVersion(): Promise<number>;
  /** Forgets replay proofs and idempotency keys that expired before `now` (Unix ms). */
  pruneExpired(now: number): Promise<void>;
  /**
   * Deletes old messages (retention), oldest first, in short transactions so the write lock is never held
   * long. Resolves to the number deleted. Ids are never reused, so watermarks stay valid.
   */
  prune(opts: PruneOptions): Promise<number>;
  /**
   * Optional: calls `listener` soon after another process or server commits, saying what changed, so
   * waiters on this process wake and caches are dropped without a query per wake. Returns a function that
   * stops listening.
   */
  subscribe?(listener: (change: StoreChange) => void): () => void;
  /**
   * Optional: true when subscribe() reports every identity and access change committed elsewhere ("access",
   * "agents", or "resync" when notifications may have been lost, including once when it starts), so the
   * core may keep identities, the access version and the secure-mode flag between those events. Without
   * it the core asks the store each time (SQLite: the CLI may revoke from another process at any moment).
   */
  readonly pushesIdentityChanges?: boolean;
  /** Optional: outbound webhooks (a backend without it refuses `el-ipc webhook`). */
  webhooks?: WebhookStore;
  /** Optional: bearer tokens issued by operators (without it, `el-ipc token` is refused). */
  tokens?: TokenStore;
  /** Optional: the dashboard's read-only views (without it, the dashboard shows no messages or unread counts). */
  views?: ViewStore;
  /** Optional: bytes a server database takes (the metrics' `elipc_database_bytes` where there is no file). */
  databaseBytes?(): Promise<number>;
  /** Optional: copying the whole store into another (`el-ipc migrate`). */
  portable?: PortableStore;
  /** Releases the backend. */
  close(): Promise<void>;
}

/** An outbound webhook as stored: messages on channels matching `pattern` are POSTed to `url`. */
export interface WebhookRecord {
  id: number;
  /** A channel name, or a prefix followed by `*`; inboxes (`@…`) never match. */
  pattern: string;
  /** http(s) URL the messages are POSTed to. */
  url: string;
  /** The signing secret, `whsec_` and base64 (Standard Webhooks). */
  secret: string;
  /** Loopback, private and link-local addresses may be delivered to. */
  allowPrivate: boolean;
  /**
   * Highest message id delivered (or passed over). On a single-writer backend the next delivery starts
   * after it; on PostgreSQL a prefix pattern's deliveries follow one cursor per channel (see advanceWebhook).
   */
  position: number;
  /** The operator who added it. */
  createdBy: string;
  /** Unix seconds. */
  createdAt: number;
  /** Unix seconds when deliveries stopped for repeated failure, null while active. */
  disabledAt: number | null;
  /** Why it was disabled. */
  disabledReason: string | null;
}

/** A webhook to add; its position starts at the last message stored, so only new messages are delivered. */
export type NewWebhook = Omit<WebhookRecord, "id" | "position" | "disabledAt" | "disabledReason">;

/** One delivery attempt of one message to one webhook. */
export interface DeliveryRecord {
  webhookId: number;
  messageId: number;
  /** 1 for the first attempt. */
  attempt: number;
  /** Unix seconds. */
  at: number;
  /** The receiver's HTTP status, null when it gave none (refused address, timeout, connection error). */
  status: number | null;
  outcome: "delivered" | "failed";
  /** Why it failed, one line. */
  error: string | null;
}

/** Storage of outbound webhooks, their positions and delivery logs (an optional Store ability). */
export interface WebhookStore {
  /** Adds a webhook positioned after the last stored message; resolves to its id. */
  addWebhook(w: NewWebhook): Promise<number>;
  /** Every webhook, oldest first. */
  listWebhooks(): Promise<WebhookRecord[]>;
  /** Deletes a webhook and its delivery log; false when unknown. */
  removeWebhook(id: number): Promise<boolean>;
  /** Disables (with a reason) or re-enables (null) a webhook; false when unknown. */
  setWebhookDisabled(id: number, disabled: { at: number; reason: string } | null): Promise<boolean>;
  /**
   * Records that message `position` of `channel` was delivered (or passed over): the webhook's cursor on
   * that channel moves forward to it (never back). A backend whose ids become visible in increasing order
   * only within a channel (several writers) keeps one cursor per channel, so a lower id committing late
   * on another channel is still delivered; a single-writer backend may keep one position for all.
   */
  advanceWebhook(id: number, channel: string, position: number): Promise<void>;
  /**
   * Messages after the webhook's cursor on channels matching its pattern (never inboxes), in id order, at
   * most `limit`; none that commits later below a cursor already passed on its channel is ever skipped.
   */
  webhookMessages(
    hook: Pick<WebhookRecord, "id" | "pattern" | "position">,
    limit: number,
  ): Promise<MessageRecord[]>;
  /**
   * Optional, for backends several servers share: takes or renews the webhook for `owner` for `seconds`
   * (the database's clock); false while another owner holds it. Without it every dispatcher delivers.
   */
  claimWebhook?(id: number, owner: string, seconds: number): Promise<boolean>;
  /** Records an attempt and keeps only the newest `keep` records of that webhook. */
  logDelivery(d: DeliveryRecord, keep: number): Promise<void>;
  /** The newest `limit` attempts of a webhook, newest first. */
  listDeliveries(webhookId: number, limit: number): Promise<DeliveryRecord[]>;
}

/** Everything a store holds besides messages, for copying a deployment (`el-ipc migrate`). */
export interface PortableState {
  agents: AgentRecord[];
  /** Oldest first. */
  keyEvents: KeyEvent[];
  accessRules: AccessRule[];
  watermarks: WatermarkRecord[];
  tokens: TokenRecord[];
  /** One-use proofs still remembered (reference signatures forever), so replays stay refused. */
  usedProofs: ReplayGuard[];
  /** Idempotency keys still stored, so a client retrying after the move gets the original id. */
  idempotency: { sender: string; key: string; messageId: number; expiresAt: number }[];
  /** Webhooks with their ids (delivery ids `msg_<webhook>_<message>` stay the same). */
  webhooks: PortableWebhook[];
}

/**
 * A webhook as copied. `position` is one position safe for every matching channel (nothing after it on
 * any channel is delivered yet); `positions` are a PostgreSQL prefix webhook's per-channel cursors beyond
 * it (empty elsewhere; a single-position target re-delivers the messages between, once).
 */
export interface PortableWebhook extends WebhookRecord {
  positions: { channel: string; position: number }[];
}

/** Copying a store into another, ids kept (an optional Store ability). */
export interface PortableStore {
  /** Messages of every channel after `afterId`, in id order, at most `limit`. */
  exportMessages(afterId: number, limit: number): Promise<MessageRecord[]>;
  /** Stores messages with their own ids in one transaction (ids already present are left); later appends get higher ids. */
  importMessages(messages: MessageRecord[]): Promise<void>;
  /** Everything but messages. */
  exportState(): Promise<PortableState>;
  /** Replaces everything but messages with `state` in one transaction, and bumps the access version. */
  importState(state: PortableState): Promise<void>;
}

/** The messages, watermarks and proofs part of a Store, which each backend implements in one file. */
export type MessageAbilities = Pick<
  Store,
  | "append"
  | "readAfter"
  | "lastId"
  | "countAfter"
  | "getWatermarks"
  | "advanceWatermark"
  | "setWatermark"
  | "channelLastId"
  | "listChannels"
  | "changesSince"
  | "useProof"
  | "pruneExpired"
>;
