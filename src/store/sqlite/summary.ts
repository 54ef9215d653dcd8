// Keeps channel_summary (migrations 004, 006) up to date: the messages written since it was last brought up
// to date are added per channel, in steps of at most CATCH_UP_STEP ids, shortly after writes and before a
// listing. Sends pay nothing for it: a trigger per insert cost about as much as the insert.
import type Database from "better-sqlite3";

/** Message ids counted in one transaction: a long backlog is taken in steps, the write lock held briefly. */
export const CATCH_UP_STEP = 10_000;

/**
 * Per channel, the messages in an id range. NOT INDEXED keeps SQLite on the id range: with the channel
 * index it would walk every message to avoid sorting the groups. A bare column beside MAX() comes from the
 * row holding the maximum (SQLite's documented rule).
 */
export const NEW_MESSAGES =
  "SELECT channel, COUNT(*) AS count, MAX(id) AS top, created_at FROM messages NOT INDEXED WHERE id > ? AND id <= ? GROUP BY channel";

/** Brings the channel summary up to date. */
export interface ChannelSummaryKeeper {
  /** Counts the messages of the next step after the mark; true when it is then up to date. Call inside a write transaction. */
  catchUpStep(): boolean;
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
    catchUpStep() {
      const from = upto.get() as number;
      const last = lastId.get() as number;
      if (last <= from) return true;
      const to = Math.min(last, from + CATCH_UP_STEP);
      add.run(from, to);
      mark.run(to, to);
      return to >= last;
    },
    behind: () => (lastId.get() as number) > (upto.get() as number),
  };
}
