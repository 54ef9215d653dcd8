// Background upkeep of a queue: retention (old messages by age and by count per channel) and forgetting
// expired replay proofs and idempotency keys. The queue runs it; faces only start and stop it.
import type { Store } from "../store/types.js";

/** How long messages are kept (IPC_RETENTION). An absent field sets no limit. */
export interface RetentionPolicy {
  /** Delete messages older than this many ms. */
  maxAgeMs?: number;
  /** Keep at most this many newest messages per channel. */
  keepPerChannel?: number;
}

/** Options of createMaintenance. */
export interface MaintenanceOptions {
  store: Store;
  /** Current Unix time in ms. */
  clock: () => number;
  /** Retention; default none (messages are kept forever). */
  retention?: RetentionPolicy;
  /** True once the owner is closing the store; a pass then ends early. Default never. */
  isClosing?: () => boolean;
  /** Most messages one pass deletes; the next pass continues. Default 100,000. */
  maxRowsPerPass?: number;
}

/** Result of one maintenance pass. */
export interface MaintenanceReport {
  /** Messages deleted by retention. */
  pruned: number;
}

/** Periodic upkeep of one store. */
export interface Maintenance {
  /** Runs one pass now (waits for a pass already running instead of starting another). */
  runOnce(): Promise<MaintenanceReport>;
  /** Runs a pass now and then every `intervalMs`; `onError` hears about failed passes. */
  start(intervalMs: number, onError?: (err: unknown) => void): void;
  /** Stops the timer; a pass already running ends early once the store closes. */
  stop(): void;
}

/** Default interval between maintenance passes of a server, in ms. */
export const MAINTENANCE_INTERVAL_MS = 60_000;

/** Creates the maintenance of one store. */
export function createMaintenance(o: MaintenanceOptions): Maintenance {
  const maxRows = o.maxRowsPerPass ?? 100_000;
  const { maxAgeMs, keepPerChannel } = o.retention ?? {};
  let running: Promise<MaintenanceReport> | undefined;
  let timer: NodeJS.Timeout | undefined;

  async function pass(): Promise<MaintenanceReport> {
    if (o.isClosing?.()) return { pruned: 0 };
    const now = o.clock();
    let pruned = 0;
    if (maxAgeMs !== undefined || keepPerChannel !== undefined) {
      pruned = await o.store.prune({
        ...(maxAgeMs !== undefined ? { before: (now - maxAgeMs) / 1000 } : {}),
        ...(keepPerChannel !== undefined ? { keepPerChannel } : {}),
        maxRows,
      });
    }
    // Closed mid-pass: the store stopped pruning early and must not be used again.
    if (!o.isClosing?.()) await o.store.pruneExpired(now);
    return { pruned };
  }

  const m: Maintenance = {
    runOnce() {
      running ??= pass().finally(() => {
        running = undefined;
      });
      return running;
    },
    start(intervalMs, onError) {
      m.stop();
      const tick = (): void => {
        m.runOnce().catch((err: unknown) => onError?.(err));
      };
      tick();
      timer = setInterval(tick, intervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
  return m;
}
