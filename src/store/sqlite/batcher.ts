// Calls made in one turn of the event loop, run together: one transaction for many appends or watermark
// moves, one query for many watermark look-ups. A fan-out wakes thousands of readers in one turn.

/** What one batched call got: a value, or an error of its own. */
export type Outcome<O> = { value: O } | { error: unknown };

/** Collects calls until the scheduled flush runs them all. */
export interface Batcher<I, O> {
  /** Adds a call to the next flush; resolves or rejects with that call's outcome. */
  push(item: I): Promise<O>;
  /** Runs the calls collected so far now (used on close). */
  flush(): void;
}

/** Options of createBatcher. */
export interface BatcherOptions<I, O> {
  /**
   * Schedules the flush: `setImmediate` for writes (every call of the turn joins the transaction), or
   * `queueMicrotask` for reads (callers woken together join; nobody waits for I/O).
   */
  schedule: (flush: () => void) => void;
  /** Runs a batch; returns one outcome per item, in order. A throw fails every item of the batch. */
  run: (items: I[]) => Outcome<O>[];
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

  function flush(): void {
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    let outcomes: Outcome<O>[];
    try {
      outcomes = o.run(batch.map((p) => p.item));
    } catch (e) {
      const err = mapError(e);
      for (const p of batch) p.reject(err);
      return;
    }
    batch.forEach((p, i) => {
      const out = outcomes[i];
      if (out && "value" in out) p.resolve(out.value);
      else p.reject(mapError(out ? out.error : new Error("batch returned no outcome")));
    });
  }

  return {
    push(item) {
      return new Promise<O>((resolve, reject) => {
        if (pending.length === 0) o.schedule(flush);
        pending.push({ item, resolve, reject });
      });
    },
    flush,
  };
}
