// While the database cannot be reached, queries fail at once as unavailable (503) instead of queueing in the
// driver: it rejects only the one query a failed connection attempt was opened for and keeps the rest until
// the database answers again, so after the first seconds of an outage requests hung and ran minutes later,
// after their clients had given up. The first connection-level failure opens the breaker; a probe query
// closes it once the database answers.
import type { Sql } from "postgres";
import { IpcError } from "../../core/errors.js";

/** Pause between two probes of a database that cannot be reached, in ms. */
const PROBE_MS = 500;
/** Longest wait for a probe's answer, in ms, before the next probe goes. */
const PROBE_WAIT_MS = 5_000;

/** Errors that say the database cannot be reached at all (not that one statement failed). */
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "CONNECTION_CLOSED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "57P01",
  "57P02",
  "57P03",
]);

/** The code of `e` when it says the database cannot be reached; undefined for any other error. */
export function connectionFailure(e: unknown): string | undefined {
  const code = String((e as { code?: unknown } | null)?.code ?? "");
  return CONNECTION_CODES.has(code) || code.startsWith("08") ? code : undefined;
}

/** The store's answer to a call the database cannot take now (503, Retry-After 1 s). */
export function unavailable(code: string): IpcError {
  return new IpcError("unavailable", `database unavailable (${code}); try again`, 1);
}

/** A pool behind a breaker. */
export interface Breaker {
  /** The pool to query through: while the breaker is open, a query, begin() or reserve() throws at once. */
  readonly sql: Sql;
  /** Hears every failure of a query made through `sql`; a connection failure opens the breaker. */
  note(e: unknown): void;
  /** Stops probing (the store closes). */
  stop(): void;
}

/** Puts `sql` behind a breaker. */
export function createBreaker(sql: Sql): Breaker {
  let open = false;
  let reason = "";
  let probe: NodeJS.Timeout | undefined;
  let stopped = false;

  // The first probe goes at once (one dropped connection is no outage), the next every PROBE_MS.
  function scheduleProbe(delayMs: number): void {
    if (stopped || probe) return;
    probe = setTimeout(() => {
      probe = undefined;
      // A probe that gets no answer (a connection that went silent) counts as failed after PROBE_WAIT_MS,
      // so one hung probe cannot keep the breaker open once the database is back.
      let late: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, fail) => {
        late = setTimeout(() => fail(new Error("probe unanswered")), PROBE_WAIT_MS);
        late.unref();
      });
      Promise.race([sql`SELECT 1`, deadline])
        .then(
          () => {
            open = false;
          },
          () => scheduleProbe(PROBE_MS),
        )
        .finally(() => clearTimeout(late));
    }, delayMs);
    probe.unref();
  }

  const guarded = new Proxy(sql, {
    apply(target, self, args) {
      if (open) throw unavailable(reason);
      return Reflect.apply(target, self, args);
    },
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if ((prop === "begin" || prop === "reserve") && typeof v === "function") {
        return (...args: unknown[]) => (open ? Promise.reject(unavailable(reason)) : v.apply(target, args));
      }
      return v;
    },
  });

  return {
    sql: guarded,
    note(e) {
      const code = connectionFailure(e);
      if (stopped || code === undefined) return;
      reason = code;
      open = true;
      scheduleProbe(0);
    },
    stop() {
      stopped = true;
      if (probe) clearTimeout(probe);
      probe = undefined;
    },
  };
}
