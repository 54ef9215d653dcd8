// The backend on a local database: the same operations as over HTTP, called on the core in this process.
// Loaded only when a client opens a database, so `import "el-ipc"` loads no SQLite.
import type { KeyObject } from "node:crypto";
import { signMessageV2 } from "../client/sign.js";
import { type Caller, LOCAL } from "../core/caller.js";
import { IpcError } from "../core/errors.js";
import type { Queue } from "../core/queue-api.js";
import type { Delivered } from "../core/types.js";
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
import type { Backend, CallerProof, ClientMessage, StreamOpen } from "./backend.js";

/** Options of localBackend. */
export interface LocalBackendOptions {
  /**
   * Listings and operator views as the caller whose proof a call carries, as a server shows them (the
   * SDK), instead of as the local process, which sees everything (the CLI). Default false.
   */
  asCaller?: boolean;
  /** close() closes the queue too. Default true. */
  ownsQueue?: boolean;
}

/**
 * A backend on `queue`. Acting as an agent (read, ack, seek, stream) needs that agent's key in secure
 * mode (Queue.proveKey); listings and operator views are the local process's, which may read the file
 * anyway, unless `o.asCaller`.
 */
export function localBackend(queue: Queue, o: LocalBackendOptions = {}): Backend {
  const ownsQueue = o.ownsQueue ?? true;
  /** Who a listing or view is for. */
  const viewer = async (proof: CallerProof | undefined): Promise<Caller> =>
    o.asCaller && proof ? queue.proveKey(proof.agent, proof.key) : LOCAL;
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
    stream: (r, key) => localStream(queue, r, key),
    ack: async (agent, messages, key) =>
      queue.ackDelivered(await queue.proveKey(agent, key), agent, messages),
    ackTo: async (channel, agent, id, key) =>
      queue.ack(await queue.proveKey(agent, key), { channel, agent, id }),
    seek: async (channel, agent, to, proof) =>
      queue.seek(await queue.proveKey(proof?.agent ?? agent, proof?.key), { channel, agent, to }),
    channels: async (proof) => queue.channels(await viewer(proof)),
    agents: async (proof) => queue.agents(await viewer(proof)),
    accessRules: async (proof, agent) => queue.accessRules(await viewer(proof), agent),
    keyEvents: async (proof, name) => queue.keyEvents(await viewer(proof), name),
    addWebhook: (b) => queue.addWebhook(webhookAddFromWire(b)),
    changeWebhook: (action, b) =>
      action === "remove"
        ? queue.removeWebhook(webhookIdFromWire(b))
        : queue.enableWebhook(webhookIdFromWire(b)),
    webhooks: async (proof) => queue.webhooks(await viewer(proof)),
    webhookDeliveries: async (proof, id, limit) => queue.webhookDeliveries(await viewer(proof), id, limit),
    agentCard: () => queue.agentCard(),
    // A pending count needs the agent's key in secure mode, as over HTTP (the SDK acts as that agent).
    health: async (q, key) =>
      queue.health(q?.agent !== undefined && key ? await queue.proveKey(q.agent, key) : LOCAL, q),
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
    close: () => (ownsQueue ? queue.close() : Promise.resolve()),
  };
}

/** The core's stream for a proven reader, with `after` left to the watermarks (a local stream never drops). */
async function* localStream(
  queue: Queue,
  r: StreamOpen,
  key: KeyObject | undefined,
): AsyncGenerator<Delivered, void, undefined> {
  const caller = await queue.proveKey(r.agent, key);
  const messages = await queue.stream(caller, {
    channels: r.channels,
    agent: r.agent,
    autoack: r.autoack ?? false,
    signal: r.signal,
  });
  yield* messages;
}

/** Options of openDatabase. */
export interface DatabaseOptions {
  /** The SQLite file (created when missing), or a postgres:// URL. */
  path: string;
  /** Environment the queue's settings come from (IPC_RETENTION, limits, …). Default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** Opens the database at `o.path` as a queue, with the settings resolveConfig takes from `o.env`. */
export async function openDatabase(o: DatabaseOptions): Promise<Queue> {
  const [{ resolveConfig, queueOptionsOf }, { openStore }, { createQueue }, { LOCAL_SOURCE }] =
    await Promise.all([
      import("../config.js"),
      import("../store/open.js"),
      import("../core/queue.js"),
      import("../core/security-budget.js"),
    ]);
  const config = resolveConfig({ db: o.path }, o.env ?? process.env);
  const queue = createQueue({
    ...queueOptionsOf(config),
    store: await openStore(config.store),
  });
  // Actions taken here are recorded in _security as the CLI's are: from "local", one shared budget.
  queue.setSecuritySource(() => LOCAL_SOURCE);
  return queue;
}
