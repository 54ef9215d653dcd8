// `el-ipc import`: adopts another el-ipc or reference SQLite database as the configured store.
import { IpcError } from "../core/errors.js";
import { type StoreConfig, storeLabel } from "./open.js";

/** What an import copied. */
export interface ImportResult {
  messages: number;
  agents: number;
}

/** Copies the SQLite database at `source` into the (empty) store `target` names. */
export async function importDatabase(source: string, target: StoreConfig): Promise<ImportResult> {
  if (target.kind !== "sqlite") {
    throw new IpcError(
      "invalid_argument",
      `import copies a database file into a SQLite database; ${storeLabel(target)} is not one (el-ipc migrate --from <file> --to <url> copies into PostgreSQL)`,
    );
  }
  const { importSqliteDatabase } = await import("./sqlite/import.js");
  return importSqliteDatabase(source, target.path, target.sync);
}
