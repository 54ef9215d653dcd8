// connect(): one options object, each field defaulting to its environment variable, to a server
// (url) or a local database (db). The database backend and SQLite are loaded only for a database.
import { KeyObject } from "node:crypto";
import { IpcError } from "../core/errors.js";
import { parsePrivateKey } from "../crypto/keys.js";
import { remoteBackend } from "./backend.js";
import { type ClientIdentity, createClient } from "./client.js";
import type { Client, ConnectOptions, KeyInput } from "./types.js";

/** How long a call retries 429 and 503 answers unless connect() is told otherwise, in ms. */
export const DEFAULT_RETRY_BUDGET_MS = 10_000;

/**
 * Connects to an el-ipc server (`url`, else IPC_URL) or opens a local database (`db`, else IPC_DB_PATH,
 * else the CLI's default database), acting as `agent` (IPC_AGENT) with `key` (IPC_KEY) and, for a
 * server, the shared `apiKey` (IPC_API_KEY). Giving both url and db is refused.
 */
export async function connect(options: ConnectOptions = {}): Promise<Client> {
  const env = options.env ?? process.env;
  const pick = (v: string | undefined, name: string) => v ?? (env[name] || undefined);
  if (options.url !== undefined && options.db !== undefined) {
    throw new IpcError("invalid_argument", "connect takes url (a server) or db (a database), not both");
  }
  const url = options.db !== undefined ? undefined : pick(options.url, "IPC_URL");
  const keyInput: KeyInput | undefined = options.key ?? (env.IPC_KEY || undefined);
  const id: ClientIdentity = {
    agent: pick(options.agent, "IPC_AGENT"),
    key: keyInput === undefined ? undefined : await loadKey(keyInput),
  };
  if (url !== undefined) {
    let base: URL;
    try {
      base = new URL(url);
    } catch {
      throw new IpcError("invalid_argument", `url must be an http(s) URL, got '${url}'`);
    }
    if (base.protocol !== "http:" && base.protocol !== "https:") {
      throw new IpcError("invalid_argument", `url must be an http(s) URL, got '${url}'`);
    }
    const apiKey = pick(options.apiKey, "IPC_API_KEY");
    const backend = remoteBackend({
      baseUrl: url.replace(/\/+$/, ""),
      ...(apiKey !== undefined ? { apiKey } : {}),
      retryBudgetMs: options.retryBudgetMs ?? DEFAULT_RETRY_BUDGET_MS,
    });
    return createClient(backend, id);
  }
  const [{ openDatabase, localBackend }, { defaultDbPath }] = await Promise.all([
    import("./local.js"),
    import("../config.js"),
  ]);
  const path = options.db ?? (env.IPC_DB_PATH || defaultDbPath(env));
  const queue = await openDatabase({ path, env });
  return createClient(localBackend(queue, { asCaller: true }), id);
}

/** A key given as a KeyObject, a PEM text or the path of a PEM file (mode 600, as the CLI wants). */
async function loadKey(k: KeyInput): Promise<KeyObject> {
  if (typeof k !== "string") {
    if (!(k instanceof KeyObject) || k.type !== "private" || k.asymmetricKeyType !== "ed25519") {
      throw new IpcError("invalid_argument", "key must be an Ed25519 private key");
    }
    return k;
  }
  if (/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(k)) {
    try {
      return parsePrivateKey(k);
    } catch {
      throw new IpcError("invalid_argument", "key is not an Ed25519 private key in PEM (PKCS8) form");
    }
  }
  if (/-----BEGIN/.test(k))
    throw new IpcError("invalid_argument", "key must be a private key, not a public one");
  const { loadPrivateKeyFile } = await import("../cli/keyfile.js");
  return loadPrivateKeyFile(k);
}
