// PostgreSQL backend of the Store interface, for several el-ipc servers on one database: a connection
// pool, group commit, per-channel row locks that keep ids in order within a channel, LISTEN/NOTIFY for
// changes made by other servers (re-synchronised after every reconnect), retention under an advisory lock.
import { randomBytes } from "node:crypto";
import postgres, { type Sql, type TransactionSql } from "postgres";
import { IpcError } from "../../core/errors.js";
import type { Store, StoreChange } from "../types.js";
import { connectionFailure, createBreaker, unavailable } from "./breaker.js";
import { createPgMessages } from "./messages.js";
import { migrate } from "./migrate.js";
import { createPgPortable } from "./portable.js";
import { createPgPruner } from "./prune.js";
import { createPgSecurity, createPgTokens } from "./security.js";
import { type SocketTarget, trackSockets } from "./sockets.js";
import { createPgViews } from "./views.js";
import { createPgWebhooks } from "./webhooks.js";

/** Options of the PostgreSQL store. */
export interface PostgresStoreOptions {
  /** postgres:// connection URL. */
  url: string;
  /** Most pooled connections (LISTEN takes one more while anyone subscribes). Default 10. */
  pool?: number;
  /** Seconds to wait for a connection before a query fails as unavailable. Default 5. */
  connectTimeoutSeconds?: number;
  /** Hears each group commit of messages (metrics): the channels stored and the calls joined. Default none. */
  onCommit?: (channels: readonly string[], calls: number) => void;
}

/** The NOTIFY channel servers tell each other about commits on. */
export const NOTIFY_CHANNEL = "elipc_changes";

/** How long the LISTEN connection stays after the last subscriber left, in ms. */
const LISTEN_LINGER_MS = 30_000;

/** Largest NOTIFY payload sent; PostgreSQL refuses 8000 bytes and more. */
const MAX_PAYLOAD = 7000;

/** A notification: who sent it (`s`), channels written (`m`) up to id `t`, access version `a`, agents `g`. */
interface Payload {
  s: string;
  m?: string[];
  t?: number;
  a?: number;
  g?: string[];
}

/**
 * Channel names split into lists whose notifications stay far below PostgreSQL's payload limit; a name
 * too long to send is replaced by "", on which receivers wake everyone.
 */
export function channelParts(names: readonly string[]): string[][] {
  const parts: string[][] = [];
  let part: string[] = [];
  let size = 0;
  for (const n of names) {
    if (size + n.length > MAX_PAYLOAD / 2 && part.length > 0) {
      parts.push(part);
      part = [];
      size = 0;
    }
    part.push(n.length > MAX_PAYLOAD / 2 ? "" : n);
    size += n.length + 4;
  }
  if (part.length > 0) parts.push(part);
  return parts;
}

/** Maps a driver error to an IpcError when the database is unreachable or overloaded; others unchanged. */
export function mapPgError(e: unknown): unknown {
  if (e instanceof IpcError) return e;
  const code = String((e as { code?: unknown }).code ?? "");
  // Connection failures and server shutdowns (breaker.ts), a pool ended under the query, SQLSTATE classes
  // 53 (resources) and 57P (shutdown), 40001/40P01 (retry the transaction), 55P03 (lock not available):
  // "try again later", never a 500.
  if (
    connectionFailure(e) !== undefined ||
    code === "CONNECTION_ENDED" ||
    /^(53|57P)/.test(code) ||
    code === "40001" ||
    code === "40P01" ||
    code === "55P03"
  ) {
    return unavailable(code);
  }
  return e;
}

/** Host and port of a postgres:// URL, for an error that says where the database was looked for. */
function addressOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || "localhost"}:${u.port || "5432"}`;
  } catch {
    return "the URL's address";
  }
}

/** Opens (migrating under a lock as needed) a PostgreSQL store. */
export async function createPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const sockets = trackSockets();
  // `socket` is a driver option its types do not declare.
  const own = { socket: (target: SocketTarget) => sockets.open(target) };
  const pool: Sql = postgres(options.url, {
    ...own,
    max: options.pool ?? 10,
    connect_timeout: options.connectTimeoutSeconds ?? 5,
    // Seconds between reconnect attempts: the driver's default grows to 20 s, which would keep the
    // breaker's probe (and the LISTEN connection) waiting that long after the database is back.
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1) * (0.5 + Math.random() / 2),
    onnotice: () => undefined,
    connection: { application_name: "el-ipc" },
    // int8 (ids, counts, ms times) as numbers: ids stay far below 2^53.
    types: {
      bigint: {
        to: 20,
        from: [20],
        serialize: (x: number) => String(x),
        parse: (x: string) => Number(x),
      },
    },
  });
  try {
    await migrate(pool);
  } catch (e) {
    await pool.end({ timeout: 1 }).catch(() => undefined);
    sockets.destroyAll();
    const code = connectionFailure(e);
    if (code !== undefined) {
      throw new IpcError(
        "unavailable",
        `cannot reach the database at ${addressOf(options.url)} (${code}): is PostgreSQL running there, and are the URL's host and port right?`,
        1,
      );
    }
    const mapped = mapPgError(e);
    if (mapped instanceof IpcError) throw mapped;
    throw new IpcError("unavailable", `cannot open database: ${(e as Error).message}`);
  }

  const breaker = createBreaker(pool);
  const sql = breaker.sql;
  /** mapPgError, telling the breaker first. */
  const mapError = (e: unknown): unknown => {
    breaker.note(e);
    return mapPgError(e);
  };
  const self = randomBytes(8).toString("hex");
  let closed = false;
  const isClosed = (): boolean => closed;
  const q = async <T>(f: () => Promise<T>): Promise<T> => {
    if (closed) throw new IpcError("unavailable", "store is closed", 1);
    try {
      return await f();
    } catch (e) {
      throw mapError(e);
    }
  };

  async function send(tx: TransactionSql, p: Omit<Payload, "s">): Promise<void> {
    const text = JSON.stringify({ s: self, ...p });
    if (text.length <= MAX_PAYLOAD) {
      await tx`SELECT pg_notify(${NOTIFY_CHANNEL}, ${text})`;
      return;
    }
    for (const part of channelParts(p.m ?? [])) {
      await tx`SELECT pg_notify(${NOTIFY_CHANNEL}, ${JSON.stringify({ s: self, m: part, t: p.t })})`;
    }
  }

  const messages = createPgMessages({
    sql,
    isClosed,
    mapError,
    notify: (tx, channels, top) => send(tx, { m: channels, t: top }),
    announce: (channels) => ({ channel: NOTIFY_CHANNEL, self, parts: channelParts(channels) }),
    ...(options.onCommit ? { onCommit: options.onCommit } : {}),
  });
  const { drain, ...messageMethods } = messages;
  // close() lets a retention pass finish (it stops after its current chunk): ending the pool under a
  // reserve() still connecting would hold close() for its whole timeout.
  const pruner = createPgPruner(sql, isClosed, mapError);
  const pruning = new Set<Promise<number>>();
  const prune: Store["prune"] = (opts) => {
    if (closed) return Promise.reject(new IpcError("unavailable", "store is closed", 1));
    const p = pruner(opts);
    pruning.add(p);
    const forget = (): void => {
      pruning.delete(p);
    };
    p.then(forget, forget);
    return p;
  };

  // One LISTEN connection while anyone subscribes; porsager reconnects it by itself and calls onlisten
  // after every (re)connect, when notifications may have been missed: subscribers then resync.
  const listeners = new Set<(change: StoreChange) => void>();
  let listening: Promise<{ unlisten: () => Promise<void> }> | undefined;
  let idle: NodeJS.Timeout | undefined;
  const emit = (c: StoreChange): void => {
    for (const l of [...listeners]) l(c);
  };
  function onNotify(text: string): void {
    let p: Payload;
    try {
      p = JSON.parse(text) as Payload;
    } catch {
      return;
    }
    if (p.s === self) return;
    if (p.m) {
      if (p.m.includes("")) emit({ kind: "resync" });
      else emit({ kind: "messages", channels: p.m, top: p.t ?? 0 });
    }
    if (p.a !== undefined) emit({ kind: "access", version: p.a });
    if (p.g) emit({ kind: "agents", names: p.g });
  }
  function startListening(): void {
    if (listening || closed) return;
    listening = sql.listen(NOTIFY_CHANNEL, onNotify, () => emit({ kind: "resync" }));
    listening.catch(() => {
      // The database is down: porsager retries the LISTEN connection; waiters keep their deadlines.
      listening = undefined;
      if (listeners.size > 0 && !closed) setTimeout(startListening, 1000).unref();
    });
  }

  const store: Store = {
    ...messageMethods,
    ...createPgSecurity({ sql, q, notify: (tx, change) => send(tx, change) }),
    prune,
    tokens: createPgTokens(sql, q),
    webhooks: createPgWebhooks(sql, q),
    views: createPgViews(sql, q),
    databaseBytes: () =>
      q(async () => {
        const [r] = await sql<{ n: number }[]>`SELECT pg_database_size(current_database()) AS n`;
        return r?.n ?? 0;
      }),
    portable: createPgPortable(sql, q, (tx, version) => send(tx, { a: version })),
    pushesIdentityChanges: true,
    subscribe(listener) {
      listeners.add(listener);
      if (idle) clearTimeout(idle);
      idle = undefined;
      startListening();
      return () => {
        listeners.delete(listener);
        // Kept a while after the last listener leaves: waiters come and go all the time, and every new
        // LISTEN session starts with a resync that wakes them all.
        if (listeners.size === 0 && listening && !idle) {
          idle = setTimeout(() => {
            idle = undefined;
            if (listeners.size > 0 || !listening) return;
            const l = listening;
            listening = undefined;
            l.then((x) => x.unlisten()).catch(() => undefined);
          }, LISTEN_LINGER_MS);
          idle.unref();
        }
      };
    },
    async close() {
      if (closed) return;
      await drain();
      closed = true;
      await Promise.allSettled([...pruning]);
      listeners.clear();
      if (idle) clearTimeout(idle);
      const l = listening;
      listening = undefined;
      await l?.then((x) => x.unlisten()).catch(() => undefined);
      breaker.stop();
      await pool.end({ timeout: 5 }).finally(() => sockets.destroyAll());
    },
  };
  return store;
}
