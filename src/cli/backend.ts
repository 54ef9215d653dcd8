// What CLI commands talk to: the local database (default) or, in remote mode (IPC_URL / --server), a
// server over HTTP. Both are loaded lazily so each command loads only what it uses.
import type { KeyObject } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { ClientMessage, ClientRead } from "../client/http-client.js";
import { signMessageV2 } from "../client/sign.js";
import { type Config, defaultDbPath, queueOptionsOf } from "../config.js";
import { LOCAL } from "../core/caller.js";
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
import {
  accessRuleFromWire,
  accessUnsetFromWire,
  registrationFromWire,
  revocationFromWire,
  rotationFromWire,
  sendFromWire,
  webhookAddFromWire,
  webhookIdFromWire,
} from "../core/wire.js";
import { keyFingerprint } from "../crypto/keys.js";
import type { AccessRuleBody, RegisterBody, RevokeBody, RotateBody } from "../protocol/admin.js";
import type { DeliveryInfo, WebhookAddBody, WebhookIdBody, WebhookInfo } from "../protocol/webhooks.js";

/** The operations CLI commands need, the same in local and remote mode. */
export interface Backend {
  /** True when talking to a server. */
  remote: boolean;
  send(m: ClientMessage, key?: KeyObject): Promise<SendResult>;
  sendBatch(messages: ClientMessage[], key?: KeyObject): Promise<number[]>;
  read(r: ClientRead, key?: KeyObject): Promise<Delivered[]>;
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
  /** Status and security mode. */
  health(): Promise<Health>;
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

/** Opens the backend `config` points at. */
export async function openBackend(config: Config): Promise<Backend> {
  if (config.serverUrl) {
    const { createHttpClient } = await import("../client/http-client.js");
    const client = createHttpClient({
      baseUrl: config.serverUrl,
      apiKey: config.apiKey,
      // Once per outage: a waiting read keeps trying until the server is back.
      onWaitRetry: (e, attempt) => {
        if (attempt === 1)
          process.stderr.write(`el-ipc: ${e.message}; waiting for the server to come back\n`);
      },
    });
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
      remote: true,
      close: async () => undefined,
    };
  }
  const queue = await openDatabaseQueue(config);
  // A refused signature says, by fingerprints, which key the sender has registered (the local database
  // holds every key anyway; docs/SECURITY.md).
  async function explainRefusal<T>(p: Promise<T>, sender: string, key?: KeyObject): Promise<T> {
    try {
      return await p;
    } catch (e) {
      if (!(e instanceof IpcError) || e.code !== "unauthorized" || !key) throw e;
      const why = await queue.keyMismatch(LOCAL, sender, key);
      throw why ? new IpcError("unauthorized", `message signature refused: ${why}`) : e;
    }
  }
  const signedInput = (m: ClientMessage, key?: KeyObject) =>
    sendFromWire(key ? { ...m, ...signMessageV2(key, m) } : m);
  return {
    remote: false,
    send: (m, key) => explainRefusal(queue.send(signedInput(m, key)), m.sender, key),
    sendBatch: async (ms, key) =>
      (
        await explainRefusal(queue.sendBatch(ms.map((m) => signedInput(m, key))), ms[0]?.sender ?? "", key)
      ).map((r) => r.id),
    // Acting as an agent needs its key in secure mode; the views are the local process's (LOCAL).
    read: async (r, key) => queue.read(await queue.proveKey(r.agent, key), r),
    ack: async (agent, messages, key) =>
      queue.ackDelivered(await queue.proveKey(agent, key), agent, messages),
    ackTo: async (channel, agent, id, key) =>
      queue.ack(await queue.proveKey(agent, key), { channel, agent, id }),
    seek: async (channel, agent, to, proof) =>
      queue.seek(await queue.proveKey(proof?.agent ?? agent, proof?.key), { channel, agent, to }),
    channels: () => queue.channels(LOCAL),
    agents: () => queue.agents(LOCAL),
    accessRules: (_proof, agent) => queue.accessRules(LOCAL, agent),
    keyEvents: (_proof, name) => queue.keyEvents(LOCAL, name),
    addWebhook: (b) => queue.addWebhook(webhookAddFromWire(b)),
    changeWebhook: (action, b) =>
      action === "remove"
        ? queue.removeWebhook(webhookIdFromWire(b))
        : queue.enableWebhook(webhookIdFromWire(b)),
    webhooks: () => queue.webhooks(LOCAL),
    webhookDeliveries: (_proof, id, limit) => queue.webhookDeliveries(LOCAL, id, limit),
    agentCard: () => queue.agentCard(),
    health: () => queue.health(LOCAL),
    // Operator work needs the operator's key here too, so the record names who did it.
    issueToken: async (p, agent, ttl) =>
      queue.issueToken(await queue.proveKey(p.agent, p.key), {
        agent,
        ...(ttl !== undefined ? { ttlSeconds: ttl } : {}),
      }),
    revokeToken: async (p, id) => queue.revokeToken(await queue.proveKey(p.agent, p.key), id),
    tokens: async (p, agent) => queue.tokens(await queue.proveKey(p.agent, p.key), agent),
    revoke: (b) => queue.revoke(revocationFromWire(b)),
    rotate: (b) => queue.rotate(rotationFromWire(b)),
    setAccess: (effect, b) =>
      effect === "unset"
        ? queue.unsetAccessRule(accessUnsetFromWire(b))
        : queue.setAccessRule(accessRuleFromWire(effect, b)),
    register: (b) => queue.register(registrationFromWire(b)),
    close: () => queue.close(),
  };
}

/**
 * Opens the local SQLite database as a queue for a command that only works locally (`command`, e.g.
 * seed); refused when a server is configured, so the command never quietly writes a database of its own.
 */
export async function openLocalQueue(config: Config, command: string) {
  if (config.serverUrl) {
    throw new IpcError(
      "invalid_argument",
      `${command} works only on a local database, but a server is configured (${config.serverUrl}, from IPC_URL or --server): run it where the server's database is, without IPC_URL (--db <path> picks the database)`,
    );
  }
  return openDatabaseQueue(config);
}

/** Opens config.dbPath as a queue; says so on stderr when that creates a new database (a typo'd path shows). */
async function openDatabaseQueue(config: Config) {
  const [{ createSqliteStore }, { createQueue }, { LOCAL_SOURCE }] = await Promise.all([
    import("../store/sqlite/index.js"),
    import("../core/queue.js"),
    import("../core/security-budget.js"),
  ]);
  const isNew = config.dbPath !== ":memory:" && !existsSync(config.dbPath);
  // Operator actions and refusals made here are written to _security like those over HTTP (local
  // callers share one budget), so operators see what happened on the database whichever face did it.
  const queue = createQueue({
    ...queueOptionsOf(config),
    store: createSqliteStore({
      path: config.dbPath,
      sync: config.sync,
      onWarning: (m) => process.stderr.write(`el-ipc: warning: ${m}\n`),
    }),
  });
  // Events made here say so: `remote: "local"` (the CLI's one shared budget) instead of an address.
  queue.setSecuritySource(() => LOCAL_SOURCE);
  if (isNew && existsSync(config.dbPath)) {
    process.stderr.write(`el-ipc: created a new database at ${config.dbPath}\n`);
  }
  const hint = adoptionHint(config, process.env);
  if (hint) process.stderr.write(`el-ipc: ${hint}\n`);
  return queue;
}

/** Where the reference implementation keeps its database by default. */
export const REFERENCE_DB_PATH = "/tmp/el-ipc.db";

/**
 * Once per default database (a marker file beside it remembers): when IPC_DB_PATH is unset and the
 * reference's database exists, how to adopt it instead of looking at an empty queue. Undefined otherwise.
 */
export function adoptionHint(
  config: Config,
  env: NodeJS.ProcessEnv,
  referencePath = REFERENCE_DB_PATH,
): string | undefined {
  if (env.IPC_DB_PATH || config.dbPath !== defaultDbPath(env) || !existsSync(referencePath)) return undefined;
  const marker = join(dirname(config.dbPath), ".reference-db-hint-shown");
  if (existsSync(marker)) return undefined;
  try {
    writeFileSync(marker, `${referencePath}\n`, { mode: 0o600, flag: "wx" });
  } catch {
    return undefined; // Shown by another process just now, or the folder is not writable: stay quiet.
  }
  return `the reference's database ${referencePath} exists, but el-ipc uses ${config.dbPath}; to adopt its messages and agents: el-ipc import ${referencePath} (shown once)`;
}
