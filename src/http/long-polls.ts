// The long-polls in flight on one server, so a shutdown can end them all at once instead of waiting
// for their timeouts, and so one agent cannot hold more than its share of them.
import { IpcError } from "../core/errors.js";

/** Tracks the abort controllers of waiting reads. */
export interface LongPolls {
  /**
   * A controller for a new wait; already aborted once the server is closing. With `key` (the waiting
   * agent), refuses with rate_limited when that key already holds `maxPerKey` waits.
   */
  open(key?: string): AbortController;
  /** Forgets a finished wait. */
  done(controller: AbortController): void;
  /** Aborts every wait, now and from now on. */
  abortAll(): void;
  /** True once abortAll was called. */
  closing(): boolean;
  /** Number of waits in flight. */
  size(): number;
}

/** Options of a long-poll registry. */
export interface LongPollOptions {
  /** Waits one key may hold at once; 0 for no cap. Default 0. */
  maxPerKey?: number;
  /** Called when a wait is refused for its key's cap. */
  onRefused?: (key: string) => void;
}

/** Seconds a client refused for too many waits is asked to wait before trying again. */
export const WAIT_CAP_RETRY_SECONDS = 1;

/** Creates an empty long-poll registry. */
export function createLongPolls(options: LongPollOptions = {}): LongPolls {
  const max = options.maxPerKey ?? 0;
  const active = new Set<AbortController>();
  const keyOf = new Map<AbortController, string>();
  const perKey = new Map<string, number>();
  let closing = false;
  return {
    open(key) {
      if (key !== undefined && max > 0) {
        const n = perKey.get(key) ?? 0;
        if (n >= max) {
          options.onRefused?.(key);
          throw new IpcError(
            "rate_limited",
            `${key} already has ${max} waiting reads open; retry after one of them ends`,
            WAIT_CAP_RETRY_SECONDS,
          );
        }
      }
      const c = new AbortController();
      if (closing) c.abort();
      else {
        active.add(c);
        if (key !== undefined && max > 0) {
          keyOf.set(c, key);
          perKey.set(key, (perKey.get(key) ?? 0) + 1);
        }
      }
      return c;
    },
    done(c) {
      active.delete(c);
      const key = keyOf.get(c);
      if (key === undefined) return;
      keyOf.delete(c);
      const n = (perKey.get(key) ?? 1) - 1;
      if (n > 0) perKey.set(key, n);
      else perKey.delete(key);
    },
    abortAll() {
      closing = true;
      for (const c of active) c.abort();
      active.clear();
      keyOf.clear();
      perKey.clear();
    },
    closing: () => closing,
    size: () => active.size,
  };
}
