// The idempotency window and the rule that answers a repeated send, shared by every backend: a backend
// looks up the earlier message a key names and stores new keys; what the answer is is decided here.
import type { AppendResult, NewMessage } from "../types.js";

/** Idempotency keys are remembered this long (ms). */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

/** The earlier message an idempotency key names, as the backend found it. */
export interface PriorSend {
  id: number;
  channel: string;
  content: string;
  /** Its signature, "" or null when unsigned. */
  signature: string | null;
}

/** The message's time in Unix ms: keys that expired before it are not looked at. */
export function idempotencyNow(m: NewMessage): number {
  return Math.round(m.timestamp * 1000);
}

/** When a key stored with this message expires (Unix ms). */
export function idempotencyExpiry(m: NewMessage): number {
  return idempotencyNow(m) + IDEMPOTENCY_WINDOW_MS;
}

/**
 * The answer to a message whose key names `prior`, or undefined to store it as new (no prior, and its
 * proof fresh). `fresh` says whether its replay proof was unused (true when it has none). The proof is
 * consumed before the key is looked up, so a key reveals an earlier message only to a request whose own
 * proof is fresh, or to the identical signed body resent after a lost answer.
 */
export function answerRepeat(
  m: NewMessage,
  fresh: boolean,
  prior: PriorSend | undefined,
): AppendResult | undefined {
  if (prior) {
    const same = prior.channel === m.channel && prior.content === m.content;
    if (!fresh) {
      return same && (prior.signature ?? "") === m.signature
        ? { id: prior.id, duplicate: true }
        : { replayed: true };
    }
    return same ? { id: prior.id, duplicate: true } : { conflict: true };
  }
  return fresh ? undefined : { replayed: true };
}
