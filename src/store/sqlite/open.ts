// Opens a SQLite database file safely: private folder and file modes, WAL, busy timeout, migrations.
import {
  closeSync,
  constants,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readlinkSync,
  statSync,
} from "node:fs";
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

/**
 * Creates the database file with mode 0600 (and its folder 0700) when it does not exist yet, never through a
 * symlink: a symlink to an existing file is used as that file, a dangling one is refused (SQLite would create
 * its target with the umask's mode, wherever it points).
 */
function createPrivateFile(path: string): void {
  if (path === ":memory:") return;
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (st?.isSymbolicLink() && !existsSync(path)) {
    throw new IpcError(
      "invalid_argument",
      `database path ${path} is a symlink to a missing file (${readlinkSync(path)}); not creating a database through it: give the real path`,
    );
  }
  if (st) return;
  makePrivateDirs(dirname(path));
  const { O_CREAT, O_EXCL, O_NOFOLLOW, O_WRONLY } = constants;
  try {
    closeSync(openSync(path, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY, 0o600));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
}

/** The database's files (main, -wal, -shm) that users other than the owner's group can write, with modes. */
function othersCanWrite(path: string): string[] {
  if (path === ":memory:") return [];
  const bad: string[] = [];
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    const st = statSync(file, { throwIfNoEntry: false });
    if (st && (st.mode & 0o022) !== 0) bad.push(`${file} (mode ${(st.mode & 0o777).toString(8)})`);
  }
  return bad;
}

function hasOperator(db: Database.Database): boolean {
  try {
    return db.prepare("SELECT 1 FROM agents WHERE role = 'operator' LIMIT 1").get() !== undefined;
  } catch {
    return false; // a database not migrated yet has no operator
  }
}

/**
 * Refuses (secure mode: an operator exists) or reports through `warn` (open mode) database files that
 * others can write: they could forge messages, keys and watermarks.
 */
function checkModes(
  db: Database.Database,
  path: string,
  before: string[],
  warn: (message: string) => void,
): void {
  const fileOf = (b: string) => b.slice(0, b.lastIndexOf(" (mode"));
  const bad = [...before];
  for (const b of othersCanWrite(path)) if (!bad.some((x) => fileOf(x) === fileOf(b))) bad.push(b);
  if (bad.length === 0) return;
  const fix = `fix it with: chmod 600 ${bad.map(fileOf).join(" ")}`;
  if (hasOperator(db)) {
    throw new IpcError(
      "forbidden",
      `database file ${bad.join(", ")} can be written by other users; refused in secure mode; ${fix}`,
    );
  }
  warn(`database file ${bad.join(", ")} can be written by other users; ${fix}`);
}

/** Opens, configures and migrates the database at `path`; `warn` hears what open mode tolerates. */
export function openDatabase(
  path: string,
  sync: SyncMode,
  warn: (message: string) => void = () => undefined,
): Database.Database {
  let db: Database.Database;
  try {
    createPrivateFile(path);
    // Looked at before SQLite opens them too: it may remove or rewrite a WAL file others planted.
    const before = othersCanWrite(path);
    db = new Database(path);
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // WAL lets readers run beside one writer and survives a killed process (https://sqlite.org/wal.html).
    db.pragma("journal_mode = WAL");
    db.pragma(`synchronous = ${sync === "full" ? "FULL" : "NORMAL"}`);
    try {
      checkModes(db, path, before, warn);
    } catch (e) {
      db.close();
      throw e;
    }
    migrate(db);
  } catch (e) {
    if (e instanceof IpcError) throw e;
    throw new IpcError("unavailable", `cannot open database ${path}: ${(e as Error).message}`);
  }
  return db;
}
