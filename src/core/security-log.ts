// Seeing attacks: every refused signature, replay, unauthorized access and revoked-agent attempt becomes
// a structured event, handed to listeners (the server's logger) and appended to the `_security` channel,
// which only operators may read. Channel writes are budgeted per source address, so a flood from one
// address can neither flood the store nor hide others' events; dropped ones are summarized.
import type { Store } from "../store/types.js";
import { type ErrorCode, IpcError } from "./errors.js";
import { createSecurityBudget, type DroppedSummary, LOCAL_SOURCE } from "./security-budget.js";

/** The channel security events are written to; only operators read it, nobody sends to it. */
export const SECURITY_CHANNEL = "_security";
/** Sender of the messages on the security channel. */
export const SECURITY_SENDER = "el-ipc";

/** What happened. */
export type SecurityEventType =
  /** A signature or proof that does not verify, or a signed time outside the window. */
  | "bad_signature"
  /** A nonce or reference-form signature used a second time. */
  | "replay"
  /** Secure mode and no signature or proof at all. */
  | "unauthenticated"
  /** A signature or proof by a name nobody registered. */
  | "unknown_agent"
  /** A revoked agent tried to act. */
  | "revoked_agent"
  /** A request proven with a key that was rotated since (a wait it opened ends). */
  | "rotated_key"
  /** Acting as another agent, or an operator action by a non-operator. */
  | "forbidden"
  /** A channel the agent may not read or write (inbox, `_security`, grant/deny rules). */
  | "access_denied"
  /** The HTTP face refused a request for its rate or its number of waiting reads. */
  | "rate_limited"
  /** An operator changed identities or access (register, revoke, rotate, grant, deny, unset), or a watermark was moved (seek). */
  | "admin"
  /** Events of one source not written for its budget (one summary per source and window). */
  | "dropped"
  /** A webhook stopped delivering: repeated failure, or its address turned out to be internal. */
  | "webhook_disabled";

/** One security event (the JSON content of a `_security` message). */
export interface SecurityEvent {
  type: SecurityEventType;
  /** Unix ms. */
  at: number;
  /** The error code the caller got, when the event is a refusal. */
  code?: ErrorCode;
  /** One line for humans. */
  message: string;
  /** What was attempted: send, read, ack, register, revoke, rotate, grant, deny, ... */
  action?: string;
  /** The agent (claimed or proven) the attempt was made as. */
  agent?: string;
  /** The channel(s) involved. */
  channel?: string;
  /** The operator of an admin action. */
  operator?: string;
  /** Of a seek: who moved the watermark (the agent itself, or an operator). */
  by?: string;
  /** Of a seek: the watermark before. */
  from?: number;
  /** Of a seek: the watermark after. */
  to?: number;
  /** Where the request came from, when the face knows it. */
  remote?: string;
  /** Of a `dropped` summary: how many events of `remote` were not written. */
  dropped?: number;
  /** Of a `webhook_disabled` notice: the webhook's id. */
  webhook?: number;
  /** Of a `dropped` summary: how many of each type. */
  kinds?: Partial<Record<SecurityEventType, number>>;
}

/** Fields a reporter gives; `at` is added from the clock. */
export type SecurityEventInput = Omit<SecurityEvent, "at" | "dropped" | "kinds">;

/** Gives the address of the client whose request is being handled, if any (a face supplies it). */
export type SourceOf = () => string | undefined;

/** Options of the security log. */
export interface SecurityLogOptions {
  store: Store;
  /** Unix ms. */
  clock: () => number;
  /** Whether to write to the channel (secure mode only: in open mode nobody could read it). */
  isSecure: () => Promise<boolean>;
  /** Wakes readers waiting on the security channel after a write. */
  wake: (channels: string[]) => void;
  /** Channel writes per second; 0 writes nothing to the channel. Default 20. */
  perSecond?: number;
  /** Channel writes allowed at once after a quiet time. Default 5 × perSecond. */
  burst?: number;
  /** Ms between a first dropped event and the summaries of the dropped ones. Default 5,000. */
  summaryMs?: number;
  /** Sources (addresses) with their own budget at once; the rest share one. Default 128. */
  maxSources?: number;
}

/** Receives every event (not rate-limited). */
export type SecurityListener = (event: SecurityEvent) => void;

/** The security log of one queue. */
export interface SecurityLog {
  /** Records an event: listeners first, then (rate-limited, secure mode only) the channel. */
  report(event: SecurityEventInput): void;
  /** Reports a refusal and returns the error to throw. */
  refuse(
    type: SecurityEventType,
    code: ErrorCode,
    message: string,
    ctx?: Partial<SecurityEventInput>,
  ): IpcError;
  /** Adds a listener; returns the function that removes it. */
  listen(listener: SecurityListener): () => void;
  /** Events not written to the channel because of the rate limit, since the start. */
  dropped(): number;
  /**
   * Sets where events without a `remote` come from (the HTTP face: the address of the request being
   * handled); returns the function that unsets it. Events with no source share the "local" budget.
   */
  useSource(sourceOf: SourceOf): () => void;
  /** Writes the summaries of dropped events now instead of at the end of the window. */
  summarize(): Promise<void>;
  /** Resolves once every channel write started so far has finished. */
  flush(): Promise<void>;
}

/** Creates a security log. */
export function createSecurityLog(o: SecurityLogOptions): SecurityLog {
  const perSecond = o.perSecond ?? 20;
  const summaryMs = o.summaryMs ?? 5_000;
  const budget = createSecurityBudget({
    clock: o.clock,
    perSecond,
    burst: o.burst ?? perSecond * 5,
    ...(o.maxSources !== undefined ? { maxSources: o.maxSources } : {}),
  });
  const listeners = new Set<SecurityListener>();
  let sourceOf: SourceOf | undefined;
  let droppedTotal = 0;
  let timer: NodeJS.Timeout | undefined;
  const inFlight = new Set<Promise<void>>();

  async function append(event: SecurityEvent): Promise<void> {
    await o.store.append([
      {
        channel: SECURITY_CHANNEL,
        sender: SECURITY_SENDER,
        content: JSON.stringify(event),
        timestamp: event.at / 1000,
        signature: "",
        sigVersion: 0,
        sigTimestamp: null,
        sigNonce: null,
      },
    ]);
    o.wake([SECURITY_CHANNEL]);
  }

  function summaryOf(d: DroppedSummary, at: number): SecurityEvent {
    const kinds = Object.entries(d.kinds)
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k}×${n}`)
      .join(", ");
    return {
      type: "dropped",
      at,
      message: `dropped ${d.count} events from ${d.source} (kinds: ${kinds})`,
      remote: d.source,
      dropped: d.count,
      kinds: d.kinds as SecurityEvent["kinds"],
    };
  }

  async function summarize(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    const at = o.clock();
    for (const d of budget.drain()) {
      try {
        await append(summaryOf(d, at));
      } catch {
        // The store is closing or busy; the listeners (the log) saw every event.
      }
    }
  }

  function track(p: Promise<void>): void {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  }

  async function write(event: SecurityEvent, source: string): Promise<void> {
    try {
      if (perSecond <= 0 || !(await o.isSecure())) return;
      if (!budget.take(source, event.type)) {
        droppedTotal++;
        // One summary per source per window: summaries are bounded by the number of tracked sources.
        if (!timer) {
          timer = setTimeout(() => track(summarize()), summaryMs);
          timer.unref();
        }
        return;
      }
      await append(event);
    } catch {
      // The store is closing or busy; the listeners (the log) still saw the event.
    }
  }

  function report(input: SecurityEventInput): void {
    // Read now, synchronously: the face's source is the request being handled at this moment.
    const remote = input.remote ?? sourceOf?.();
    const event: SecurityEvent = { ...input, ...(remote !== undefined ? { remote } : {}), at: o.clock() };
    for (const l of listeners) {
      try {
        l(event);
      } catch {
        // A failing listener must not turn a refusal into a 500.
      }
    }
    track(write(event, remote ?? LOCAL_SOURCE));
  }

  return {
    report,
    refuse(type, code, message, ctx = {}) {
      report({ ...ctx, type, code, message });
      return new IpcError(code, message);
    },
    listen(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    dropped: () => droppedTotal,
    useSource(fn) {
      sourceOf = fn;
      return () => {
        if (sourceOf === fn) sourceOf = undefined;
      };
    },
    summarize: () => {
      const p = summarize();
      track(p);
      return p;
    },
    async flush() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
}
