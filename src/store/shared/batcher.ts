// Calls made in one turn of the event loop, run together: one transaction for many appends or watermark
// moves, one query for many watermark look-ups. A fan-out wakes thousands of readers in one turn. Shared by
// every backend: SQLite runs a batch synchronously, a networked backend returns a promise.
import type { AppendResult, NewMessage } from "../types.js";

/** What one batched call got: a value, or an error of its own. */
export type Outcome<O> = { value: O } | { error: unknown };

/** Collects calls until the scheduled flush runs them all. */
export interface Batcher<I, O> {
  /** Adds a call to the next flush; resolves or rejects with that call's outcome. */
  push(item: I): Promise<O>;
  /** Runs the calls collected so far now (used on close); an asynchronous run is not awaited. */
  flush(): void;
}

/** Options of createBatcher. */
export interface BatcherOptions<I, O> {
  /**
   * Schedules the flush: `setImmediate` for writes (every call of the turn joins the transaction), or
   * `queueMicrotask` for reads (callers woken together join; nobody waits for I/O).
   */
  schedule: (flush: () => void) => void;
  /**
   * Runs a batch; returns (or resolves to) one outcome per item, in order. A throw or rejection fails every
   * item of the batch. While an asynchronous batch runs, new calls collect for the next one.
   */
  run: (items: I[]) => Outcome<O>[] | Promise<Outcome<O>[]>;
  /** Turns a thrown error into the error the callers get. Default: unchanged. */
  mapError?: (e: unknown) => unknown;
}

interface Pending<I, O> {
  item: I;
  resolve: (v: O) => void;
  reject: (e: unknown) => void;
}

/** Creates a batcher; see BatcherOptions. */
export function createBatcher<I, O>(o: BatcherOptions<I, O>): Batcher<I, O> {
  let pending: Pending<I, O>[] = [];
  const mapError = o.mapError ?? ((e: unknown) => e);

  // An asynchronous batch in flight: the next flush waits for it (one transaction at a time, in order).
  let running: Promise<void> | undefined;

  function settle(batch: Pending<I, O>[], outcomes: Outcome<O>[]): void {
    batch.forEach((p, i) => {
      const out = outcomes[i];
      if (out && "value" in out) p.resolve(out.value);
      else p.reject(mapError(out ? out.error : new Error("batch returned no outcome")));
    });
  }

  function fail(batch: Pending<I, O>[], e: unknown): void {
    const err = mapError(e);
    for (const p of batch) p.reject(err);
  }

  function flush(): void {
    if (running) return;
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    let outcomes: Outcome<O>[] | Promise<Outcome<O>[]>;
    try {
      outcomes = o.run(batch.map((p) => p.item));
    } catch (e) {
      fail(batch, e);
      return;
    }
    if (!(outcomes instanceof Promise)) {
      settle(batch, outcomes);
      return;
    }
    running = outcomes.then(
      (out) => settle(batch, out),
      (e) => fail(batch, e),
    );
    void running.then(() => {
      running = undefined;
      if (pending.length > 0) flush();
    });
  }

  return {
    push(item) {
      return new Promise<O>((resolve, reject) => {
        if (pending.length === 0 && !running) o.schedule(flush);
        pending.push({ item, resolve, reject });
      });
    },
    flush,
  };
}

/** Hears a group commit: `channels` of the messages newly stored, `calls` the append calls it joined. */
export type CommitListener = (channels: readonly string[], calls: number) => void;

/** Tells `listener` about one committed batch of append calls (duplicates and refusals are not stored). */
export function reportCommit(
  listener: CommitListener,
  batch: readonly NewMessage[][],
  out: readonly Outcome<AppendResult[]>[],
): void {
  const channels: string[] = [];
  batch.forEach((msgs, i) => {
    const o = out[i];
    if (!o || !("value" in o)) return;
    o.value.forEach((r, j) => {
      if ("id" in r && !r.duplicate) channels.push((msgs[j] as NewMessage).channel);
    });
  });
  listener(channels, batch.length);
}
