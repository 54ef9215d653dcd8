// Adopts another SQLite database (e.g. the reference tool's /tmp/el-ipc.db): a consistent copy into a
// private file at the target, then migrated. The source is opened read-only and never changed.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { IpcError } from "../../core/errors.js";
import { openDatabase, type SyncMode } from "./open.js";

/** What importSqliteDatabase copied. */
export interface ImportResult {
  messages: number;
  agents: number;
}

function counts(db: Database.Database): ImportResult {
  const n = (table: string) => {
    const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table);
    return exists ? (db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number) : 0;
  };
  return { messages: n("messages"), agents: n("agents") };
}

/** Copies `source` into `target` (refused when the target holds messages or agents) and migrates it. */
export function importSqliteDatabase(source: string, target: string, sync: SyncMode): ImportResult {
  if (!existsSync(source)) throw new IpcError("not_found", `no database at ${source}`);
  if (existsSync(target)) {
    const db = openDatabase(target, sync);
    const has = counts(db);
    db.close();
    if (has.messages + has.agents > 0) {
      throw new IpcError(
        "conflict",
        `${target} already holds ${has.messages} messages and ${has.agents} agents: import only into an empty database (--db <new path>)`,
      );
    }
    for (const f of [target, `${target}-wal`, `${target}-shm`]) rmSync(f, { force: true });
  }
  mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
  // VACUUM INTO writes into an empty file; creating it first makes it 0600 whatever the umask.
  closeSync(openSync(target, "wx", 0o600));
  let src: Database.Database;
  try {
    src = new Database(source, { readonly: true, fileMustExist: true });
  } catch (e) {
    rmSync(target, { force: true });
    throw new IpcError("invalid_argument", `cannot open ${source} as a database: ${(e as Error).message}`);
  }
  try {
    src.prepare("VACUUM INTO ?").run(target);
  } catch (e) {
    rmSync(target, { force: true });
    throw new IpcError("invalid_argument", `cannot copy ${source}: ${(e as Error).message}`);
  } finally {
    src.close();
  }
  chmodSync(target, 0o600);
  const db = openDatabase(target, sync);
  const got = counts(db);
  db.close();
  return got;
}
