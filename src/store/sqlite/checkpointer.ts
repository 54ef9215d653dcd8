// WAL checkpoints off the event loop, for a long-running process (the server). A checkpoint copies the
// WAL's pages into the database file and, at synchronous = NORMAL, fsyncs both; run by the writing
// connection itself (SQLite's auto-checkpoint after a commit that takes the WAL past 1,000 pages) it
// holds the event loop for every request meanwhile. Here a worker thread with its own connection
// checkpoints instead, and the main connection's auto-checkpoint stays on at a higher mark as the bound on
// the WAL's size (a checkpoint that overlaps commits cannot finish the WAL, so SQLite cannot start it over
// until one checkpoint runs between commits).
import { Worker } from "node:worker_threads";
import type Database from "better-sqlite3";
import type { CheckpointWorkerData } from "./checkpoint-worker.js";

/** How often the worker checkpoints, in ms. */
export const CHECKPOINT_INTERVAL_MS = 100;
/**
 * WAL pages at which the main connection checkpoints itself (SQLite's default is 1,000): with the worker
 * copying the pages, that checkpoint finds little left to copy, and it bounds the WAL at about 40 MB.
 */
export const FALLBACK_CHECKPOINT_PAGES = 10_000;
/** SQLite's default auto-checkpoint mark, restored if the worker stops on its own. */
const DEFAULT_CHECKPOINT_PAGES = 1_000;

/** A running checkpointer. */
export interface Checkpointer {
  /** Stops the worker after its checkpoint in progress, if any. */
  stop(): Promise<void>;
}

/** Starts checkpointing `path` (the file `db` has open) on a worker thread. */
export function startCheckpointer(
  db: Database.Database,
  path: string,
  intervalMs = CHECKPOINT_INTERVAL_MS,
): Checkpointer {
  db.pragma(`wal_autocheckpoint = ${FALLBACK_CHECKPOINT_PAGES}`);
  const data: CheckpointWorkerData = { path, intervalMs };
  const worker = new Worker(new URL("./checkpoint-worker.js", import.meta.url), { workerData: data });
  let stopping = false;
  const exited = new Promise<void>((resolve) => {
    worker.once("exit", () => {
      // The worker failed (could not open the file, crashed): the main connection checkpoints as usual.
      if (!stopping && db.open) db.pragma(`wal_autocheckpoint = ${DEFAULT_CHECKPOINT_PAGES}`);
      resolve();
    });
  });
  worker.on("error", () => undefined);
  worker.unref();
  return {
    async stop() {
      if (stopping) return exited;
      stopping = true;
      worker.postMessage("stop");
      const timer = setTimeout(() => void worker.terminate(), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
