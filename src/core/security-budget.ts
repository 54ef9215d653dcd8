// Budgets of `_security` writes: one token bucket per source address (local callers share one), a
// server-wide ceiling, and the count of dropped events per source and kind, for the summaries.

/** The source of events that carry no address (the local CLI, the core itself). */
export const LOCAL_SOURCE = "local";
/** The shared source of addresses beyond the tracked ones. */
export const OTHER_SOURCE = "other addresses";

/** Options of the budgets. */
export interface SecurityBudgetOptions {
  /** Unix ms. */
  clock: () => number;
  /** Writes per second of one source. */
  perSecond: number;
  /** Writes at once of one source after a quiet time. */
  burst: number;
  /** Writes per second and burst of all sources together, as multiples of one source's. Default 10. */
  ceiling?: number;
  /** Sources tracked at once; the rest share OTHER_SOURCE. Default 128. */
  maxSources?: number;
}

/** Dropped events of one source since its last summary. */
export interface DroppedSummary {
  source: string;
  count: number;
  kinds: Record<string, number>;
}

/** Decides which events are written and counts the others. */
export interface SecurityBudget {
  /** Takes a write from `source`'s budget; false (and counted as dropped) when none is left. */
  take(source: string, kind: string): boolean;
  /** Returns and forgets the dropped counts of every source. */
  drain(): DroppedSummary[];
}

interface Bucket {
  tokens: number;
  at: number;
  dropped: number;
  kinds: Map<string, number>;
}

/** Creates the budgets. */
export function createSecurityBudget(o: SecurityBudgetOptions): SecurityBudget {
  const ceiling = o.ceiling ?? 10;
  const maxSources = o.maxSources ?? 128;
  const sources = new Map<string, Bucket>();
  const all: Bucket = { tokens: o.burst * ceiling, at: o.clock(), dropped: 0, kinds: new Map() };

  function refill(b: Bucket, perSecond: number, burst: number, now: number): void {
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * perSecond);
    b.at = now;
  }

  /** The bucket of `source`, or the shared one when the table is full of busy sources. */
  function bucketOf(source: string, now: number): Bucket {
    const known = sources.get(source);
    if (known) return known;
    if (sources.size >= maxSources) {
      // Forget sources that are back to a full budget and owe no summary: they lose nothing.
      for (const [k, b] of sources) {
        refill(b, o.perSecond, o.burst, now);
        if (k !== OTHER_SOURCE && b.dropped === 0 && b.tokens >= o.burst) sources.delete(k);
      }
    }
    const key = sources.size >= maxSources ? OTHER_SOURCE : source;
    let b = sources.get(key);
    if (!b) {
      b = { tokens: o.burst, at: now, dropped: 0, kinds: new Map() };
      sources.set(key, b);
    }
    return b;
  }

  return {
    take(source, kind) {
      const now = o.clock();
      const b = bucketOf(source, now);
      refill(b, o.perSecond, o.burst, now);
      refill(all, o.perSecond * ceiling, o.burst * ceiling, now);
      if (b.tokens >= 1 && all.tokens >= 1) {
        b.tokens -= 1;
        all.tokens -= 1;
        return true;
      }
      b.dropped++;
      b.kinds.set(kind, (b.kinds.get(kind) ?? 0) + 1);
      return false;
    },
    drain() {
      const out: DroppedSummary[] = [];
      for (const [source, b] of sources) {
        if (b.dropped === 0) continue;
        out.push({ source, count: b.dropped, kinds: Object.fromEntries(b.kinds) });
        b.dropped = 0;
        b.kinds.clear();
      }
      return out;
    },
  };
}
