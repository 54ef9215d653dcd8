// The worker thread of the background checkpointer (checkpointer.ts): its own connection to the database
// runs a PASSIVE WAL checkpoint every intervalMs and closes when told to stop.
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";

/** What the main thread hands the worker. */
export interface CheckpointWorkerData {
  path: string;
  intervalMs: number;
}

const { path, intervalMs } = workerData as CheckpointWorkerData;
const db = new Database(path, { fileMustExist: true });
// PASSIVE never waits for readers or writers and never takes the write lock: a commit of the server's own
// connection is never held up by it (https://sqlite.org/c3ref/wal_checkpoint_v2.html).
const checkpoint = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");
const timer = setInterval(() => {
  try {
    checkpoint.run();
  } catch {
    // Busy (another process checkpoints now) or an I/O error: the next pass, or the main connection's
    // own fallback checkpoint, copies those pages.
  }
}, intervalMs);
parentPort?.on("message", (m) => {
  if (m !== "stop") return;
  clearInterval(timer);
  db.close();
  parentPort?.close();
});
