// One way to open a store: a tagged choice of backend, each imported only when chosen, so a command on
// SQLite never loads a PostgreSQL driver (and the reverse).
import { existsSync } from "node:fs";
import type { Store } from "./types.js";

/** Which backend holds the queue, and how to reach it. */
export type StoreConfig =
  | {
      kind: "sqlite";
      /** Database file, or ":memory:". */
      path: string;
      /** "normal": a commit survives a process crash; "full": also a power loss. */
      sync: "normal" | "full";
    }
  | {
      kind: "postgres";
      /** postgres:// or postgresql:// connection URL. */
      url: string;
      /** Most connections the store opens for queries (LISTEN takes one more). */
      pool: number;
    }
  /** Kept in this process only (tests, throw-away servers). */
  | { kind: "memory" };

/** Options every backend understands. */
export interface OpenStoreOptions {
  /** Hears problems open mode tolerates (e.g. database files others can write). */
  onWarning?: (message: string) => void;
  /** The store backs a long-running server (SQLite then checkpoints its WAL in the background). Default false. */
  serving?: boolean;
  /** Hears each group commit of messages (metrics): the channels stored and the calls joined. Default none. */
  onCommit?: (channels: readonly string[], calls: number) => void;
}

/** True for a PostgreSQL connection URL (the scheme selects the backend). */
export function isPostgresUrl(text: string): boolean {
  return /^postgres(ql)?:\/\//i.test(text);
}

/** Where the store is, fit for logs and messages: a path, or the URL without its password. */
export function storeLabel(config: StoreConfig): string {
  if (config.kind === "sqlite") return config.path;
  if (config.kind === "memory") return "memory";
  try {
    const u = new URL(config.url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "postgres://(unparsable URL)";
  }
}

/**
 * False when opening the store would create a new local database (a SQLite file that does not exist yet);
 * true for a server database, which is assumed to be there.
 */
export function storeExists(config: StoreConfig): boolean {
  if (config.kind === "sqlite") return config.path === ":memory:" || existsSync(config.path);
  return config.kind === "postgres";
}

/** Opens (creating and migrating as needed) the store `config` names, loading only that backend. */
export async function openStore(config: StoreConfig, options: OpenStoreOptions = {}): Promise<Store> {
  switch (config.kind) {
    case "sqlite": {
      const { createSqliteStore } = await import("./sqlite/index.js");
      return createSqliteStore({
        path: config.path,
        sync: config.sync,
        ...(options.onWarning ? { onWarning: options.onWarning } : {}),
        ...(options.serving ? { backgroundCheckpoints: true } : {}),
        ...(options.onCommit ? { onCommit: options.onCommit } : {}),
      });
    }
    case "memory": {
      const { createMemoryStore } = await import("./memory/index.js");
      return createMemoryStore();
    }
    case "postgres": {
      const { createPostgresStore } = await import("./postgres/index.js");
      return createPostgresStore({
        url: config.url,
        pool: config.pool,
        ...(options.onCommit ? { onCommit: options.onCommit } : {}),
      });
    }
  }
}
