// Identities, the access version and the secure-mode flag kept in memory between a store's change events,
// so a send on a networked store is not three round trips. Only for a store whose subscribe() reports every
// identity and access change made elsewhere (Store.pushesIdentityChanges); any other store is asked each time.
import type { AgentRecord, Store, StoreChange } from "../store/types.js";

/**
 * Longest time, in ms, anything is kept without a look at the store: the bound on a change whose
 * notification was lost without the connection being seen to drop (a half-open socket).
 */
export const CACHE_TTL_MS = 500;

/** Agents kept at most; the cache is emptied when it grows beyond. */
const MAX_CACHED_AGENTS = 10_000;

/** A store with caches in front of it, and what ends them. */
export interface StoreCache {
  /** The store to use: reads of identities come from the cache, changes through it drop the cache. */
  readonly store: Store;
  /** True while the caches are trusted: the store's subscription has reported it is live. */
  readonly live: boolean;
  /** Stops listening to the store (before it is closed). */
  close(): void;
}

interface Kept<T> {
  value: T;
  at: number;
}

/**
 * Puts caches in front of `store` when it pushes identity changes; otherwise returns it unchanged. The caches
 * are trusted only once the store's subscription reported it is live (its first "resync"), and dropped on
 * every "access", "agents" and "resync" event, on every change made through the returned store, and after
 * CACHE_TTL_MS. A look-up that started before a drop is not kept (a generation counter), so a revoke
 * committed while it ran cannot be hidden by it.
 */
export function createStoreCache(
  store: Store,
  now: () => number = performance.now.bind(performance),
): StoreCache {
  if (!store.pushesIdentityChanges || !store.subscribe) return { store, live: false, close: () => undefined };
  let live = false;
  let generation = 0;
  const agents = new Map<string, Kept<AgentRecord>>();
  let version: Kept<number> | undefined;
  let operator: Kept<boolean> | undefined;

  function drop(): void {
    generation++;
    agents.clear();
    version = undefined;
    operator = undefined;
  }

  function onChange(change: StoreChange): void {
    switch (change.kind) {
      case "messages":
        return;
      case "resync":
        drop();
        live = true;
        return;
      default:
        drop();
    }
  }
  const unsubscribe = store.subscribe(onChange);

  const fresh = <T>(k: Kept<T> | undefined): k is Kept<T> => k !== undefined && now() - k.at < CACHE_TTL_MS;

  /** Reads through `load` and keeps the answer with `keep` unless something was dropped meanwhile. */
  async function through<T>(load: () => Promise<T>, keep: (v: T, at: number) => void): Promise<T> {
    const seen = generation;
    const at = now();
    const v = await load();
    if (live && seen === generation) keep(v, at);
    return v;
  }

  // A change made through this store drops the caches once it is committed (and once more if it fails,
  // when it is unknown whether it was).
  function changing<A extends unknown[], R>(f: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
    return async (...args) => {
      try {
        return await f(...args);
      } finally {
        drop();
      }
    };
  }

  const cached: Store = {
    ...store,
    async getAgent(name) {
      const k = agents.get(name);
      if (live && fresh(k)) return k.value;
      return through(
        () => store.getAgent(name),
        (a, at) => {
          // Unknown names are not kept: a registration elsewhere must count at once.
          if (!a) return;
          if (agents.size >= MAX_CACHED_AGENTS) agents.clear();
          agents.set(name, { value: a, at });
        },
      );
    },
    async hasOperator() {
      if (live && fresh(operator)) return operator.value;
      return through(
        () => store.hasOperator(),
        (value, at) => {
          operator = { value, at };
        },
      );
    },
    async accessVersion() {
      if (live && fresh(version)) return version.value;
      return through(
        () => store.accessVersion(),
        (value, at) => {
          version = { value, at };
        },
      );
    },
    addAgent: changing(store.addAgent.bind(store)),
    revokeAgent: changing(store.revokeAgent.bind(store)),
    rotateKey: changing(store.rotateKey.bind(store)),
    putAccessRules: changing(store.putAccessRules.bind(store)),
    removeAccessRules: changing(store.removeAccessRules.bind(store)),
  };
  if (store.portable) {
    const p = store.portable;
    cached.portable = { ...p, importState: changing(p.importState.bind(p)) };
  }
  return {
    store: cached,
    get live() {
      return live;
    },
    close() {
      unsubscribe();
      live = false;
      drop();
    },
  };
}
