// Configuration resolved once: command-line flags, then environment, then defaults. The core never
// reads process.env; faces call resolveConfig and pass the result down.
import { homedir } from "node:os";
import { join } from "node:path";
import { IpcError } from "./core/errors.js";
import { DEFAULT_LIMITS, type Limits } from "./core/limits.js";

/** Everything a face needs to start. */
export interface Config {
  /** SQLite file. Flag --db, env IPC_DB_PATH, default $XDG_DATA_HOME/el-ipc/ipc.db (~/.local/share/el-ipc/ipc.db). */
  dbPath: string;
  /** HTTP port. Flag/argument, env IPC_PORT, default 9876. */
  port: number;
  /** Address the server binds. Flag --host, env IPC_HOST, default 127.0.0.1. */
  host: string;
  /** Shared bearer token required on every HTTP request but /health and the agent card. Env IPC_API_KEY. */
  apiKey: string;
  /** Server to use instead of the local database (remote mode). Flag --server, env IPC_URL. */
  serverUrl: string | undefined;
  /** "full" fsyncs every commit; "normal" (default) survives process crashes. Env IPC_SYNC. */
  sync: "normal" | "full";
  /** Agent card fields. Env IPC_AGENT_NAME, IPC_AGENT_DESC, IPC_AGENT_URL. */
  card: { name?: string; description?: string; url?: string };
  /** Size limits. Env IPC_MAX_BODY_BYTES, IPC_MAX_CONTENT_BYTES. */
  limits: Limits;
  /** Accepted skew of signed timestamps in ms. Env IPC_REPLAY_WINDOW_SECONDS, default 300 s. */
  replayWindowMs: number;
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
  return {
    dbPath: flags.db || env.IPC_DB_PATH || defaultDbPath(env),
    port: positiveInt("port", flags.port ?? env.IPC_PORT, 9876, 65535),
    host: flags.host || env.IPC_HOST || "127.0.0.1",
    apiKey: env.IPC_API_KEY ?? "",
    serverUrl: server ? server.replace(/\/+$/, "") : undefined,
    sync,
    card: {
      ...(env.IPC_AGENT_NAME ? { name: env.IPC_AGENT_NAME } : {}),
      ...(env.IPC_AGENT_DESC ? { description: env.IPC_AGENT_DESC } : {}),
      ...(env.IPC_AGENT_URL ? { url: env.IPC_AGENT_URL.replace(/\/+$/, "") } : {}),
    },
    limits: {
      ...DEFAULT_LIMITS,
      bodyBytes: positiveInt("IPC_MAX_BODY_BYTES", env.IPC_MAX_BODY_BYTES, DEFAULT_LIMITS.bodyBytes),
      contentBytes: positiveInt(
        "IPC_MAX_CONTENT_BYTES",
        env.IPC_MAX_CONTENT_BYTES,
        DEFAULT_LIMITS.contentBytes,
      ),
    },
    replayWindowMs:
      positiveInt("IPC_REPLAY_WINDOW_SECONDS", env.IPC_REPLAY_WINDOW_SECONDS, 300, 86_400) * 1000,
  };
}
