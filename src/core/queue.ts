// The core of el-ipc: channels, messages, watermarks and waits, over one Store; the Queue it returns is
// described in queue-api.ts. Every policy decision (who may read, which signature counts) is made here or
// in identity.ts, access.ts and callers.ts.
import type { MessageRecord, NewMessage, Store } from "../store/types.js";
import { type Access, createAccess, type DefaultAccess } from "./access.js";
import { createAdminViews } from "./admin-views.js";
import { type Caller, callerOf, principalOf } from "./caller.js";
import { createCallerChecks } from "./callers.js";
import { buildAgentCard, type CardOptions } from "./card.js";
import { createDashboardViews } from "./dashboard.js";
import { createDashboardSessions } from "./dashboard-sessions.js";
import { toDelivered } from "./delivered.js";
import { IpcError } from "./errors.js";
import { createHub, type Hub } from "./hub.js";
import { createIdentity, type Identity, type SignatureCheck } from "./identity.js";
import { checkContent, checkName, DEFAULT_LIMITS, type Limits, messageBytes, pageSize } from "./limits.js";
import { createListings } from "./listings.js";
import { createMaintenance, MAINTENANCE_INTERVAL_MS, type RetentionPolicy } from "./maintenance.js";
import type { QueueObserver } from "./observer.js";
import type { Queue } from "./queue-api.js";
import { createSecurityLog, type SecurityListener, type SecurityLog } from "./security-log.js";
import { createSeek } from "./seek.js";
import { createStoreCache } from "./store-cache.js";
import { streamMessages } from "./stream.js";
import { createTokens } from "./tokens.js";
import type { SendInput, SendResult } from "./types.js";
import { createWebhooks } from "./webhooks.js";

/** Seconds a read refused by a full answer budget is asked to wait before it retries. */
export const BUSY_RETRY_SECONDS = 1;

/** How often a woken wait retries a store that became unavailable (it also retries on every wake-up), in ms. */
export const UNAVAILABLE_RETRY_MS = 1_000;

/** Options of a queue; every field but `store` has a default. */
export interface QueueOptions {
  store: Store;
  /** Current Unix time in ms. Default Date.now. */
  clock?: () => number;
  /** Size limits. Default DEFAULT_LIMITS. */
  limits?: Partial<Limits>;
  /** Accepted clock skew of signed timestamps, in ms. Default 300,000. */
  replayWindowMs?: number;
  /** What the agent card says about this server, and the key that signs it. Default unsigned, named el-ipc. */
  card?: CardOptions;
  /** Retention applied by maintenance (startMaintenance / maintain). Default none: keep everything. */
  retention?: RetentionPolicy;
  /** Access of registered agents to channels no grant/deny rule matches. Default "allow". */
  defaultAccess?: DefaultAccess;
  /** Hears every security event (refusals, replays, operator actions). Default none. */
  onSecurityEvent?: SecurityListener;
  /**
   * Security events written to the `_security` channel per second and source address at most (bursts of 5× that), in
   * secure mode. Default 0: none are written; the CLI and the server pass IPC_SECURITY_EVENTS (default 20).
   */
  securityEventsPerSecond?: number;
  /** Hears deliveries and wake-ups (the server's metrics). Default none. */
  observer?: QueueObserver;
}

export type { Caller } from "./caller.js";
export { ANONYMOUS, LOCAL } from "./caller.js";
export type { AgentCard } from "./card.js";
export type { QueueObserver } from "./observer.js";
export type {
  Queue,
  QueueAdministration,
  QueueDashboard,
  QueueDirectory,
  QueueMessages,
} from "./queue-api.js";

/** Creates a queue over a store. */
export function createQueue(options: QueueOptions): Queue {
  // Identities and the access version in memory between the store's change events (PostgreSQL only).
  const cache = createStoreCache(options.store);
  const store = cache.store;
  const clock = options.clock ?? Date.now;
  const observer = options.observer;
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const hub: Hub = createHub(store);
  const security: SecurityLog = createSecurityLog({
    store,
    clock,
    isSecure: () => identity.isSecure(),
    wake: (channels) => hub.wake(channels),
    perSecond: options.securityEventsPerSecond ?? 0,
    burst: (options.securityEventsPerSecond ?? 0) * 5,
  });
  if (options.onSecurityEvent) security.listen(options.onSecurityEvent);
  // An operator's revoke, rotate or access change made here sends proven waiters back to re-check their
  // caller; changes made by other processes reach the hub through the store's access version.
  security.listen((e) => {
    if (e.type === "admin" && e.action !== "register" && e.action !== "seek") hub.recheck();
  });
  const identity: Identity = createIdentity({
    store,
    clock,
    windowMs: options.replayWindowMs ?? 300_000,
    security,
  });
  const access: Access = createAccess({
    store,
    identity,
    security,
    clock,
    ...(options.defaultAccess ? { defaultAccess: options.defaultAccess } : {}),
  });
  let closed = false;
  const maintenance = createMaintenance({
    store,
    clock,
    ...(options.retention ? { retention: options.retention } : {}),
    isClosing: () => closed,
  });

  const { checkCaller, checkOperator, checkReader } = createCallerChecks({
    identity,
    access,
    security,
    checkToken: (id) => tokens.check(id),
  });
  const tokens = createTokens({ store, identity, security, clock, checkOperator });

  /**
   * Checks and builds a message. `provenBy`: the sender proved itself by other means than a signature
   * (a bearer token), so an unsigned message is taken as that caller's.
   */
  async function prepare(input: SendInput, provenBy?: Caller): Promise<NewMessage> {
    const channel = checkName("channel", input.channel);
    const sender = checkName("sender", input.sender);
    const content = checkContent(input.content, limits);
    if (
      input.key !== undefined &&
      (typeof input.key !== "string" || input.key.length < 1 || input.key.length > 128)
    ) {
      throw new IpcError("invalid_argument", "key must be a string of 1 to 128 characters");
    }
    const sig = provenBy ? await provenSender(provenBy, sender) : await identity.checkMessage(input);
    await access.authorize(sig.principal, sender, channel, "write");
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

  /** The signature check of an unsigned message from `caller`: in secure mode it must be the sender. */
  async function provenSender(caller: Caller, sender: string): Promise<SignatureCheck> {
    const unsigned: SignatureCheck = { signed: false, sigVersion: 0, principal: null };
    if (!(await identity.isSecure())) return unsigned;
    if (caller.kind !== "agent") {
      throw security.refuse("unauthenticated", "unauthorized", "secure mode is on: prove who sends", {
        action: "send",
        agent: sender,
      });
    }
    if (caller.agent !== sender) {
      throw security.refuse("forbidden", "forbidden", `authenticated as ${caller.agent}, not ${sender}`, {
        action: "send",
        agent: caller.agent,
      });
    }
    const rec = await identity.activeAgent(sender, { action: "send" });
    return { ...unsigned, principal: { agent: rec.name, role: rec.role } };
  }

  async function appendAll(prepared: NewMessage[]): Promise<SendResult[]> {
    const results = await store.append(prepared);
    const out = results.map((r, i): SendResult => {
      const m = prepared[i] as NewMessage;
      if ("replayed" in r) {
        throw security.refuse("replay", "replayed", "this signed message was already accepted (replay)", {
          action: "send",
          agent: m.sender,
          channel: m.channel,
        });
      }
      if ("conflict" in r) {
        throw new IpcError(
          "idempotency_conflict",
          "this idempotency key was already used by this sender for another message; use a new key",
        );
      }
      return { id: r.id, channel: m.channel, signed: m.sigVersion !== 0, duplicate: r.duplicate };
    });
    hub.wake(new Set(prepared.map((m) => m.channel)));
    return out;
  }

  const deliver = toDelivered;

  async function fetchUnread(channels: string[], agent: string, limit: number): Promise<MessageRecord[]> {
    const marks = await store.getWatermarks(agent, channels);
    const positions =
      channels.length === 1
        ? [{ channel: channels[0] as string, after: marks.get(channels[0] as string) ?? 0 }]
        : channels.map((channel) => ({ channel, after: marks.get(channel) ?? 0 }));
    return store.readAfter(positions, limit, limits.pageBytes);
  }

  // Runs once per answered read (thousands at once in a fan-out), so it allocates as little as it can.
  function advance(agent: string, messages: readonly { id: number; channel: string }[]): Promise<void> {
    const last = messages[messages.length - 1];
    if (!last) return Promise.resolve();
    if (messages.every((m) => m.channel === last.channel)) {
      let top = 0;
      for (const m of messages) if (m.id > top) top = m.id;
      return store.advanceWatermark(agent, last.channel, top);
    }
    const top = new Map<string, number>();
    for (const m of messages) top.set(m.channel, Math.max(top.get(m.channel) ?? 0, m.id));
    return Promise.all([...top].map(([channel, id]) => store.advanceWatermark(agent, channel, id))).then(
      () => undefined,
    );
  }

  const queue: Queue = {
    limits,

    async send(input) {
      const [r] = await appendAll([await prepare(input)]);
      return r as SendResult;
    },

    async sendAs(caller, input) {
      const [r] = await appendAll([await prepare({ ...input, signature: undefined }, caller)]);
      return r as SendResult;
    },

    async sendBatch(inputs) {
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

    async read(caller, r) {
      const agent = await checkReader(r.channels, r.agent, caller);
      const guarded = principalOf(caller) !== null;
      const limit = pageSize(r.limit, limits);
      const deadline = clock() + (r.timeoutMs ?? Number.POSITIVE_INFINITY);
      // A wait parks before it reads, so no message slips in between. A reader just woken reads first
      // and parks again only when it found nothing (a fan-out wakes thousands at once).
      let parkFirst = !!r.wait;
      let wokenAt = 0;
      // Woken at least once: a database lost since then is waited out (re-tried every UNAVAILABLE_RETRY_MS
      // or on the next wake-up) instead of ending the wait with an error.
      let woken = false;
      for (;;) {
        const ticket = parkFirst ? hub.park(r.channels, deadline - clock(), r.signal, guarded) : undefined;
        let found: MessageRecord[];
        try {
          found = await fetchUnread(r.channels, agent, limit);
        } catch (e) {
          ticket?.cancel();
          if (!(woken && r.wait && e instanceof IpcError && e.code === "unavailable" && clock() < deadline))
            throw e;
          const retry = hub.park(
            r.channels,
            Math.min(deadline - clock(), UNAVAILABLE_RETRY_MS),
            r.signal,
            guarded,
          );
          const why = await retry.done;
          if (why === "aborted" || (why === "timeout" && clock() >= deadline)) return [];
          if (why === "recheck" && guarded) await checkReader(r.channels, agent, caller);
          parkFirst = false;
          continue;
        }
        if (found.length > 0 || !r.wait) {
          ticket?.cancel();
          if (found.length > 0 && r.budget) {
            let bytes = 0;
            for (const m of found) bytes += messageBytes(m);
            if (!r.budget.take(bytes)) {
              throw new IpcError(
                "unavailable",
                "the server holds too many unsent answers; retry shortly",
                BUSY_RETRY_SECONDS,
              );
            }
          }
          if (!r.peek && found.length > 0) await advance(agent, found);
          if (observer && found.length > 0) {
            if (wokenAt) observer.woken((performance.now() - wokenAt) / 1000);
            observer.delivered(found);
          }
          return found.map(deliver);
        }
        parkFirst = true;
        if (!ticket) continue;
        const reason = await ticket.done;
        if (reason === "aborted") return [];
        if (reason === "timeout") return [];
        woken = true;
        parkFirst = false;
        wokenAt = ticket.wokenAt;
        // Secure mode: revoked, rotated or denied while waiting ends the wait without the messages.
        if (guarded) await checkReader(r.channels, agent, caller);
      }
    },

    async stream(caller, r) {
      const agent = await checkReader(r.channels, r.agent, caller);
      const channels = [...new Set(r.channels)];
      const after = r.after;
      const given =
        typeof after === "number" ? new Map(channels.map((c) => [c, after])) : (after ?? new Map());
      for (const id of given.values()) {
        if (!Number.isSafeInteger(id) || id < 0) {
          throw new IpcError("invalid_argument", "the resume position must be a message id");
        }
      }
      const rest = channels.filter((c) => !given.has(c));
      const marks = rest.length > 0 ? await store.getWatermarks(agent, rest) : new Map<string, number>();
      const positions = new Map(channels.map((c) => [c, given.get(c) ?? marks.get(c) ?? 0]));
      const deps = {
        store,
        hub,
        guarded: principalOf(caller) !== null,
        pageSize: limits.defaultPage,
        pageBytes: limits.pageBytes,
        ...(r.budget ? { budget: r.budget } : {}),
        deliver,
        ...(observer ? { observer } : {}),
        recheck: async () => {
          await checkReader(channels, agent, caller);
        },
      };
      return streamMessages(deps, agent, positions, !!r.autoack, r.signal);
    },

    async ack(caller, a) {
      checkName("channel", a.channel);
      checkName("agent", a.agent);
      if (!Number.isSafeInteger(a.id) || a.id < 0)
        throw new IpcError("invalid_argument", "id must be a message id");
      await checkReader([a.channel], a.agent, caller);
      const before = (await store.getWatermarks(a.agent, [a.channel])).get(a.channel) ?? 0;
      if (a.id <= before) return before;
      const [atOrAfter] = await store.readAfter([{ channel: a.channel, after: a.id - 1 }], 1);
      if (atOrAfter === undefined) {
        throw new IpcError(
          "invalid_argument",
          `id ${a.id} is beyond the last message of channel '${a.channel}'; acknowledging it would skip messages not yet sent`,
        );
      }
      await store.advanceWatermark(a.agent, a.channel, a.id);
      return a.id;
    },

    ...createSeek({ store, hub, identity, security, checkReader, checkOperator }),

    async ackDelivered(caller, agent, messages) {
      if (messages.length === 0) return;
      await checkReader([...new Set(messages.map((m) => m.channel))], agent, caller);
      await advance(agent, messages);
    },

    ...createListings({ store, access, checkCaller }),

    async health(caller, q = {}) {
      const { channel, agent } = q;
      let pending = 0;
      if (channel && agent) {
        checkName("channel", channel);
        checkName("agent", agent);
        if (caller.kind !== "local") await checkReader([channel], agent, caller);
        const marks = await store.getWatermarks(agent, [channel]);
        pending = await store.countAfter(channel, marks.get(channel) ?? 0);
      }
      return { status: "ok", pending, secure_mode: await identity.isSecure() };
    },

    async agentCard(baseUrl) {
      return buildAgentCard(await store.listAgents(), options.card ?? {}, baseUrl);
    },
    isSecure: () => identity.isSecure(),
    authenticate: async (proof) => callerOf(await identity.authenticate(proof)),
    proveKey: async (agent, key) => callerOf(await identity.principalFromKey(agent, key)),
    keyMismatch: (_local, agent, key) => identity.keyMismatch(agent, key),
    waiting: () => hub.size(),

    authenticateToken: (token) => tokens.authenticate(token),

    issueToken: (caller, r) => tokens.issue(caller, r),
    revokeToken: (caller, id) => tokens.revoke(caller, id),
    tokens: (caller, agent) => tokens.list(caller, agent),
    seed: (_local, name) => identity.seed(name),
    register: (r) => identity.register(r),
    revoke: (r) => identity.revoke(r),
    rotate: (r) => identity.rotate(r),
    setAccessRule: (r) => access.setRule(r),
    unsetAccessRule: (r) => access.unsetRule(r),
    ...createAdminViews({ store, checkOperator }),
    ...createDashboardViews({ store, isSecure: () => identity.isSecure(), checkOperator }),
    ...createDashboardSessions({ security, isSecure: () => identity.isSecure(), checkOperator, clock }),
    ...createWebhooks({ store, identity, security, clock, checkOperator }),
    requireOperator: (caller, what) => checkOperator(caller, what, what),
    onSecurityEvent: (listener) => security.listen(listener),
    reportSecurityEvent: (event) => security.report(event),
    setSecuritySource: (sourceOf) => security.useSource(sourceOf),
    flushSecurityEvents: () => security.flush(),
    droppedSecurityEvents: () => security.dropped(),

    maintain: () => maintenance.runOnce(),
    startMaintenance(intervalMs = MAINTENANCE_INTERVAL_MS, onError) {
      maintenance.start(intervalMs, onError);
    },
    stopMaintenance() {
      maintenance.stop();
    },
    async close() {
      closed = true;
      maintenance.stop();
      hub.close();
      await security.summarize();
      await security.flush();
      cache.close();
      await store.close();
    },
  };
  return queue;
}
