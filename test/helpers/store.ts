// The store a test runs on, chosen by IPC_TEST_DB: unset or "sqlite" (a temp file), "memory", or a
// postgres:// URL (each test store gets its own new database, dropped afterwards). Core and HTTP suites
// open their stores here, so one environment variable runs them on any backend.
import { openStore, type StoreConfig } from "../../src/store/open.js";
import type { NewMessage, Store } from "../../src/store/types.js";
import { makeTempDir } from "./fixtures.js";

/** A store location for one test, with what the test may do with it. */
export interface TestStore {
  /** The config naming it (for resolveConfig-free faces and startHttpServer). */
  config: StoreConfig;
  /** Which backend IPC_TEST_DB chose. */
  kind: StoreConfig["kind"];
  /** Opens the store (again: a second open is another process on the same database, except in memory). */
  open(): Promise<Store>;
  /** True when a second open() sees the first one's data (every backend but memory). */
  shared: boolean;
  /** Removes the database (close the stores first). */
  cleanup(): Promise<void>;
}

/** The backend IPC_TEST_DB names. */
export function testBackend(env: NodeJS.ProcessEnv = process.env): StoreConfig["kind"] {
  const v = env.IPC_TEST_DB ?? "";
  if (v === "" || v === "sqlite") return "sqlite";
  if (v === "memory") return "memory";
  if (/^postgres(ql)?:\/\//.test(v)) return "postgres";
  throw new Error(`IPC_TEST_DB must be sqlite, memory or a postgres:// URL, got '${v}'`);
}

/**
 * Creates a fresh, empty store location on the backend IPC_TEST_DB names; on SQLite at `sqlitePath` when
 * given (the caller removes it), else in a temp folder of its own.
 */
export async function makeTestStore(sqlitePath?: string): Promise<TestStore> {
  const kind = testBackend();
  if (kind === "memory") {
    const config: StoreConfig = { kind: "memory" };
    let one: Store | undefined;
    return {
      config,
      kind,
      shared: false,
      open: async () => {
        one ??= await openStore(config);
        return one;
      },
      cleanup: async () => undefined,
    };
  }
  if (kind === "postgres") {
    const { makePostgresDatabase } = await import("./postgres.js");
    const db = await makePostgresDatabase(process.env.IPC_TEST_DB as string);
    const config: StoreConfig = { kind: "postgres", url: db.url, pool: 4 };
    return { config, kind, shared: true, open: () => openStore(config), cleanup: db.drop };
  }
  const tmp = sqlitePath === undefined ? makeTempDir() : undefined;
  const config: StoreConfig = {
    kind: "sqlite",
    path: sqlitePath ?? (tmp as { path: (p: string) => string }).path("ipc.db"),
    sync: "normal",
  };
  return {
    config,
    kind,
    shared: true,
    open: () => openStore(config),
    cleanup: async () => tmp?.cleanup(),
  };
}

/** An unsigned message as the store takes it (open mode), stored at a fixed time. */
export function unsignedMessage(channel: string, content: string, sender = "w"): NewMessage {
  return {
    channel,
    sender,
    content,
    timestamp: 1_800_000_000.5,
    signature: "",
    sigVersion: 0,
    sigTimestamp: null,
    sigNonce: null,
  };
}
