// The dashboard's read-only views in the SQLite store: the newest messages (by the primary key, or the
// (channel, id) index) and the watermarks table, each bounded by the caller's limit.
import type Database from "better-sqlite3";
import { MESSAGE_COLUMNS, type MessageRow, toMessage } from "../shared/rows.js";
import type { ViewStore, WatermarkRecord } from "../types.js";

/** The view methods over `db`; `fail` maps SQLite errors (busy, full) to IpcErrors. */
export function createViewStore(db: Database.Database, fail: (e: unknown) => never): ViewStore {
  const stmt = {
    newest: db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM messages ORDER BY id DESC LIMIT ?`),
    newestOf: db.prepare(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE channel = ? ORDER BY id DESC LIMIT ?`,
    ),
    marks: db.prepare(
      "SELECT agent, channel, last_id AS after FROM watermarks ORDER BY agent, channel LIMIT ?",
    ),
  };
  return {
    async newestMessages(channel, limit) {
      try {
        const rows = (
          channel === undefined ? stmt.newest.all(limit) : stmt.newestOf.all(channel, limit)
        ) as MessageRow[];
        return rows.map(toMessage);
      } catch (e) {
        fail(e);
      }
    },
    async listWatermarks(limit) {
      try {
        return (stmt.marks.all(limit) as WatermarkRecord[]).map((w) => ({ ...w, after: w.after ?? 0 }));
      } catch (e) {
        fail(e);
      }
    },
  };
}
