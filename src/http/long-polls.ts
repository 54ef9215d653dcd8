// The long-polls in flight on one server, so a shutdown can end them all at once instead of waiting
// for their timeouts.

/** Tracks the abort controllers of waiting reads. */
export interface LongPolls {
  /** A controller for a new wait; already aborted once the server is closing. */
  open(): AbortController;
  /** Forgets a finished wait. */
  done(controller: AbortController): void;
  /** Aborts every wait, now and from now on. */
  abortAll(): void;
  /** True once abortAll was called. */
  closing(): boolean;
  /** Number of waits in flight. */
  size(): number;
}

/** Creates an empty long-poll registry. */
export function createLongPolls(): LongPolls {
  const active = new Set<AbortController>();
  let closing = false;
  return {
    open() {
      const c = new AbortController();
      if (closing) c.abort();
      else active.add(c);
      return c;
    },
    done(c) {
      active.delete(c);
    },
    abortAll() {
      closing = true;
      for (const c of active) c.abort();
      active.clear();
    },
    closing: () => closing,
    size: () => active.size,
  };
}
