// SQLite backend of the Store interface: one connection per process, statements prepared once,
// concurrent appends committed together (group commit), other processes' writes noticed by data_version.
import { IpcError } from "../../core/errors.js";
import { type AgentRow, toAgent } from "../shared/rows.js";
import type { Store, StoreChange } from "../types.js";
import { type Checkpointer, startCheckpointer } from "./checkpointer.js";
import { type CommitListener, createMessageMethods } from "./messages.js";
import { openDatabase, type SyncMode } from "./open.js";
import { createSqlitePortable } from "./portable.js";
import { createPruner } from "./prune.js";
import { createSecurityMethods } from "./security.js";
import { createTokenStore } from "./tokens.js";
import { createViewStore } from "./views.js";
import { createWebhookMethods } from "./webhooks.js";

export { IDEMPOTENCY_WINDOW_MS } from "../shared/idempotency.js";

/** Options of the SQLite store. */
export interface SqliteStoreOptions {
  /** Database file path, or ":memory:". */
  path: string;
  /** "normal" (default): a commit survives a process crash; "full": also a power loss (fsync per commit). */
  sync?: SyncMode;
  /** How often, in ms, subscribers' check for commits by other processes runs. Default 20. */
  watchIntervalMs?: number;
  /** Hears problems open mode tolerates (database files others can write); secure mode refuses them. */
  onWarning?: (message: string) => void;
  /**
   * Run WAL checkpoints on a worker thread, so no commit waits for one (checkpointer.ts). For a
   * long-running process that commits often (the server). Default false: SQLite's own checkpoints.
   */
  backgroundCheckpoints?: boolean;
  /** Hears each group commit of messages (metrics): the channels stored and the calls joined. Default none. */
  onCommit?: CommitListener;
}

function busy(e: unknown): never {
  const code = (e as { code?: string }).code ?? "";
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
    throw new IpcError("unavailable", "database is busy; try again");
  }
  if (
    code.startsWith("SQLITE_FULL") ||
    code.startsWith("SQLITE_IOERR") ||
    code.startsWith("SQLITE_READONLY")
  ) {
    throw new IpcError("unavailable", `database cannot be written (${code})`);
  }
  throw e;
}

function mapError(e: unknown): unknown {
  try {
    busy(e);
  } catch (mapped) {
    return mapped;
  }
}

export type { CommitListener } from "./messages.js";

/** Opens (creating and migrating as needed) a SQLite store. */
export function createSqliteStore(options: SqliteStoreOptions): Store {
  const db = openDatabase(options.path, options.sync ?? "normal", options.onWarning);
  const watchInterval = options.watchIntervalMs ?? 20;
  let closed = false;
  const checkpointer: Checkpointer | undefined =
    options.backgroundCheckpoints && options.path !== ":memory:"
      ? startCheckpointer(db, options.path)
      : undefined;

  const stmt = {
    getAgent: db.prepare("SELECT * FROM agents WHERE name = ?"),
    listAgents: db.prepare("SELECT * FROM agents ORDER BY created_at, name"),
    agentsPage: db.prepare(
      "SELECT * FROM agents WHERE (created_at, name) > (?, ?) ORDER BY created_at, name LIMIT ?",
    ),
    addAgent: db.prepare(
      "INSERT OR IGNORE INTO agents (name, identity, public_key, role, registered_by, created_at, revoked_at, revoked_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    ),
    hasOperator: db.prepare("SELECT 1 FROM agents WHERE role = 'operator' LIMIT 1"),
    dataVersion: db.prepare("PRAGMA data_version").pluck(),
  };

  // Another process's commit changes PRAGMA data_version; subscribers are told on the next check. One
  // writer at a time makes ids visible in order, so a scan from the last id seen finds every change.
  const listeners = new Set<(change: StoreChange) => void>();
  let timer: NodeJS.Timeout | undefined;
  let lastVersion = 0;
  function poll(): void {
    const v = stmt.dataVersion.get() as number;
    if (v !== lastVersion) {
      lastVersion = v;
      for (const l of listeners) l({ kind: "scan" });
    }
  }

  const messages = createMessageMethods({
    db,
    isClosed: () => closed,
    mapError,
    ...(options.onCommit ? { onCommit: options.onCommit } : {}),
  });
  const { flush, ...messageMethods } = messages;
  const prune = createPruner({ db, isClosed: () => closed, fail: busy });
  const store: Store = {
    ...messageMethods,
    async getAgent(name) {
      const row = stmt.getAgent.get(name) as AgentRow | undefined;
      return row ? toAgent(row) : undefined;
    },
    async listAgents() {
      return (stmt.listAgents.all() as AgentRow[]).map(toAgent);
    },
    async listAgentsPage(page) {
      const after = page.after ?? { createdAt: -Number.MAX_VALUE, name: "" };
      return (stmt.agentsPage.all(after.createdAt, after.name, page.limit) as AgentRow[]).map(toAgent);
    },
    async addAgent(a) {
      try {
        return (
          stmt.addAgent.run(
            a.name,
            a.identity,
            a.publicKey,
            a.role,
            a.registeredBy,
            a.createdAt,
            a.revokedAt,
            a.revokedBy,
          ).changes === 1
        );
      } catch (e) {
        busy(e);
      }
    },
    async hasOperator() {
      return stmt.hasOperator.get() !== undefined;
    },
    prune: (opts) => prune(opts),
    ...createSecurityMethods({ db, fail: busy }),
    webhooks: createWebhookMethods({ db, fail: busy }),
    tokens: createTokenStore(db, busy),
    views: createViewStore(db, busy),
    portable: createSqlitePortable(db, busy),
    subscribe(listener) {
      listeners.add(listener);
      if (!timer) {
        lastVersion = stmt.dataVersion.get() as number;
        timer = setInterval(poll, watchInterval);
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && timer) {
          clearInterval(timer);
          timer = undefined;
        }
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      flush();
      if (timer) clearInterval(timer);
      listeners.clear();
      await checkpointer?.stop();
      db.close();
    },
  };
  return store;
}
