// Opens a SQLite database file safely: private folder and file modes, WAL, busy timeout, migrations.
import { closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { IpcError } from "../../core/errors.js";
import { migrate } from "./migrate.js";

/** How hard a commit is pushed to disk (SQLite PRAGMA synchronous). */
export type SyncMode = "normal" | "full";

/** Milliseconds a writer waits for another process's write lock before giving up. */
export const BUSY_TIMEOUT_MS = 15_000;

/**
 * Creates `dir` and its missing parents with mode 0700. Not mkdirSync's `recursive`: under a parent that
 * exists but cannot hold folders (/proc, a dangling symlink) Node 20 retries that forever instead of failing.
 */
function makePrivateDirs(dir: string): void {
  if (existsSync(dir)) return;
  const parent = dirname(dir);
  if (parent !== dir) makePrivateDirs(parent);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
}

/** Creates the database file with mode 0600 (and its folder 0700) when it does not exist yet. */
function createPrivateFile(path: string): void {
  if (path === ":memory:" || existsSync(path)) return;
  makePrivateDirs(dirname(path));
  try {
    closeSync(openSync(path, "wx", 0o600));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
}

/** Opens, configures and migrates the database at `path`. */
export function openDatabase(path: string, sync: SyncMode): Database.Database {
  let db: Database.Database;
  try {
    createPrivateFile(path);
    db = new Database(path);
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // WAL lets readers run beside one writer and survives a killed process (https://sqlite.org/wal.html).
    db.pragma("journal_mode = WAL");
    db.pragma(`synchronous = ${sync === "full" ? "FULL" : "NORMAL"}`);
    migrate(db);
  } catch (e) {
    if (e instanceof IpcError) throw e;
    throw new IpcError("unavailable", `cannot open database ${path}: ${(e as Error).message}`);
  }
  return db;
}
