// What the MCP tools need from el-ipc, bound to one agent: the stdio server gets it from the CLI's
// backend (local database or remote server), the HTTP face from the queue with the request's caller.
import type { AgentInfo, ChannelInfo, Delivered, SeekTarget, SendResult } from "../core/types.js";

/** A read as the tools ask for it; the session's agent reads. */
export interface SessionRead {
  channels: string[];
  /** Page size (the tools cap it). */
  limit: number;
  /** Block until a message is there or `timeoutMs` passed. */
  wait?: boolean;
  /** Longest wait in ms. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Who the session acts as, for `whoami`. */
export interface SessionIdentity {
  agent: string;
  /** Where messages are: the server's URL, or the database path. */
  where: string;
  /** True when messages are signed with the agent's key (a key was given). */
  signing: boolean;
  /** The key's fingerprint, when there is a key. */
  keyFingerprint?: string;
}

/** One agent's view of el-ipc; every call acts as `identity().agent`. */
export interface AgentSession {
  identity(): SessionIdentity;
  /** True when the server (or database) is in secure mode. */
  secureMode(): Promise<boolean>;
  send(channel: string, content: string, idempotencyKey?: string): Promise<SendResult>;
  /** Reads without moving the watermark: the tools acknowledge what they showed, with `ack`. */
  peek(r: SessionRead): Promise<Delivered[]>;
  /** Acknowledges messages shown to the agent (their watermarks move past them). */
  ack(messages: Pick<Delivered, "id" | "channel">[]): Promise<void>;
  /** Moves the watermark of `channel` forward to `id`; resolves to the watermark as it now is. */
  ackTo(channel: string, id: number): Promise<number>;
  /** Sets the watermark of `channel` to `to` (an id, "start" or "end"), also back; resolves to it. */
  seek(channel: string, to: SeekTarget): Promise<number>;
  channels(): Promise<ChannelInfo[]>;
  agents(): Promise<AgentInfo[]>;
  close(): Promise<void>;
}
