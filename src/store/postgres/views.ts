// The dashboard's read-only views in the PostgreSQL store: the newest messages (by the primary key, or the
// (channel, id) index) and the watermarks table, each bounded by the caller's limit.
import type { Sql } from "postgres";
import { MESSAGE_COLUMNS, type MessageRow, toMessage } from "../shared/rows.js";
import type { ViewStore, WatermarkRecord } from "../types.js";

/** The view methods over a pool; `q` turns driver errors into the store's IpcError. */
export function createPgViews(sql: Sql, q: <T>(f: () => Promise<T>) => Promise<T>): ViewStore {
  const cols = sql.unsafe(MESSAGE_COLUMNS);
  return {
    newestMessages: (channel, limit) =>
      q(async () => {
        const rows =
          channel === undefined
            ? await sql<MessageRow[]>`SELECT ${cols} FROM messages ORDER BY id DESC LIMIT ${limit}`
            : await sql<MessageRow[]>`
                SELECT ${cols} FROM messages WHERE channel = ${channel} ORDER BY id DESC LIMIT ${limit}`;
        return rows.map(toMessage);
      }),
    listWatermarks: (limit) =>
      q(async () => {
        // Byte order (COLLATE "C"), as SQLite sorts, whatever the database's collation.
        const rows = await sql<WatermarkRecord[]>`
          SELECT agent, channel, last_id AS after FROM watermarks
          ORDER BY agent COLLATE "C", channel COLLATE "C" LIMIT ${limit}`;
        return rows.map((r) => ({ agent: r.agent, channel: r.channel, after: r.after }));
      }),
  };
}
