// Waiters indexed by channel: waking a channel costs its own waiters only. Writes by other processes
// reach the hub through the store's optional subscribe(), which says which channels changed (or asks
// for a scan); identity and access changes send proven waiters back to re-check their caller.
import type { Store, StoreChange } from "../store/types.js";

/**
 * How a parked wait ended. "recheck": identities or access changed (revoke, rotate, deny, in any
 * process); the waiter checks its caller again before it reads or parks again.
 */
export type WakeReason = "woken" | "timeout" | "aborted" | "recheck";

/** A registered interest in some channels; register before reading so no message slips between. */
export interface Ticket {
  /** Resolves when a channel of the ticket gets a message, the deadline passes or the signal aborts. */
  readonly done: Promise<WakeReason>;
  /** Stops waiting (idempotent). */
  cancel(): void;
  /** performance.now() when a message woke it (right after the commit); 0 while not woken. */
  readonly wokenAt: number;
}

/** The wake-up registry of one queue. */
export interface Hub {
  /**
   * Registers interest in `channels` until `timeoutMs` passes or `signal` aborts. A `guarded` waiter
   * (one with a proven caller) is also ended with "recheck" when identities or access change.
   */
  park(channels: string[], timeoutMs: number, signal?: AbortSignal, guarded?: boolean): Ticket;
  /** Wakes every waiter of these channels. */
  wake(channels: Iterable<string>): void;
  /** Ends every guarded waiter with "recheck" (an identity or access change was made). */
  recheck(): void;
  /** Number of parked waiters. */
  size(): number;
  /** Stops watching the store and wakes everyone with "aborted". */
  close(): void;
}

/** Hears every change the store reports (the queue drops its caches on them). */
export type ChangeListener = (change: StoreChange) => void;

interface Waiter {
  channels: string[];
  guarded: boolean;
  /** `at`: performance.now() of the wake-up, for "woken". */
  finish(reason: WakeReason, at?: number): void;
}

/**
 * Creates a hub over `store`; it listens to the store only while somebody waits, or always when
 * `onChange` is given (the queue's caches must hear every change).
 */
export function createHub(store: Store, onChange?: ChangeListener): Hub {
  const byChannel = new Map<string, Set<Waiter>>();
  const guarded = new Set<Waiter>();
  let count = 0;
  let unwatch: (() => void) | undefined;
  let lastSeen: Promise<number> | undefined;
  let lastAccess: Promise<number> | undefined;
  let scanning = false;
  let rescan = false;

  // Another process committed: find which channels changed since the last look and wake them.
  async function onExternalChange(): Promise<void> {
    if (scanning) {
      rescan = true;
      return;
    }
    scanning = true;
    try {
      do {
        rescan = false;
        const since = await (lastSeen ?? store.lastId());
        const changes = await store.changesSince(since);
        lastSeen = Promise.resolve(changes.lastId);
        hub.wake(changes.channels);
        if (guarded.size > 0) {
          const seen = await (lastAccess ?? store.accessVersion());
          const now = await store.accessVersion();
          lastAccess = Promise.resolve(now);
          if (now !== seen) hub.recheck();
        }
      } while (rescan);
    } catch {
      // The store is closing or busy; the next change or the waiters' own deadlines will follow.
    } finally {
      scanning = false;
    }
  }

  function onChangeReported(change: StoreChange): void {
    onChange?.(change);
    if (count === 0) return;
    switch (change.kind) {
      case "messages":
        hub.wake(change.channels);
        break;
      case "access":
        hub.recheck();
        break;
      case "agents":
        break;
      case "scan":
        void onExternalChange();
        break;
      case "resync":
        for (const set of [...byChannel.values()]) for (const w of [...set]) w.finish("woken");
        hub.recheck();
        break;
    }
  }

  function startWatching(): void {
    if (unwatch || !store.subscribe) return;
    lastSeen = store.lastId();
    lastSeen.catch(() => undefined);
    lastAccess = store.accessVersion();
    lastAccess.catch(() => undefined);
    unwatch = store.subscribe(onChangeReported);
  }

  function stopWatching(): void {
    if (onChange) return;
    unwatch?.();
    unwatch = undefined;
    lastSeen = undefined;
    lastAccess = undefined;
  }

  function remove(w: Waiter): void {
    for (const c of w.channels) {
      const set = byChannel.get(c);
      if (set?.delete(w) && set.size === 0) byChannel.delete(c);
    }
    if (w.guarded) guarded.delete(w);
    count--;
    if (count === 0) stopWatching();
  }

  if (onChange) startWatching();
  const hub: Hub = {
    park(channels, timeoutMs, signal, isGuarded = false) {
      let settle!: (r: WakeReason) => void;
      const done = new Promise<WakeReason>((resolve) => {
        settle = resolve;
      });
      let finished = false;
      let wokenAt = 0;
      let timer: NodeJS.Timeout | undefined;
      const onAbort = (): void => waiter.finish("aborted");
      const waiter: Waiter = {
        channels,
        guarded: isGuarded,
        finish(reason, at = 0) {
          if (finished) return;
          finished = true;
          wokenAt = at;
          if (timer) clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          remove(waiter);
          settle(reason);
        },
      };
      count++;
      if (isGuarded) guarded.add(waiter);
      for (const c of channels) {
        let set = byChannel.get(c);
        if (!set) {
          set = new Set();
          byChannel.set(c, set);
        }
        set.add(waiter);
      }
      startWatching();
      if (signal?.aborted) waiter.finish("aborted");
      else {
        signal?.addEventListener("abort", onAbort, { once: true });
        if (Number.isFinite(timeoutMs)) {
          timer = setTimeout(() => waiter.finish("timeout"), Math.min(Math.max(0, timeoutMs), 2 ** 31 - 1));
        }
      }
      return {
        done,
        cancel: () => waiter.finish("aborted"),
        get wokenAt() {
          return wokenAt;
        },
      };
    },
    wake(channels) {
      let at = 0;
      for (const c of channels) {
        const set = byChannel.get(c);
        if (!set) continue;
        // Detached first: every waiter of the channel goes, so nobody deletes itself from the set
        // one by one (thousands of deletes that shrink and rehash it again and again).
        byChannel.delete(c);
        at ||= performance.now();
        for (const w of set) w.finish("woken", at);
      }
    },
    recheck() {
      for (const w of [...guarded]) w.finish("recheck");
    },
    size: () => count,
    close() {
      for (const set of [...byChannel.values()]) for (const w of [...set]) w.finish("aborted");
      unwatch?.();
      unwatch = undefined;
    },
  };
  return hub;
}
