// Configuration resolved once: command-line flags, then environment, then defaults. The core never
// reads process.env; faces call resolveConfig and pass the result down.
import { homedir } from "node:os";
import { join } from "node:path";
import { IpcError } from "./core/errors.js";
import { DEFAULT_LIMITS, type Limits } from "./core/limits.js";
import type { RetentionPolicy } from "./core/maintenance.js";
import type { QueueOptions } from "./core/queue.js";
import { isPostgresUrl, type StoreConfig, storeLabel } from "./store/open.js";

/** Everything a face needs to start. */
export interface Config {
  /**
   * Where the queue is stored. Flag --db, env IPC_DB_URL, then IPC_DB_PATH: a postgres:// URL selects
   * PostgreSQL (pool size env IPC_DB_POOL, default 10), a URL of another scheme is refused, anything else
   * is a SQLite file (sync env IPC_SYNC); default SQLite at $XDG_DATA_HOME/el-ipc/ipc.db (~/.local/share/el-ipc/ipc.db).
   */
  store: StoreConfig;
  /** The store's location for messages and logs (a path, or the URL without its password). */
  database: string;
  /** HTTP port. Flag/argument, env IPC_PORT, default 9876. */
  port: number;
  /** Address the server binds. Flag --host, env IPC_HOST, default 127.0.0.1. */
  host: string;
  /** Shared bearer token required on every HTTP request but /health and the agent card. Env IPC_API_KEY. */
  apiKey: string;
  /**
   * Browser origins (scheme://host:port) allowed to call /mcp besides loopback ones; any other Origin is
   * refused (DNS-rebinding protection). Env IPC_MCP_ORIGINS, comma-separated; default none.
   */
  mcpOrigins: string[];
  /** Server to use instead of the local database (remote mode). Flag --server, env IPC_URL. */
  serverUrl: string | undefined;
  /** Agent card fields. Env IPC_AGENT_NAME, IPC_AGENT_DESC, IPC_AGENT_URL. */
  card: { name?: string; description?: string; url?: string };
  /** Private key file the server signs the agent card with (an operator's). Env IPC_CARD_KEY; default unsigned. */
  cardKeyPath: string | undefined;
  /** The agent A2A messages go to when they name none. Env IPC_A2A_AGENT; default none (they must name one). */
  a2aAgent: string | undefined;
  /** Size limits. Env IPC_MAX_BODY_BYTES, IPC_MAX_CONTENT_BYTES, IPC_MAX_PAGE_BYTES. */
  limits: Limits;
  /** Bytes the server holds for answers not yet written out, all clients together. Env IPC_MAX_UNSENT_BYTES, default 64 MiB. */
  maxUnsentBytes: number;
  /** Accepted skew of signed timestamps in ms. Env IPC_REPLAY_WINDOW_SECONDS, default 300 s. */
  replayWindowMs: number;
  /** Which messages the server deletes. Env IPC_RETENTION (e.g. `age=7d,count=10000`); default none. */
  retention: RetentionPolicy;
  /** Access rules, rate limits and security events (see SecurityConfig). */
  security: SecurityConfig;
}

/** A token bucket: `perSecond` requests on average, `burst` at once. */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

/** Security settings of the server and the core. */
export interface SecurityConfig {
  /** Channels no grant/deny rule matches, for registered agents. Env IPC_DEFAULT_ACCESS, default "allow". */
  defaultAccess: "allow" | "deny";
  /**
   * HTTP requests per identity: per proven agent in secure mode, per address in open mode. Env
   * IPC_RATE_LIMIT `<per second>,<burst>` or `off`, default 50000,100000 (never throttles real load).
   */
  rateLimit: RateLimit | null;
  /**
   * Secure mode: refused requests (bad or missing proof, replays, bad input) per address; an address over it
   * is refused everything. Env IPC_RATE_LIMIT_REFUSED, default 200,400.
   */
  refusedRateLimit: RateLimit | null;
  /** Waiting reads (long-polls, streams) one agent may hold at once. Env IPC_MAX_WAITS_PER_AGENT, default 100. */
  maxWaitsPerAgent: number;
  /** Security events written to the `_security` channel per second per source address, 0 for none. Env IPC_SECURITY_EVENTS, default 20. */
  eventsPerSecond: number;
}

/** Parses `<per second>,<burst>` (burst defaults to twice the rate) or `off`. */
export function parseRateLimit(
  name: string,
  text: string | undefined,
  fallback: RateLimit,
): RateLimit | null {
  if (text === undefined || text.trim() === "") return fallback;
  if (text.trim().toLowerCase() === "off") return null;
  const m = /^\s*(\d{1,9}(?:\.\d+)?)\s*(?:,\s*(\d{1,9})\s*)?$/.exec(text);
  const perSecond = Number(m?.[1]);
  const burst = m?.[2] !== undefined ? Number(m[2]) : Math.ceil(perSecond * 2);
  if (!m || !(perSecond > 0) || burst < 1) {
    throw new IpcError(
      "invalid_argument",
      `${name} must be '<requests per second>,<burst>' (e.g. 200,400) or 'off', got '${text}'`,
    );
  }
  return { perSecond, burst };
}

function resolveSecurity(env: NodeJS.ProcessEnv): SecurityConfig {
  const access = (env.IPC_DEFAULT_ACCESS || "allow").toLowerCase();
  if (access !== "allow" && access !== "deny") {
    throw new IpcError(
      "invalid_argument",
      `IPC_DEFAULT_ACCESS must be 'allow' or 'deny', got '${env.IPC_DEFAULT_ACCESS}'`,
    );
  }
  return {
    defaultAccess: access,
    rateLimit: parseRateLimit("IPC_RATE_LIMIT", env.IPC_RATE_LIMIT, { perSecond: 50_000, burst: 100_000 }),
    refusedRateLimit: parseRateLimit("IPC_RATE_LIMIT_REFUSED", env.IPC_RATE_LIMIT_REFUSED, {
      perSecond: 200,
      burst: 400,
    }),
    maxWaitsPerAgent: positiveInt("IPC_MAX_WAITS_PER_AGENT", env.IPC_MAX_WAITS_PER_AGENT, 100, 1_000_000),
    eventsPerSecond: positiveInt("IPC_SECURITY_EVENTS", env.IPC_SECURITY_EVENTS, 20, 100_000),
  };
}

/** Flags a face may pass; undefined means "not given". */
export interface ConfigFlags {
  db?: string;
  port?: string | number;
  host?: string;
  server?: string;
}

function positiveInt(
  name: string,
  value: string | number | undefined,
  fallback: number,
  max = 2 ** 31,
): number {
  if (value === undefined || value === "") return fallback;
  const n = typeof value === "number" ? value : Number(value);
  if (!Number.isInteger(n) || n < 0 || n > max) {
    throw new IpcError("invalid_argument", `${name} must be an integer from 0 to ${max}, got '${value}'`);
  }
  return n;
}

/** The default database path: $XDG_DATA_HOME/el-ipc/ipc.db, else ~/.local/share/el-ipc/ipc.db. */
export function defaultDbPath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_DATA_HOME || join(env.HOME || homedir(), ".local", "share");
  return join(base, "el-ipc", "ipc.db");
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses IPC_RETENTION: `age=<n><s|m|h|d>` (delete messages older than that) and/or `count=<n>` (keep at
 * most n newest per channel), separated by a comma. Unset or empty keeps everything.
 */
export function parseRetention(text: string | undefined): RetentionPolicy {
  const policy: RetentionPolicy = {};
  if (text === undefined || text.trim() === "") return policy;
  const bad = (why: string) =>
    new IpcError(
      "invalid_argument",
      `IPC_RETENTION ${why}; expected e.g. 'age=7d,count=10000' (age units s, m, h, d; either part optional)`,
    );
  for (const part of text.split(",")) {
    const m = /^\s*(\w+)\s*=\s*(\S*)\s*$/.exec(part);
    const key = m?.[1];
    const value = m?.[2] ?? "";
    if (key === "age") {
      const a = /^(\d{1,9})([smhd])$/.exec(value);
      if (policy.maxAgeMs !== undefined) throw bad("gives age twice");
      if (!a || Number(a[1]) === 0) throw bad(`age '${value}' is not a positive number with a unit`);
      policy.maxAgeMs = Number(a[1]) * (UNIT_MS[a[2] as string] as number);
    } else if (key === "count") {
      if (policy.keepPerChannel !== undefined) throw bad("gives count twice");
      if (!/^\d{1,9}$/.test(value) || Number(value) === 0) {
        throw bad(`count '${value}' is not a positive whole number`);
      }
      policy.keepPerChannel = Number(value);
    } else {
      throw bad(`has an unknown part '${part.trim()}'`);
    }
  }
  return policy;
}

/** Resolves configuration from flags, then the environment, then defaults. */
export function resolveConfig(flags: ConfigFlags, env: NodeJS.ProcessEnv): Config {
  const sync = (env.IPC_SYNC || "normal").toLowerCase();
  if (sync !== "normal" && sync !== "full") {
    throw new IpcError("invalid_argument", `IPC_SYNC must be 'normal' or 'full', got '${env.IPC_SYNC}'`);
  }
  const server = flags.server ?? env.IPC_URL;
  if (server !== undefined && server !== "" && !/^https?:\/\/[^\s]+$/.test(server)) {
    throw new IpcError("invalid_argument", `server URL must start with http:// or https://, got '${server}'`);
  }
  const where = flags.db || env.IPC_DB_URL || env.IPC_DB_PATH || defaultDbPath(env);
  // Anything else is a SQLite path, so a mistyped URL (postgress://…) would become a folder named after it.
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(where)?.[1];
  if (scheme !== undefined && !isPostgresUrl(where)) {
    throw new IpcError(
      "invalid_argument",
      `database '${scheme}://…' is neither a postgres:// (or postgresql://) URL nor a SQLite file path`,
    );
  }
  const store: StoreConfig = isPostgresUrl(where)
    ? {
        kind: "postgres",
        // A slash after the database name would become part of it ("walk1/").
        url: where.replace(/^([^?#]*?)\/+(?=[?#]|$)/, "$1"),
        pool: Math.max(1, positiveInt("IPC_DB_POOL", env.IPC_DB_POOL, 10, 1000)),
      }
    : { kind: "sqlite", path: where, sync };
  return {
    store,
    database: storeLabel(store),
    port: positiveInt("port", flags.port ?? env.IPC_PORT, 9876, 65535),
    host: flags.host || env.IPC_HOST || "127.0.0.1",
    apiKey: env.IPC_API_KEY ?? "",
    mcpOrigins: (env.IPC_MCP_ORIGINS ?? "")
      .split(",")
      .map((o) => o.trim().replace(/\/+$/, ""))
      .filter((o) => o !== ""),
    serverUrl: server ? server.replace(/\/+$/, "") : undefined,
    card: {
      ...(env.IPC_AGENT_NAME ? { name: env.IPC_AGENT_NAME } : {}),
      ...(env.IPC_AGENT_DESC ? { description: env.IPC_AGENT_DESC } : {}),
      ...(env.IPC_AGENT_URL ? { url: env.IPC_AGENT_URL.replace(/\/+$/, "") } : {}),
    },
    cardKeyPath: env.IPC_CARD_KEY || undefined,
    a2aAgent: env.IPC_A2A_AGENT || undefined,
    limits: {
      ...DEFAULT_LIMITS,
      bodyBytes: positiveInt("IPC_MAX_BODY_BYTES", env.IPC_MAX_BODY_BYTES, DEFAULT_LIMITS.bodyBytes),
      contentBytes: positiveInt(
        "IPC_MAX_CONTENT_BYTES",
        env.IPC_MAX_CONTENT_BYTES,
        DEFAULT_LIMITS.contentBytes,
      ),
      pageBytes: Math.max(
        1,
        positiveInt("IPC_MAX_PAGE_BYTES", env.IPC_MAX_PAGE_BYTES, DEFAULT_LIMITS.pageBytes),
      ),
    },
    maxUnsentBytes: Math.max(
      1,
      positiveInt("IPC_MAX_UNSENT_BYTES", env.IPC_MAX_UNSENT_BYTES, 64 * 1024 * 1024),
    ),
    replayWindowMs:
      positiveInt("IPC_REPLAY_WINDOW_SECONDS", env.IPC_REPLAY_WINDOW_SECONDS, 300, 86_400) * 1000,
    retention: parseRetention(env.IPC_RETENTION),
    security: resolveSecurity(env),
  };
}

/** The queue options a configuration sets (all but the store), so every face builds its queue alike. */
export function queueOptionsOf(config: Config): Omit<QueueOptions, "store"> {
  return {
    limits: config.limits,
    replayWindowMs: config.replayWindowMs,
    card: config.card,
    retention: config.retention,
    defaultAccess: config.security.defaultAccess,
    securityEventsPerSecond: config.security.eventsPerSecond,
  };
}
