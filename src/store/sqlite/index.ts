// SQLite backend of the Store interface: one connection per process, statements prepared once,
// concurrent appends committed together (group commit), other processes' writes noticed by data_version.
import type Database from "better-sqlite3";
import { IpcError } from "../../core/errors.js";
import type {
  AgentRecord,
  AppendResult,
  ChangeSummary,
  ChannelSummary,
  MessageRecord,
  NewMessage,
  Position,
  ReplayGuard,
  Store,
} from "../types.js";
import { openDatabase, type SyncMode } from "./open.js";
import { createPruner } from "./prune.js";
import { createSecurityMethods } from "./security.js";

/** Options of the SQLite store. */
export interface SqliteStoreOptions {
  /** Database file path, or ":memory:". */
  path: string;
  /** "normal" (default): a commit survives a process crash; "full": also a power loss (fsync per commit). */
  sync?: SyncMode;
  /** How often, in ms, watchers check for commits by other processes. Default 20. */
  watchIntervalMs?: number;
}

/** Idempotency keys are remembered this long (ms). */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

interface MessageRow {
  id: number;
  channel: string;
  sender: string;
  content: string;
  created_at: number;
  signature: string | null;
  sig_version: number;
  sig_timestamp: number | null;
  sig_nonce: string | null;
}

interface AgentRow {
  name: string;
  identity: string;
  public_key: string;
  role: string;
  registered_by: string | null;
  created_at: number;
  revoked_at: number | null;
  revoked_by: string | null;
}

const MESSAGE_COLUMNS =
  "id, channel, sender, content, created_at, signature, sig_version, sig_timestamp, sig_nonce";

function toMessage(r: MessageRow): MessageRecord {
  return {
    id: r.id,
    channel: r.channel,
    sender: r.sender,
    content: r.content,
    timestamp: r.created_at,
    signature: r.signature ?? "",
    sigVersion: (r.sig_version === 1 || r.sig_version === 2 ? r.sig_version : 0) as 0 | 1 | 2,
    sigTimestamp: r.sig_timestamp,
    sigNonce: r.sig_nonce,
  };
}

function toAgent(r: AgentRow): AgentRecord {
  return {
    name: r.name,
    identity: r.identity ?? "",
    publicKey: r.public_key,
    role: r.role === "operator" ? "operator" : "agent",
    registeredBy: r.registered_by,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
    revokedBy: r.revoked_by,
  };
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

/** Thrown inside a call's savepoint to undo the call when one of its messages was a replay. */
class CallReplayed extends Error {}

/** What one append call got from a group commit. */
type CallOutcome = { results: AppendResult[] } | { error: unknown };

/** Opens (creating and migrating as needed) a SQLite store. */
export function createSqliteStore(options: SqliteStoreOptions): Store {
  const db = openDatabase(options.path, options.sync ?? "normal");
  const watchInterval = options.watchIntervalMs ?? 20;

  const stmt = {
    insert: db.prepare(
      "INSERT INTO messages (channel, sender, content, created_at, signature, sig_version, sig_timestamp, sig_nonce) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    ),
    useProof: db.prepare("INSERT OR IGNORE INTO used_proofs (key, expires_at) VALUES (?, ?)"),
    findIdem: db.prepare(
      "SELECT message_id FROM idempotency WHERE sender = ? AND key = ? AND expires_at > ?",
    ),
    putIdem: db.prepare(
      "INSERT OR REPLACE INTO idempotency (sender, key, message_id, expires_at) VALUES (?, ?, ?, ?)",
    ),
    countAfter: db.prepare("SELECT COUNT(*) AS n FROM messages WHERE channel = ? AND id > ?"),
    watermark: db.prepare("SELECT last_id FROM watermarks WHERE agent = ? AND channel = ?"),
    advance: db.prepare(
      "INSERT INTO watermarks (agent, channel, last_id) VALUES (?, ?, ?) ON CONFLICT (agent, channel) DO UPDATE SET last_id = MAX(COALESCE(last_id, 0), excluded.last_id)",
    ),
    channels: db.prepare(
      "SELECT c.channel AS channel, c.n AS count, m.created_at AS last FROM (SELECT channel, COUNT(*) AS n, MAX(id) AS top FROM messages GROUP BY channel) c JOIN messages m ON m.id = c.top ORDER BY m.created_at DESC, c.channel",
    ),
    changes: db.prepare("SELECT channel, MAX(id) AS top FROM messages WHERE id > ? GROUP BY channel"),
    getAgent: db.prepare("SELECT * FROM agents WHERE name = ?"),
    listAgents: db.prepare("SELECT * FROM agents ORDER BY created_at, name"),
    addAgent: db.prepare(
      "INSERT OR IGNORE INTO agents (name, identity, public_key, role, registered_by, created_at, revoked_at, revoked_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    ),
    hasOperator: db.prepare("SELECT 1 FROM agents WHERE role = 'operator' LIMIT 1"),
    pruneProofs: db.prepare("DELETE FROM used_proofs WHERE expires_at IS NOT NULL AND expires_at < ?"),
    pruneIdem: db.prepare("DELETE FROM idempotency WHERE expires_at < ?"),
    lastId: db.prepare("SELECT MAX(id) FROM messages").pluck(),
    dataVersion: db.prepare("PRAGMA data_version").pluck(),
  };

  // One statement per number of channels read at once, prepared on first use.
  const readStatements = new Map<number, Database.Statement>();
  function readStatement(n: number): Database.Statement {
    let s = readStatements.get(n);
    if (!s) {
      const one = `SELECT * FROM (SELECT ${MESSAGE_COLUMNS} FROM messages WHERE channel = ? AND id > ? ORDER BY id LIMIT ?)`;
      s = db.prepare(`${Array.from({ length: n }, () => one).join(" UNION ALL ")} ORDER BY id LIMIT ?`);
      readStatements.set(n, s);
    }
    return s;
  }

  function appendOne(m: NewMessage): AppendResult {
    if (m.idempotencyKey !== undefined) {
      const prior = stmt.findIdem.get(m.sender, m.idempotencyKey, Math.round(m.timestamp * 1000)) as
        | { message_id: number }
        | undefined;
      if (prior) return { id: prior.message_id, duplicate: true };
    }
    if (m.replayGuard && stmt.useProof.run(m.replayGuard.key, m.replayGuard.expiresAt).changes === 0) {
      return { replayed: true };
    }
    const id = Number(
      stmt.insert.run(
        m.channel,
        m.sender,
        m.content,
        m.timestamp,
        m.signature,
        m.sigVersion,
        m.sigTimestamp,
        m.sigNonce,
      ).lastInsertRowid,
    );
    if (m.idempotencyKey !== undefined) {
      stmt.putIdem.run(
        m.sender,
        m.idempotencyKey,
        id,
        Math.round(m.timestamp * 1000) + IDEMPOTENCY_WINDOW_MS,
      );
    }
    return { id, duplicate: false };
  }

  // Each call runs in its own savepoint inside the shared transaction, so a call with a replayed message
  // (or a failing one) is undone on its own and the calls committed beside it are unaffected.
  const appendCall = db.transaction((msgs: NewMessage[]): AppendResult[] => {
    const results = msgs.map(appendOne);
    if (results.some((r) => "replayed" in r)) throw new CallReplayed();
    return results;
  });
  const commitBatch = db.transaction((batch: NewMessage[][]): CallOutcome[] =>
    batch.map((msgs): CallOutcome => {
      try {
        return { results: appendCall(msgs) };
      } catch (e) {
        if (e instanceof CallReplayed) return { results: msgs.map(() => ({ replayed: true }) as const) };
        // SQLite abandoned the whole transaction (disk full, I/O error): fail every call of the group.
        if (!db.inTransaction) throw e;
        return { error: e };
      }
    }),
  );

  // Group commit: appends arriving in the same turn of the event loop share one transaction.
  let pending: {
    messages: NewMessage[];
    resolve: (r: AppendResult[]) => void;
    reject: (e: unknown) => void;
  }[] = [];
  function flush(): void {
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    try {
      const outcomes = commitBatch.immediate(batch.map((p) => p.messages));
      readCache.clear();
      batch.forEach((p, i) => {
        const o = outcomes[i] as CallOutcome;
        if ("results" in o) p.resolve(o.results);
        else p.reject(mapError(o.error));
      });
    } catch (e) {
      const err = mapError(e);
      for (const p of batch) p.reject(err);
    }
  }

  const listeners = new Set<() => void>();
  let timer: NodeJS.Timeout | undefined;
  let lastVersion = 0;
  function poll(): void {
    const v = stmt.dataVersion.get() as number;
    if (v !== lastVersion) {
      lastVersion = v;
      for (const l of listeners) l();
    }
  }

  // Watermark moves arriving in the same turn of the event loop (a fan-out wakes thousands of readers at
  // once) share one transaction; each caller is answered after that commit.
  let marks: {
    agent: string;
    channel: string;
    id: number;
    resolve: () => void;
    reject: (e: unknown) => void;
  }[] = [];
  const advanceAll = db.transaction((batch: typeof marks) => {
    for (const m of batch) stmt.advance.run(m.agent, m.channel, m.id);
  });
  function flushMarks(): void {
    const batch = marks;
    marks = [];
    if (batch.length === 0) return;
    try {
      advanceAll.immediate(batch);
      for (const m of batch) m.resolve();
    } catch (e) {
      const err = mapError(e);
      for (const m of batch) m.reject(err);
    }
  }

  const readCache = new Map<string, MessageRecord[]>();
  function clearReadCache(): void {
    readCache.clear();
  }

  let closed = false;
  const prune = createPruner({ db, isClosed: () => closed, fail: busy });
  const store: Store = {
    append(messages) {
      if (closed) return Promise.reject(new IpcError("unavailable", "store is closed"));
      if (messages.length === 0) return Promise.resolve([]);
      return new Promise((resolve, reject) => {
        if (pending.length === 0) setImmediate(flush);
        pending.push({ messages, resolve, reject });
      });
    },
    async readAfter(positions: Position[], limit: number) {
      // A channel listed twice is read once, from its lower position, so no message comes back twice.
      const after = new Map<string, number>();
      for (const p of positions) after.set(p.channel, Math.min(p.after, after.get(p.channel) ?? p.after));
      if (after.size === 0) return [];
      const args: (string | number)[] = [];
      for (const [channel, id] of after) args.push(channel, id, limit);
      args.push(limit);
      // Readers woken together ask the same question; answer it once per turn of the event loop.
      const key = JSON.stringify(args);
      let rows = readCache.get(key);
      if (!rows) {
        rows = (readStatement(after.size).all(...args) as MessageRow[]).map(toMessage);
        if (readCache.size === 0) setImmediate(clearReadCache);
        readCache.set(key, rows);
      }
      return rows.slice();
    },
    async lastId() {
      return (stmt.lastId.get() as number | null) ?? 0;
    },
    async countAfter(channel, after) {
      return (stmt.countAfter.get(channel, after) as { n: number }).n;
    },
    async getWatermarks(agent, channels) {
      const out = new Map<string, number>();
      for (const c of channels) {
        const row = stmt.watermark.get(agent, c) as { last_id: number | null } | undefined;
        out.set(c, row?.last_id ?? 0);
      }
      return out;
    },
    advanceWatermark(agent, channel, id) {
      if (closed) return Promise.reject(new IpcError("unavailable", "store is closed"));
      return new Promise<void>((resolve, reject) => {
        if (marks.length === 0) setImmediate(flushMarks);
        marks.push({ agent, channel, id, resolve, reject });
      });
    },
    async listChannels(): Promise<ChannelSummary[]> {
      return (stmt.channels.all() as { channel: string; count: number; last: number }[]).map((r) => ({
        channel: r.channel,
        count: r.count,
        lastMessage: r.last,
      }));
    },
    async changesSince(afterId): Promise<ChangeSummary> {
      const rows = stmt.changes.all(afterId) as { channel: string; top: number }[];
      let lastId = afterId;
      for (const r of rows) lastId = Math.max(lastId, r.top);
      return { lastId, channels: rows.map((r) => r.channel) };
    },
    async useProof(guard: ReplayGuard) {
      try {
        return stmt.useProof.run(guard.key, guard.expiresAt).changes === 1;
      } catch (e) {
        busy(e);
      }
    },
    async getAgent(name) {
      const row = stmt.getAgent.get(name) as AgentRow | undefined;
      return row ? toAgent(row) : undefined;
    },
    async listAgents() {
      return (stmt.listAgents.all() as AgentRow[]).map(toAgent);
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
    async pruneExpired(now) {
      try {
        db.transaction(() => {
          stmt.pruneProofs.run(now);
          stmt.pruneIdem.run(now);
        }).immediate();
      } catch (e) {
        busy(e);
      }
    },
    prune: (opts) => prune(opts),
    ...createSecurityMethods({ db, fail: busy }),
    watch(listener) {
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
      if (pending.length > 0) flush();
      if (marks.length > 0) flushMarks();
      if (timer) clearInterval(timer);
      listeners.clear();
      db.close();
    },
  };
  return store;
}
