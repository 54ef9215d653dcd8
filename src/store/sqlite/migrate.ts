// Applies the numbered .sql migrations beside this backend, once each, tracked in PRAGMA user_version.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type Database from "better-sqlite3";

const MIGRATIONS_DIR = fileURLToPath(new URL("./migrations/", import.meta.url));

/** Migration files in order: `NNN_name.sql`, numbered from 1 without gaps. */
function migrationFiles(): string[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{3}_.+\.sql$/.test(f))
    .sort();
}

/**
 * Brings the schema up to date inside one IMMEDIATE transaction, so processes opening a new database at
 * the same moment apply each migration exactly once. Reference databases (user_version 0) migrate in place.
 */
export function migrate(db: Database.Database): void {
  const files = migrationFiles();
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current >= files.length) return;
  db.transaction(() => {
    const version = db.pragma("user_version", { simple: true }) as number;
    for (let i = version; i < files.length; i++) {
      const file = files[i] as string;
      if (i === 0) addReferenceSignatureColumn(db);
      db.exec(readFileSync(join(MIGRATIONS_DIR, file), "utf8"));
    }
    db.pragma(`user_version = ${files.length}`);
  }).immediate();
}

// Early reference databases lack messages.signature (the reference added it with ALTER at every open).
function addReferenceSignatureColumn(db: Database.Database): void {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'messages'").get();
  if (!table) return;
  const cols = db.prepare("SELECT name FROM pragma_table_info('messages')").all() as { name: string }[];
  if (!cols.some((c) => c.name === "signature")) {
    db.exec("ALTER TABLE messages ADD COLUMN signature TEXT DEFAULT ''");
  }
}
