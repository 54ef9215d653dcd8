// Delivers new messages to every enabled webhook: in order per channel, one at a time per webhook, retried
// with exponential backoff for a bounded time, then the webhook is disabled with a `_security` notice. A
// webhook's cursor moves only after a 2xx, so a restart resumes where it stopped. On a store several
// servers share, a server delivers a webhook only while it holds the webhook's lease (claimWebhook).
import { randomBytes } from "node:crypto";
import { toDelivered } from "../core/delivered.js";
import { IpcError } from "../core/errors.js";
import type { SecurityEventInput } from "../core/security-log.js";
import { type LookupAll, resolveWebhookTarget, systemLookup } from "../core/webhook-address.js";
import { DELIVERY_LOG_KEEP } from "../core/webhooks.js";
import { webhookSecretBytes, webhookSignature } from "../crypto/webhook-signature.js";
import type { MessageRecord, WebhookRecord, WebhookStore } from "../store/types.js";
import { type PostFunction, type PostOutcome, postWebhook } from "./post.js";

/** Timings of deliveries; every field has a default in DEFAULT_DELIVERY. */
export interface DeliveryTimings {
  /** First retry after this many ms; each further one waits twice as long. Default 1,000. */
  retryBaseMs: number;
  /** Longest wait between two attempts, in ms. Default 300,000 (5 min). */
  retryMaxMs: number;
  /** A message failing this long (ms since its first failed attempt) disables the webhook. Default 3,600,000. */
  giveUpMs: number;
  /** One attempt's deadline, in ms. Default 10,000. */
  timeoutMs: number;
  /** How often the webhooks are looked at for new messages, in ms. Default 250. */
  pollMs: number;
}

/** The default timings. */
export const DEFAULT_DELIVERY: DeliveryTimings = {
  retryBaseMs: 1_000,
  retryMaxMs: 300_000,
  giveUpMs: 3_600_000,
  timeoutMs: 10_000,
  pollMs: 250,
};

/** Messages read per webhook per pass. */
const BATCH = 100;

/** How long after a refused claim a server asks again, in ms. */
const CLAIM_RETRY_MS = 1_000;

/** Options of the dispatcher. */
export interface DispatcherOptions {
  store: WebhookStore;
  /** Records a security event (Queue.reportSecurityEvent): a webhook disabled. */
  report: (event: SecurityEventInput) => void;
  /** Unix ms. Default Date.now. */
  clock?: () => number;
  /** Timings. Default DEFAULT_DELIVERY. */
  timings?: Partial<DeliveryTimings>;
  /** How a POST is made. Default postWebhook (node:http/https). */
  post?: PostFunction;
  /** Name resolution for the address check. Default the system resolver. */
  lookup?: LookupAll;
  /** Hears failures of the dispatcher itself (a busy store); it tries again on the next pass. */
  onError?: (err: unknown) => void;
}

/** A running dispatcher. */
export interface Dispatcher {
  /** Looks at the webhooks now instead of at the next pass. */
  kick(): void;
  /** Stops: aborts attempts in flight (they are retried after a restart) and waits for them. */
  stop(): Promise<void>;
}

interface HookState {
  busy: boolean;
  /** The message being retried and its attempts so far. */
  messageId: number;
  attempt: number;
  firstFailureAt: number;
  nextAt: number;
  /** When this dispatcher last took or renewed the webhook's lease (0: not held). */
  claimedAt: number;
}

/** The JSON body POSTed for one message (Standard Webhooks' type / timestamp / data). */
export function webhookPayload(hook: WebhookRecord, m: MessageRecord, now: number): string {
  return JSON.stringify({
    type: "message.created",
    timestamp: new Date(now).toISOString(),
    data: { ...toDelivered(m), webhook: hook.id },
  });
}

/** Starts delivering; call stop() before the store closes. */
export function startDispatcher(o: DispatcherOptions): Dispatcher {
  const clock = o.clock ?? Date.now;
  const t: DeliveryTimings = { ...DEFAULT_DELIVERY, ...o.timings };
  const post = o.post ?? postWebhook;
  const lookup = o.lookup ?? systemLookup;
  const states = new Map<number, HookState>();
  const running = new Set<Promise<void>>();
  const abort = new AbortController();
  let ticking = false;
  let again = false;
  const owner = randomBytes(8).toString("hex");
  // Long enough for a few attempts; renewed after a third of it, before each attempt.
  const leaseMs = Math.max(30_000, 3 * t.timeoutMs);

  /** True while this dispatcher may deliver `hook` (always, on a store without leases). */
  async function hold(hook: WebhookRecord, st: HookState): Promise<boolean> {
    if (!o.store.claimWebhook) return true;
    const now = clock();
    if (st.claimedAt > 0 && now - st.claimedAt < leaseMs / 3) return true;
    if (await o.store.claimWebhook(hook.id, owner, leaseMs / 1000)) {
      st.claimedAt = now;
      return true;
    }
    st.claimedAt = 0;
    st.nextAt = now + CLAIM_RETRY_MS;
    return false;
  }

  async function attempt(hook: WebhookRecord, m: MessageRecord): Promise<PostOutcome & { refused?: true }> {
    let target: Awaited<ReturnType<typeof resolveWebhookTarget>>;
    try {
      target = await resolveWebhookTarget(hook.url, hook.allowPrivate, lookup);
    } catch (e) {
      const refused = e instanceof IpcError && e.code === "forbidden";
      return {
        status: null,
        error: e instanceof Error ? e.message : "cannot resolve",
        ...(refused ? { refused } : {}),
      };
    }
    const key = webhookSecretBytes(hook.secret);
    if (!key) return { status: null, error: "the stored secret is not a whsec_ secret", refused: true };
    const now = clock();
    const id = `msg_${hook.id}_${m.id}`;
    const seconds = Math.floor(now / 1000);
    const body = webhookPayload(hook, m, now);
    const headers = {
      "content-type": "application/json",
      "user-agent": "el-ipc-webhooks",
      "webhook-id": id,
      "webhook-timestamp": String(seconds),
      "webhook-signature": webhookSignature(key, id, seconds, body),
    };
    return post(target, headers, body, t.timeoutMs, abort.signal);
  }

  async function disable(hook: WebhookRecord, reason: string): Promise<void> {
    await o.store.setWebhookDisabled(hook.id, { at: clock() / 1000, reason });
    states.delete(hook.id);
    o.report({
      type: "webhook_disabled",
      message: `webhook ${hook.id} (${hook.url}) disabled: ${reason}; el-ipc webhook enable ${hook.id} resumes it`,
      webhook: hook.id,
      channel: hook.pattern,
      operator: hook.createdBy,
    });
  }

  async function run(hook: WebhookRecord, st: HookState): Promise<void> {
    if (!(await hold(hook, st))) return;
    const messages = await o.store.webhookMessages(hook, BATCH);
    for (const m of messages) {
      if (abort.signal.aborted || !(await hold(hook, st))) return;
      if (st.messageId !== m.id) Object.assign(st, { messageId: m.id, attempt: 0, firstFailureAt: 0 });
      st.attempt++;
      const r = await attempt(hook, m);
      if (abort.signal.aborted) return;
      const at = clock();
      await o.store.logDelivery(
        {
          webhookId: hook.id,
          messageId: m.id,
          attempt: st.attempt,
          at: at / 1000,
          status: r.status,
          outcome: r.error === null ? "delivered" : "failed",
          error: r.error,
        },
        DELIVERY_LOG_KEEP,
      );
      if (r.error === null) {
        await o.store.advanceWebhook(hook.id, m.channel, m.id);
        continue;
      }
      if (st.firstFailureAt === 0) st.firstFailureAt = at;
      if (r.refused) return disable(hook, r.error);
      if (at - st.firstFailureAt >= t.giveUpMs) {
        return disable(
          hook,
          `message ${m.id} failed ${st.attempt} times over ${Math.round((at - st.firstFailureAt) / 1000)} s (last: ${r.error})`,
        );
      }
      st.nextAt = at + Math.min(t.retryBaseMs * 2 ** (st.attempt - 1), t.retryMaxMs);
      return;
    }
    // A full batch: more may be waiting.
    if (messages.length === BATCH) again = true;
  }

  async function tick(): Promise<void> {
    if (ticking || abort.signal.aborted) return;
    ticking = true;
    try {
      const hooks = await o.store.listWebhooks();
      const live = new Set<number>();
      for (const hook of hooks) {
        if (hook.disabledAt !== null) continue;
        live.add(hook.id);
        let st = states.get(hook.id);
        if (!st) {
          st = { busy: false, messageId: 0, attempt: 0, firstFailureAt: 0, nextAt: 0, claimedAt: 0 };
          states.set(hook.id, st);
        }
        if (st.busy || clock() < st.nextAt) continue;
        const state = st;
        state.busy = true;
        const p = run(hook, state)
          .catch((e: unknown) => o.onError?.(e))
          .finally(() => {
            state.busy = false;
            running.delete(p);
            if (again) {
              again = false;
              kick();
            }
          });
        running.add(p);
      }
      for (const id of states.keys()) if (!live.has(id)) states.delete(id);
    } catch (e) {
      o.onError?.(e);
    } finally {
      ticking = false;
    }
  }

  function kick(): void {
    void tick();
  }

  const timer = setInterval(kick, t.pollMs);
  timer.unref();
  kick();

  return {
    kick,
    async stop() {
      clearInterval(timer);
      abort.abort();
      while (running.size > 0) await Promise.all([...running]);
      // Leases held end now, so another server takes the webhooks over at once.
      const release = o.store.claimWebhook?.bind(o.store);
      if (release) {
        const held = [...states].filter(([, st]) => st.claimedAt > 0).map(([id]) => id);
        await Promise.all(held.map((id) => release(id, owner, 0).catch(() => false)));
      }
    },
  };
}
