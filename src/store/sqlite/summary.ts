// Keeps channel_summary (migrations 004, 006) up to date: the messages written since it was last brought up
// to date are added per channel in one statement, at the end of each commit of appends and before a listing.
import type Database from "better-sqlite3";

/**
 * Per channel, the messages after a mark. NOT INDEXED keeps SQLite on the id range: with the channel index
 * it would walk every message to avoid sorting the groups. A bare column beside MAX() comes from the row
 * holding the maximum (SQLite's documented rule).
 */
export const NEW_MESSAGES =
  "SELECT channel, COUNT(*) AS count, MAX(id) AS top, created_at FROM messages NOT INDEXED WHERE id > ? GROUP BY channel";

/** Brings the channel summary up to date. */
export interface ChannelSummaryKeeper {
  /** Adds the messages after the summary's mark; call inside a write transaction. */
  catchUp(): void;
  /** True when messages were written (by any process) that the summary does not count yet. */
  behind(): boolean;
}

/** Prepares the summary statements on `db`. */
export function createSummaryKeeper(db: Database.Database): ChannelSummaryKeeper {
  const upto = db.prepare("SELECT upto FROM channel_summary_state WHERE id = 0").pluck();
  const lastId = db.prepare("SELECT COALESCE(MAX(id), 0) FROM messages").pluck();
  const add = db.prepare(`
    INSERT INTO channel_summary (channel, count, top_id, last_at)
      SELECT channel, count, top, created_at FROM (${NEW_MESSAGES}) WHERE true
    ON CONFLICT (channel) DO UPDATE SET
      count = count + excluded.count,
      top_id = MAX(top_id, excluded.top_id),
      last_at = CASE WHEN excluded.top_id > top_id THEN excluded.last_at ELSE last_at END`);
  const mark = db.prepare("UPDATE channel_summary_state SET upto = ? WHERE id = 0 AND upto < ?");
  return {
    catchUp() {
      const from = upto.get() as number;
      const to = lastId.get() as number;
      if (to <= from) return;
      add.run(from);
      mark.run(to, to);
    },
    behind: () => (lastId.get() as number) > (upto.get() as number),
  };
}
