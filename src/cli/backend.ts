// What CLI commands talk to: the local database (default) or, in remote mode (IPC_URL / --server), a
// server over HTTP. Both are loaded lazily so each command loads only what it uses.
import { existsSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { type Config, defaultDbPath, queueOptionsOf } from "../config.js";
import { IpcError } from "../core/errors.js";
import type { Backend } from "../sdk/backend.js";

export type { Backend, CallerProof } from "../sdk/backend.js";

/** Opens the backend `config` points at: the SDK's, over HTTP or on the database. */
export async function openBackend(config: Config): Promise<Backend> {
  if (config.serverUrl) {
    const { remoteBackend } = await import("../sdk/backend.js");
    return remoteBackend({
      baseUrl: config.serverUrl,
      apiKey: config.apiKey,
      // Once per outage: a waiting read keeps trying until the server is back.
      onWaitRetry: (e, attempt) => {
        if (attempt === 1)
          process.stderr.write(`el-ipc: ${e.message}; waiting for the server to come back\n`);
      },
    });
  }
  const [queue, { localBackend }] = await Promise.all([openDatabaseQueue(config), import("../sdk/local.js")]);
  return localBackend(queue);
}

/**
 * Opens the local SQLite database as a queue for a command that only works locally (`command`, e.g.
 * seed); refused when a server is configured, so the command never quietly writes a database of its own.
 */
export async function openLocalQueue(config: Config, command: string) {
  if (config.serverUrl) {
    throw new IpcError(
      "invalid_argument",
      `${command} works only on a local database, but a server is configured (${config.serverUrl}, from IPC_URL or --server): run it where the server's database is, without IPC_URL (--db <path> picks the database)`,
    );
  }
  return openDatabaseQueue(config);
}

/** Opens config.store as a queue; says so on stderr when that creates a new database (a typo'd path shows). */
async function openDatabaseQueue(config: Config) {
  const [{ openStore, storeExists }, { createQueue }, { LOCAL_SOURCE }] = await Promise.all([
    import("../store/open.js"),
    import("../core/queue.js"),
    import("../core/security-budget.js"),
  ]);
  const isNew = !storeExists(config.store);
  // Operator actions and refusals made here are written to _security like those over HTTP (local
  // callers share one budget), so operators see what happened on the database whichever face did it.
  const queue = createQueue({
    ...queueOptionsOf(config),
    store: await openStore(config.store, {
      onWarning: (m) => process.stderr.write(`el-ipc: warning: ${m}\n`),
    }),
  });
  // Events made here say so: `remote: "local"` (the CLI's one shared budget) instead of an address.
  queue.setSecuritySource(() => LOCAL_SOURCE);
  if (isNew && storeExists(config.store)) {
    process.stderr.write(`el-ipc: created a new database at ${config.database}\n`);
  }
  const hint = adoptionHint(config, process.env);
  if (hint) process.stderr.write(`el-ipc: ${hint}\n`);
  return queue;
}

/** Where the reference implementation keeps its database by default. */
export const REFERENCE_DB_PATH = "/tmp/el-ipc.db";

/**
 * Once per default database (a marker file beside it remembers): when IPC_DB_PATH is unset and the
 * reference's database exists, how to adopt it instead of looking at an empty queue. Undefined otherwise.
 */
export function adoptionHint(
  config: Config,
  env: NodeJS.ProcessEnv,
  referencePath = REFERENCE_DB_PATH,
): string | undefined {
  if (
    env.IPC_DB_PATH ||
    env.IPC_DB_URL ||
    config.database !== defaultDbPath(env) ||
    !existsSync(referencePath)
  ) {
    return undefined;
  }
  const marker = join(dirname(config.database), ".reference-db-hint-shown");
  if (existsSync(marker)) return undefined;
  try {
    writeFileSync(marker, `${referencePath}\n`, { mode: 0o600, flag: "wx" });
  } catch {
    return undefined; // Shown by another process just now, or the folder is not writable: stay quiet.
  }
  return `the reference's database ${referencePath} exists, but el-ipc uses ${config.database}; to adopt its messages and agents: el-ipc import ${referencePath} (shown once)`;
}
