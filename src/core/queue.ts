// The core of el-ipc: channels, messages, watermarks and waits, over one Store. Faces call this and
// nothing else; every policy decision (who may read, which signature counts) is made here or in identity.ts.
import { didKey, parsePublicKey } from "../crypto/keys.js";
import type { MessageRecord, NewMessage, Store } from "../store/types.js";
import { IpcError } from "./errors.js";
import { createHub, type Hub } from "./hub.js";
import { createIdentity, type Identity } from "./identity.js";
import { checkContent, checkName, DEFAULT_LIMITS, type Limits, pageSize } from "./limits.js";
import type {
  AgentInfo,
  ChannelInfo,
  Delivered,
  Health,
  Principal,
  ReadRequest,
  SendInput,
  SendResult,
} from "./types.js";
import { VERSION } from "./version.js";

/** Options of a queue; every field but `store` has a default. */
export interface QueueOptions {
  store: Store;
  /** Current Unix time in ms. Default Date.now. */
  clock?: () => number;
  /** Size limits. Default DEFAULT_LIMITS. */
  limits?: Partial<Limits>;
  /** Accepted clock skew of signed timestamps, in ms. Default 300,000. */
  replayWindowMs?: number;
  /** What the agent card says about this server. */
  card?: { name?: string; description?: string; url?: string };
}

/** The A2A-style agent card served at /.well-known/agent-card.json. */
export interface AgentCard {
  name: string;
  description: string;
  url: string;
  version: string;
  did: string | null;
  secure_mode: boolean;
  capabilities: { streaming: boolean; longPolling: boolean; signatures: string[] };
  endpoints: Record<string, string>;
}

/** Creates a queue over a store. */
export function createQueue(options: QueueOptions) {
  const store = options.store;
  const clock = options.clock ?? Date.now;
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const identity: Identity = createIdentity({ store, clock, windowMs: options.replayWindowMs ?? 300_000 });
  const hub: Hub = createHub(store);

  /** Direct inboxes (`@name`) are readable by their owner only. */
  function checkReadAccess(channel: string, agent: string): void {
    if (channel.startsWith("@") && channel.slice(1) !== agent) {
      throw new IpcError(
        "forbidden",
        `${channel} is ${channel.slice(1)}'s inbox; only ${channel.slice(1)} reads it`,
      );
    }
  }

  /** In secure mode the caller must have proven it is `agent`. */
  async function checkActingAs(agent: string, principal: Principal): Promise<void> {
    if (!(await identity.isSecure())) return;
    if (!principal)
      throw new IpcError("unauthorized", `secure mode is on: prove you are ${agent} with its key`);
    if (principal.agent !== agent) {
      throw new IpcError("forbidden", `authenticated as ${principal.agent}, not ${agent}`);
    }
    await identity.activeAgent(agent);
  }

  async function prepare(input: SendInput): Promise<NewMessage> {
    const channel = checkName("channel", input.channel);
    const sender = checkName("sender", input.sender);
    const content = checkContent(input.content, limits);
    if (
      input.key !== undefined &&
      (typeof input.key !== "string" || input.key.length < 1 || input.key.length > 128)
    ) {
      throw new IpcError("invalid_argument", "key must be a string of 1 to 128 characters");
    }
    const sig = await identity.checkMessage(input);
    return {
      channel,
      sender,
      content,
      timestamp: clock() / 1000,
      signature: sig.signed ? (input.signature as string) : "",
      sigVersion: sig.sigVersion,
      sigTimestamp: sig.sigVersion === 2 ? (input.signedAt as number) : null,
      sigNonce: sig.sigVersion === 2 ? (input.nonce as string) : null,
      ...(sig.replayGuard ? { replayGuard: sig.replayGuard } : {}),
      ...(input.key !== undefined ? { idempotencyKey: input.key } : {}),
    };
  }

  async function appendAll(prepared: NewMessage[]): Promise<SendResult[]> {
    const results = await store.append(prepared);
    const out = results.map((r, i): SendResult => {
      const m = prepared[i] as NewMessage;
      if ("replayed" in r)
        throw new IpcError("replayed", "this signed message was already accepted (replay)");
      return { id: r.id, channel: m.channel, signed: m.sigVersion !== 0, duplicate: r.duplicate };
    });
    hub.wake(new Set(prepared.map((m) => m.channel)));
    return out;
  }

  function deliver(m: MessageRecord): Delivered {
    const d: Delivered = {
      id: m.id,
      channel: m.channel,
      sender: m.sender,
      content: m.content,
      timestamp: m.timestamp,
    };
    if (m.signature) {
      d.signed = true;
      d.signature = m.signature;
      d.sig_version = m.sigVersion === 2 ? 2 : 1;
      if (m.sigVersion === 2) {
        d.signed_at = m.sigTimestamp ?? 0;
        d.nonce = m.sigNonce ?? "";
      }
    }
    return d;
  }

  async function fetchUnread(channels: string[], agent: string, limit: number): Promise<MessageRecord[]> {
    const marks = await store.getWatermarks(agent, channels);
    return store.readAfter(
      channels.map((channel) => ({ channel, after: marks.get(channel) ?? 0 })),
      limit,
    );
  }

  async function advance(agent: string, messages: { id: number; channel: string }[]): Promise<void> {
    const top = new Map<string, number>();
    for (const m of messages) top.set(m.channel, Math.max(top.get(m.channel) ?? 0, m.id));
    for (const [channel, id] of top) await store.advanceWatermark(agent, channel, id);
  }

  return {
    limits,
    identity,
    hub,

    /** Stores one message after checking names, size and (in secure mode) its signature. */
    async send(input: SendInput): Promise<SendResult> {
      const [r] = await appendAll([await prepare(input)]);
      return r as SendResult;
    },

    /** Stores several messages in one transaction: all are checked first, then all are stored or none. */
    async sendBatch(inputs: SendInput[]): Promise<SendResult[]> {
      if (!Array.isArray(inputs) || inputs.length === 0) {
        throw new IpcError("invalid_argument", "messages must be a non-empty array");
      }
      if (inputs.length > limits.maxBatch) {
        throw new IpcError("too_large", `at most ${limits.maxBatch} messages in one batch`);
      }
      const prepared: NewMessage[] = [];
      for (const [i, input] of inputs.entries()) {
        try {
          prepared.push(await prepare(input));
        } catch (e) {
          if (e instanceof IpcError) throw new IpcError(e.code, `message ${i}: ${e.message}`);
          throw e;
        }
      }
      return appendAll(prepared);
    },

    /**
     * Reads unread messages of one agent on one or more channels, oldest first, one page at most.
     * With `wait`, blocks until a message arrives. Unless `peek`, moves the watermarks past what it returns.
     */
    async read(r: ReadRequest): Promise<Delivered[]> {
      const agent = checkName("agent", r.agent);
      if (r.channels.length === 0) throw new IpcError("invalid_argument", "channel is required");
      for (const c of r.channels) {
        checkName("channel", c);
        checkReadAccess(c, agent);
      }
      await checkActingAs(agent, r.principal);
      const limit = pageSize(r.limit, limits);
      const deadline = clock() + (r.timeoutMs ?? Number.POSITIVE_INFINITY);
      for (;;) {
        const ticket = r.wait ? hub.park(r.channels, deadline - clock(), r.signal) : undefined;
        let found: MessageRecord[];
        try {
          found = await fetchUnread(r.channels, agent, limit);
        } catch (e) {
          ticket?.cancel();
          throw e;
        }
        if (found.length > 0 || !ticket) {
          ticket?.cancel();
          if (!r.peek && found.length > 0) await advance(agent, found);
          return found.map(deliver);
        }
        const reason = await ticket.done;
        if (reason !== "woken") return [];
      }
    },

    /** Moves an agent's watermark on a channel forward to `id` (never back). */
    async ack(a: { channel: string; agent: string; id: number; principal: Principal }): Promise<void> {
      checkName("channel", a.channel);
      checkName("agent", a.agent);
      checkReadAccess(a.channel, a.agent);
      if (!Number.isSafeInteger(a.id) || a.id < 0)
        throw new IpcError("invalid_argument", "id must be a message id");
      await checkActingAs(a.agent, a.principal);
      await store.advanceWatermark(a.agent, a.channel, a.id);
    },

    /** Acknowledges everything in `messages` (the CLI calls this after printing them). */
    async ackDelivered(
      agent: string,
      messages: Pick<Delivered, "id" | "channel">[],
      principal: Principal,
    ): Promise<void> {
      await checkActingAs(agent, principal);
      await advance(agent, messages);
    },

    /** Channels with message counts, newest activity first. */
    async channels(): Promise<ChannelInfo[]> {
      return (await store.listChannels()).map((c) => ({
        channel: c.channel,
        count: c.count,
        last_message: c.lastMessage,
      }));
    },

    /** The agent directory (names, roles, identities; never keys). */
    async agents(): Promise<AgentInfo[]> {
      return (await store.listAgents()).map((a) => ({
        name: a.name,
        identity: a.identity,
        role: a.role,
        registered_by: a.registeredBy,
        created_at: a.createdAt,
        ...(a.revokedAt !== null ? { revoked_at: a.revokedAt } : {}),
      }));
    },

    /** Status, the agent's pending count on a channel when both are given, and the security mode. */
    async health(channel?: string, agent?: string): Promise<Health> {
      let pending = 0;
      if (channel && agent) {
        checkName("channel", channel);
        checkName("agent", agent);
        const marks = await store.getWatermarks(agent, [channel]);
        pending = await store.countAfter(channel, marks.get(channel) ?? 0);
      }
      return { status: "ok", pending, secure_mode: await identity.isSecure() };
    },

    /** The agent card; its did:key is derived from the first operator's key. */
    async agentCard(): Promise<AgentCard> {
      const firstOperator = (await store.listAgents()).find((a) => a.role === "operator");
      const url = options.card?.url ?? "";
      return {
        name: options.card?.name ?? "el-ipc",
        description:
          options.card?.description ?? "Message queue for AI coding agents: channels, watermarks, Ed25519",
        url,
        version: VERSION,
        did: firstOperator ? didKey(parsePublicKey(firstOperator.publicKey)) : null,
        secure_mode: firstOperator !== undefined,
        capabilities: { streaming: false, longPolling: true, signatures: ["ed25519-ref", "ed25519-v2"] },
        endpoints: {
          send: `${url}/send`,
          messages: `${url}/messages`,
          ack: `${url}/ack`,
          channels: `${url}/channels`,
          agents: `${url}/agents`,
          register: `${url}/register`,
          health: `${url}/health`,
        },
      };
    },

    /** Wakes all waiters and closes the store. */
    async close(): Promise<void> {
      hub.close();
      await store.close();
    },
  };
}

/** A queue, as returned by createQueue. */
export type Queue = ReturnType<typeof createQueue>;
