// The backend every client is built on: the protocol's operations over HTTP (this file) or on a local
// database (local.ts, loaded only when a database is used), the same interface either way.
import type { KeyObject } from "node:crypto";
import { IpcError } from "../core/errors.js";
import type { IssuedToken, TokenInfo } from "../core/tokens.js";
import type {
  AccessRuleInfo,
  AgentInfo,
  ChannelInfo,
  Delivered,
  Health,
  KeyEventInfo,
  SeekTarget,
  SendResult,
} from "../core/types.js";
import { keyFingerprint } from "../crypto/keys.js";
import type { AccessRuleBody, RegisterBody, RevokeBody, RotateBody } from "../protocol/admin.js";
import type { DeliveryInfo, WebhookAddBody, WebhookIdBody, WebhookInfo } from "../protocol/webhooks.js";
import { openEventStream } from "./event-stream.js";
import { type ClientMessage, type ClientRead, createHttpClient, type HttpClientOptions } from "./http.js";

export type { ClientMessage, ClientRead } from "./http.js";

/** A stream of one agent's messages. */
export interface StreamOpen {
  channels: string[];
  agent: string;
  /** Move the watermark past each message once the next one is asked for. Default false. */
  autoack?: boolean;
  /** Ends the stream. */
  signal: AbortSignal;
}

/**
 * What a client talks to, the same over HTTP (remoteBackend) and on a local database (local.ts): the
 * protocol's operations taking its wire bodies, with the caller's keys per call. The SDK's Client, the
 * CLI and `el-ipc mcp --server` are built on it.
 */
export interface Backend {
  /** True when talking to a server. */
  remote: boolean;
  send(m: ClientMessage, key?: KeyObject): Promise<SendResult>;
  sendBatch(messages: ClientMessage[], key?: KeyObject): Promise<number[]>;
  read(r: ClientRead, key?: KeyObject): Promise<Delivered[]>;
  /**
   * The unread messages of `r.agent` on `r.channels`, then new ones as they arrive, until `r.signal`
   * aborts; see StreamOpen for resume and autoack. Over HTTP a dropped connection reconnects.
   */
  stream(r: StreamOpen, key?: KeyObject): AsyncGenerator<Delivered, void, undefined>;
  ack(agent: string, messages: Pick<Delivered, "id" | "channel">[], key?: KeyObject): Promise<void>;
  /** `ack` of one id given by a user: refused beyond the channel's last message; the watermark after. */
  ackTo(channel: string, agent: string, id: number, key?: KeyObject): Promise<number>;
  /**
   * Sets `agent`'s watermark on `channel` to `to`, also back; `proof` is the agent's key, or an
   * operator's key and name (`proof.agent`). Resolves to the watermark as it now is.
   */
  seek(channel: string, agent: string, to: SeekTarget, proof?: CallerProof): Promise<number>;
  /** `proof` (caller's key and name) is what a secure server needs; the local database needs none. */
  channels(proof?: CallerProof): Promise<ChannelInfo[]>;
  agents(proof?: CallerProof): Promise<AgentInfo[]>;
  /** The access rules, of `agent` or of all; a secure server needs an operator's `proof`. */
  accessRules(proof?: CallerProof, agent?: string): Promise<AccessRuleInfo[]>;
  /** The key history of `name`; a secure server needs an operator's `proof`. */
  keyEvents(proof: CallerProof | undefined, name: string): Promise<KeyEventInfo[]>;
  /** Revokes with an operator-signed body. */
  revoke(body: RevokeBody): Promise<string>;
  /** Rotates a key with an operator-signed body. */
  rotate(body: RotateBody): Promise<string>;
  /** Grants or denies channel access, or removes a rule (unset), with an operator-signed body. */
  setAccess(effect: "grant" | "deny" | "unset", body: AccessRuleBody): Promise<string>;
  /** Adds a webhook with an operator-signed body. */
  addWebhook(body: WebhookAddBody): Promise<{ id: number; message: string }>;
  /** Removes or re-enables a webhook with an operator-signed body. */
  changeWebhook(action: "remove" | "enable", body: WebhookIdBody): Promise<string>;
  /** The webhooks; a secure server needs an operator's `proof`. */
  webhooks(proof?: CallerProof): Promise<WebhookInfo[]>;
  /** The newest delivery attempts of a webhook; a secure server needs an operator's `proof`. */
  webhookDeliveries(proof: CallerProof | undefined, id: number, limit: number): Promise<DeliveryInfo[]>;
  agentCard(): Promise<unknown>;
  /**
   * Status and security mode; with `q.channel` and `q.agent`, that agent's pending count there (a secure
   * server wants the agent's `key` for it).
   */
  health(q?: { channel?: string; agent?: string }, key?: KeyObject): Promise<Health>;
  /** Issues a bearer token for `agent`, as the operator `proof` names. */
  issueToken(proof: CallerProof, agent: string, ttlSeconds?: number): Promise<IssuedToken>;
  /** Revokes a token, as the operator `proof` names. */
  revokeToken(proof: CallerProof, id: string): Promise<string>;
  /** Lists tokens (of `agent`, or all), as the operator `proof` names. */
  tokens(proof: CallerProof, agent?: string): Promise<TokenInfo[]>;
  /** Registers with an operator-signed body (see signRegistration). */
  register(body: RegisterBody): Promise<string>;
  close(): Promise<void>;
}

/** Who calls, for servers that want a request proof. */
export interface CallerProof {
  key: KeyObject;
  agent: string;
}

/** A backend over HTTP: every call a request to the server at `o.baseUrl`. */
export function remoteBackend(o: HttpClientOptions): Backend {
  const client = createHttpClient(o);
  // A server tells an unproven caller nothing about whose key is registered (docs/SECURITY.md): the CLI
  // names the fingerprint of the key it used, for the caller to compare with an operator's records.
  const hint = async <T>(p: Promise<T>, key?: KeyObject): Promise<T> =>
    p.catch((e: unknown) => {
      if (!(e instanceof IpcError) || e.code !== "unauthorized" || !key) throw e;
      throw new IpcError(
        "unauthorized",
        `${e.message} (signed with key ${keyFingerprint(key)}; is it the sender's registered key?)`,
      );
    });
  return {
    ...client,
    send: (m, key) => hint(client.send(m, key), key),
    sendBatch: (ms, key) => hint(client.sendBatch(ms, key), key),
    stream: (r, key) => openEventStream(o, r, key, (m) => client.ackTo(m.channel, r.agent, m.id, key)),
    remote: true,
    close: async () => undefined,
  };
}
