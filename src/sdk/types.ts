// The SDK's public types: the options of connect() and the Client it returns. Every answer's shape is the
// protocol's (src/protocol, z.infer of its schemas), never written out again here.
import type { KeyObject } from "node:crypto";
import type { ErrorCode } from "../protocol/codes.js";
import type { OutputOf } from "../protocol/operations.js";

/** A message as delivered to a reader (GET /messages, GET /stream). */
export type Message = OutputOf<"read">[number];
/** What a send stored: its id, channel, whether it is signed, and whether it was a duplicate. */
export type SendResult = Omit<OutputOf<"send">, "ok">;
/** One line of the channel list. */
export type Channel = OutputOf<"channels">[number];
/** One line of the agent directory (never a key). */
export type Agent = OutputOf<"agents">[number];
/** Status, a pending count and the security mode. */
export type Health = OutputOf<"health">;
/** One channel access rule. */
export type AccessRule = OutputOf<"accessRules">[number];
/** One change of an identity's key. */
export type KeyEvent = OutputOf<"keyEvents">[number];
/** Why a call was refused. */
export type { ErrorCode };

/** A private key: a file path, its PEM text, or a parsed KeyObject. */
export type KeyInput = string | KeyObject;

/** Options of connect(): a server (`url`) or a database (`db`); each falls back to its environment variable. */
export interface ConnectOptions {
  /** The server's base URL, e.g. http://127.0.0.1:9876. Default IPC_URL. */
  url?: string;
  /** A local SQLite database instead of a server. Default IPC_DB_PATH (used when no url is set). */
  db?: string;
  /** The agent (or operator) this client acts as. Default IPC_AGENT. */
  agent?: string;
  /** The agent's Ed25519 private key: signs every message and proves every request. Default IPC_KEY. */
  key?: KeyInput;
  /** The server's shared bearer token (IPC_API_KEY on the server). Default IPC_API_KEY. */
  apiKey?: string;
  /** Ms a call may spend retrying 429 and 503 answers (as Retry-After asks). Default 10,000; 0: never. */
  retryBudgetMs?: number;
  /** Where the defaults come from. Default process.env. */
  env?: Record<string, string | undefined>;
}

/** Options every call takes. */
export interface CallOptions {
  /** Ends the call: it rejects with an IpcError (code unavailable, message "aborted"). */
  signal?: AbortSignal;
}

/** One message of sendBatch. */
export interface OutgoingMessage {
  channel: string;
  content: string;
  /** Idempotency key: a second send with the same key stores nothing new. */
  idempotencyKey?: string;
}

/** Options of read(). */
export interface ReadOptions extends CallOptions {
  /** Leave the watermark where it is (acknowledge later with ack). Default false. */
  peek?: boolean;
  /** Messages at most, 1 to 1000. Default the server's page size (100). */
  limit?: number;
  /** Wait until a message arrives (long poll). Default false. */
  wait?: boolean;
  /** With wait: seconds to wait at most. Default 30; longer waits poll again. */
  timeout?: number;
}

/** Options of subscribe(). */
export interface SubscribeOptions {
  /**
   * "auto": each message is acknowledged when the loop asks for the next one (a message being handled when
   * the process dies comes again); "manual": call ack yourself. Default "auto".
   */
  ack?: "auto" | "manual";
  /** Ends the subscription: the loop finishes without an error. */
  signal?: AbortSignal;
}

/** Permissions of an access rule. */
export type Permissions = "read" | "write" | "read,write";

/** A connected client: the same calls on a server and on a local database. */
export interface Client {
  /** "remote" over HTTP, "local" on a database file. */
  readonly mode: "remote" | "local";
  /** Who it acts as (undefined: nobody; sends and reads then need an agent). */
  readonly agent: string | undefined;
  /** Stores one message from this agent on `channel` (`@name` for an inbox), signed with its key. */
  send(
    channel: string,
    content: string,
    options?: CallOptions & { idempotencyKey?: string },
  ): Promise<SendResult>;
  /** Stores 1 to 1000 messages in one transaction, all or none; resolves to their ids in order. */
  sendBatch(messages: OutgoingMessage[], options?: CallOptions): Promise<number[]>;
  /** This agent's unread messages on one or more channels, oldest first. */
  read(channels: string | string[], options?: ReadOptions): Promise<Message[]>;
  /** Moves this agent's watermark on `channel` forward to `id`; resolves to the watermark. */
  ack(channel: string, id: number, options?: CallOptions): Promise<number>;
  /**
   * Sets a watermark on `channel` to an id, "start" or "end", also back; resolves to it. `agent`: whose
   * (another's only for an operator). Default this client's agent.
   */
  seek(
    channel: string,
    to: number | "start" | "end",
    options?: CallOptions & { agent?: string },
  ): Promise<number>;
  /** Every channel with its message count, newest activity first. */
  channels(options?: CallOptions): Promise<Channel[]>;
  /** The agent directory, oldest first. */
  agents(options?: CallOptions): Promise<Agent[]>;
  /** Status and security mode; with `channel`, this agent's pending count there. */
  health(options?: CallOptions & { channel?: string }): Promise<Health>;
  /**
   * This agent's messages on `channels` as they arrive, unread ones first, until `options.signal` aborts
   * or the loop breaks. Remote: over SSE, resuming after a dropped connection or a server restart.
   */
  subscribe(channels: string | string[], options?: SubscribeOptions): AsyncIterable<Message>;
  /** Operator: registers agent `name` with its public key (SPKI PEM). */
  register(name: string, publicKey: string, options?: CallOptions & { identity?: string }): Promise<string>;
  /** Operator: revokes an agent or operator. */
  revoke(name: string, options?: CallOptions): Promise<string>;
  /** Operator: replaces an identity's public key. */
  rotate(name: string, publicKey: string, options?: CallOptions): Promise<string>;
  /** Operator: allows `agent` to read and/or write channels matching `pattern` (a name, or a prefix and *). */
  grant(agent: string, pattern: string, permissions: Permissions, options?: CallOptions): Promise<string>;
  /** Operator: refuses `agent` read and/or write on `pattern`. */
  deny(agent: string, pattern: string, permissions: Permissions, options?: CallOptions): Promise<string>;
  /** Operator: removes `agent`'s rules on exactly `pattern`. */
  unset(agent: string, pattern: string, permissions: Permissions, options?: CallOptions): Promise<string>;
  /** Operator: the access rules, of `agent` or of all. */
  access(agent?: string, options?: CallOptions): Promise<AccessRule[]>;
  /** Operator: the key rotations and revocation of `name`, oldest first. */
  keyEvents(name: string, options?: CallOptions): Promise<KeyEvent[]>;
  /** Releases the client (closes the database in local mode). */
  close(): Promise<void>;
}
