// A read-only look at a database file for `el-ipc doctor`: never creates, migrates or writes it.
import Database from "better-sqlite3";

/** What doctor learns from a database file. */
export interface DatabaseReport {
  /** PRAGMA journal_mode ("wal" once el-ipc opened it). */
  journalMode: string;
  /** PRAGMA quick_check: ["ok"] when sound, else the problems SQLite found (at most 10). */
  integrity: string[];
  /** Identities: name, role, public key (SPKI PEM) and whether revoked. Empty before the first migration. */
  identities: { name: string; role: string; publicKey: string; revoked: boolean }[];
}

/** Inspects the database at `path` read-only; throws SQLite's error when it cannot be opened or read. */
export function inspectDatabase(path: string): DatabaseReport {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const journalMode = String(db.pragma("journal_mode", { simple: true }));
    const integrity = (db.pragma("quick_check(10)") as { quick_check: string }[]).map((r) => r.quick_check);
    let identities: DatabaseReport["identities"] = [];
    const hasAgents = db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'agents'")
      .get();
    if (hasAgents) {
      identities = (
        db
          .prepare("SELECT name, role, public_key, revoked_at FROM agents ORDER BY created_at, name")
          .all() as {
          name: string;
          role: string;
          public_key: string;
          revoked_at: number | null;
        }[]
      ).map((r) => ({ name: r.name, role: r.role, publicKey: r.public_key, revoked: r.revoked_at !== null }));
    }
    return { journalMode, integrity, identities };
  } finally {
    db.close();
  }
}
