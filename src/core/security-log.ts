// Seeing attacks: every refused signature, replay, unauthorized access and revoked-agent attempt becomes
// a structured event, handed to listeners (the server's logger) and appended to the `_security` channel,
// which only operators may read. Channel writes are rate-limited so an attacker cannot flood the store.
import type { Store } from "../store/types.js";
import { type ErrorCode, IpcError } from "./errors.js";

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
  /** An operator changed identities or access (register, revoke, rotate, grant, deny). */
  | "admin";

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
  /** Where the request came from, when the face knows it. */
  remote?: string;
  /** Events not written to the channel since the previous written one (rate limit). */
  dropped?: number;
}

/** Fields a reporter gives; `at` is added from the clock. */
export type SecurityEventInput = Omit<SecurityEvent, "at" | "dropped">;

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
  /** Resolves once every channel write started so far has finished. */
  flush(): Promise<void>;
}

/** Creates a security log. */
export function createSecurityLog(o: SecurityLogOptions): SecurityLog {
  const perSecond = o.perSecond ?? 20;
  const burst = o.burst ?? perSecond * 5;
  const listeners = new Set<SecurityListener>();
  let tokens = burst;
  let refilledAt = o.clock();
  let droppedTotal = 0;
  let droppedSinceWrite = 0;
  const inFlight = new Set<Promise<void>>();

  function takeToken(): boolean {
    const now = o.clock();
    tokens = Math.min(burst, tokens + ((now - refilledAt) / 1000) * perSecond);
    refilledAt = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  }

  async function write(event: SecurityEvent): Promise<void> {
    try {
      if (perSecond <= 0 || !(await o.isSecure())) return;
      if (!takeToken()) {
        droppedTotal++;
        droppedSinceWrite++;
        return;
      }
      const content = JSON.stringify(
        droppedSinceWrite > 0 ? { ...event, dropped: droppedSinceWrite } : event,
      );
      droppedSinceWrite = 0;
      await o.store.append([
        {
          channel: SECURITY_CHANNEL,
          sender: SECURITY_SENDER,
          content,
          timestamp: event.at / 1000,
          signature: "",
          sigVersion: 0,
          sigTimestamp: null,
          sigNonce: null,
        },
      ]);
      o.wake([SECURITY_CHANNEL]);
    } catch {
      // The store is closing or busy; the listeners (the log) still saw the event.
    }
  }

  function report(input: SecurityEventInput): void {
    const event: SecurityEvent = { ...input, at: o.clock() };
    for (const l of listeners) {
      try {
        l(event);
      } catch {
        // A failing listener must not turn a refusal into a 500.
      }
    }
    const p = write(event);
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
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
    async flush() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
}
