// Test helpers for the HTTP face: a server over a fresh store (the backend IPC_TEST_DB names, SQLite by
// default), in-process (inject) or listening on a free port, with everything removed afterwards.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { type Config, queueOptionsOf, resolveConfig } from "../../src/config.js";
import { createQueue, type Queue } from "../../src/core/queue.js";
import { createHttpServer, type RunningHttpServer, startHttpServer } from "../../src/http/server.js";
import { makeTestStore, type TestStore } from "./store.js";

/** A temp directory holding the database of one test server. */
export function tempDir(): { dir: string; dbPath: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), "el-ipc-http-"));
  return { dir, dbPath: join(dir, "ipc.db"), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Configuration for a test server: the real resolveConfig over a temp db, port 0 and `env`; `store`
 * replaces the SQLite file with the test's store.
 */
export function testConfig(dbPath: string, env: NodeJS.ProcessEnv = {}, store?: TestStore): Config {
  const config = resolveConfig({ db: dbPath, port: 0, host: "127.0.0.1" }, env);
  return store ? { ...config, store: store.config } : config;
}

/** An in-process server (use `app.inject`). */
export interface InjectServer {
  app: FastifyInstance;
  queue: Queue;
  config: Config;
  dbPath: string;
  /** The test's store location (open it again to act as another process). */
  testStore: TestStore;
  close(): Promise<void>;
}

/** Creates an in-process server over a fresh database; `env` sets IPC_* variables. */
export async function injectServer(env: NodeJS.ProcessEnv = {}): Promise<InjectServer> {
  const t = tempDir();
  const testStore = await makeTestStore(t.dbPath);
  const config = testConfig(t.dbPath, env, testStore);
  const queue = createQueue({ ...queueOptionsOf(config), store: await testStore.open() });
  const app = createHttpServer({ queue, config, logLevel: "silent" });
  await app.ready();
  return {
    app,
    queue,
    config,
    dbPath: t.dbPath,
    testStore,
    async close() {
      await app.close();
      await queue.close();
      await testStore.cleanup();
      t.cleanup();
    },
  };
}

/** A server listening on a free port of 127.0.0.1. */
export interface ListeningServer extends RunningHttpServer {
  dbPath: string;
  testStore: TestStore;
}

/** Starts a real server over a fresh database; close() also removes the database. */
export async function listeningServer(env: NodeJS.ProcessEnv = {}): Promise<ListeningServer> {
  const t = tempDir();
  const testStore = await makeTestStore(t.dbPath);
  const s = await startHttpServer(testConfig(t.dbPath, env, testStore), { logLevel: "silent" });
  return {
    ...s,
    dbPath: t.dbPath,
    testStore,
    async close() {
      await s.close();
      await testStore.cleanup();
      t.cleanup();
    },
  };
}

/** Polls `cond` every 5 ms until it holds or `ms` pass; resolves to its last value. */
export async function until(cond: () => boolean, ms = 2000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  return cond();
}

/** POST JSON to a listening server. */
export function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}
