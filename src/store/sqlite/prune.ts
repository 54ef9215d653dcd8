// Retention for the SQLite store: deletes old messages in short IMMEDIATE transactions and yields to the
// event loop between them, so sends of this process and of others get the write lock in between.
import type Database from "better-sqlite3";
import { IpcError } from "../../core/errors.js";
import type { PruneOptions } from "../types.js";

/** Messages deleted per transaction: small enough that a waiting writer is held up for milliseconds. */
export const PRUNE_CHUNK_ROWS = 500;

/** What the pruner needs from its store. */
export interface PrunerContext {
  db: Database.Database;
  /** True once the store closed; pruning stops at the next chunk. */
  isClosed: () => boolean;
  /** Turns a SQLite error into the store's IpcError (busy, disk full) and throws it. */
  fail: (e: unknown) => never;
}

function positiveInt(name: string, v: number | undefined): void {
  if (v !== undefined && (!Number.isSafeInteger(v) || v < 1)) {
    throw new IpcError("invalid_argument", `${name} must be a positive integer`);
  }
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Creates the prune operation of one SQLite connection (see Store.prune). */
export function createPruner(ctx: PrunerContext): (opts: PruneOptions) => Promise<number> {
  const { db } = ctx;
  const stmt = {
    window: db.prepare("SELECT id, created_at AS t FROM messages WHERE id > ? ORDER BY id LIMIT ?"),
    deleteOld: db.prepare("DELETE FROM messages WHERE id > ? AND id <= ? AND created_at < ?"),
    // Distinct channels by skipping through the (channel, id) index: one lookup per channel.
    channels: db
      .prepare(
        `WITH RECURSIVE c(ch) AS (
           SELECT (SELECT MIN(channel) FROM messages)
           UNION ALL
           SELECT (SELECT MIN(channel) FROM messages WHERE channel > c.ch) FROM c WHERE c.ch IS NOT NULL
         ) SELECT ch FROM c WHERE ch IS NOT NULL`,
      )
      .pluck(),
    // The id of the n-th newest message of a channel (OFFSET n - 1), if it has that many.
    nthNewest: db
      .prepare("SELECT id FROM messages WHERE channel = ? ORDER BY id DESC LIMIT 1 OFFSET ?")
      .pluck(),
    deleteBelow: db.prepare(
      "DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE channel = ? AND id < ? ORDER BY id LIMIT ?)",
    ),
  };

  // One chunk of the age rule: of the next `limit` messages after id `from`, those stored before `before`.
  // created_at has no index (a send would pay for one), so the rule walks ids, which follow time.
  const ageChunk = db.transaction(
    (before: number, from: number, limit: number): { deleted: number; last: number; more: boolean } => {
      const rows = stmt.window.all(from, limit) as { id: number; t: number }[];
      const last = rows.at(-1)?.id ?? from;
      if (!rows.some((r) => r.t < before)) return { deleted: 0, last, more: false };
      const deleted = stmt.deleteOld.run(from, last, before).changes;
      return { deleted, last, more: rows.length === limit };
    },
  );

  const countChunk = db.transaction((channel: string, below: number, limit: number): number => {
    return stmt.deleteBelow.run(channel, below, limit).changes;
  });

  // IMMEDIATE takes the write lock up front, waiting out other writers with the busy timeout.
  function run<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      ctx.fail(e);
    }
  }

  return async function prune(opts: PruneOptions): Promise<number> {
    if (opts.before !== undefined && !Number.isFinite(opts.before)) {
      throw new IpcError("invalid_argument", "before must be a number of Unix seconds");
    }
    positiveInt("keepPerChannel", opts.keepPerChannel);
    positiveInt("maxRows", opts.maxRows);
    let left = opts.maxRows ?? Number.POSITIVE_INFINITY;
    let deleted = 0;
    const chunk = (): number => Math.min(PRUNE_CHUNK_ROWS, left);

    if (opts.before !== undefined) {
      // Oldest ids first, until a whole chunk holds nothing old enough (or the table ends).
      const before = opts.before;
      for (let from = 0; ; ) {
        if (ctx.isClosed() || left <= 0) return deleted;
        const start = from;
        const r = run(() => ageChunk.immediate(before, start, chunk()));
        deleted += r.deleted;
        left -= r.deleted;
        if (!r.more) break;
        from = r.last;
        await nextTurn();
      }
    }

    if (opts.keepPerChannel !== undefined) {
      const keep = opts.keepPerChannel;
      for (const channel of stmt.channels.all() as string[]) {
        if (ctx.isClosed() || left <= 0) return deleted;
        const cutoff = stmt.nthNewest.get(channel, keep - 1) as number | undefined;
        if (cutoff === undefined) continue;
        for (;;) {
          if (ctx.isClosed() || left <= 0) return deleted;
          const limit = chunk();
          const n = run(() => countChunk.immediate(channel, cutoff, limit));
          deleted += n;
          left -= n;
          if (n < limit) break;
          await nextTurn();
        }
        await nextTurn();
      }
    }
    return deleted;
  };
}
