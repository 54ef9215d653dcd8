// Retention for the PostgreSQL store: one server at a time (a session advisory lock; the others skip
// the pass), oldest ids first, in short transactions that keep the channel summary right.
import type { Sql, TransactionSql } from "postgres";
import { IpcError } from "../../core/errors.js";
import type { PruneOptions } from "../types.js";

/** Messages deleted per transaction. */
export const PG_PRUNE_CHUNK = 500;

/** The advisory lock a pruning server holds ("el-prune" in ASCII). */
export const PRUNE_LOCK = 0x656c2d7072756e65n;

function positiveInt(name: string, v: number | undefined): void {
  if (v !== undefined && (!Number.isSafeInteger(v) || v < 1)) {
    throw new IpcError("invalid_argument", `${name} must be a positive integer`);
  }
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

// Deletes the given ids (committed messages) and takes them off their channels' counts and tops.
async function deleteIds(tx: TransactionSql, ids: number[]): Promise<number> {
  if (ids.length === 0) return 0;
  const gone = await tx<
    { channel: string }[]
  >`DELETE FROM messages WHERE id = ANY(${ids}::bigint[]) RETURNING channel`;
  const per = new Map<string, number>();
  for (const g of gone) per.set(g.channel, (per.get(g.channel) ?? 0) + 1);
  const names = [...per.keys()].sort();
  // Locked in the order writers lock them, so a prune and a send never wait for each other in a circle.
  await tx`SELECT 1 FROM channels WHERE channel = ANY(${names}::text[]) ORDER BY channel FOR UPDATE`;
  await tx`
    UPDATE channels c SET count = c.count - d.n
    FROM unnest(${names}::text[], ${names.map((n) => per.get(n) ?? 0)}::bigint[]) AS d(channel, n)
    WHERE c.channel = d.channel`;
  await tx`
    UPDATE channels c SET top_id = t.id, last_at = t.created_at
    FROM unnest(${names}::text[]) AS ch(channel)
    CROSS JOIN LATERAL (SELECT id, created_at FROM messages WHERE channel = ch.channel ORDER BY id DESC LIMIT 1) t
    WHERE c.channel = ch.channel AND c.top_id <> t.id`;
  return gone.length;
}

/** Creates the prune operation (see Store.prune) over a pool. */
export function createPgPruner(
  sql: Sql,
  isClosed: () => boolean,
  mapError: (e: unknown) => unknown,
): (opts: PruneOptions) => Promise<number> {
  return async function prune(opts) {
    if (opts.before !== undefined && !Number.isFinite(opts.before)) {
      throw new IpcError("invalid_argument", "before must be a number of Unix seconds");
    }
    positiveInt("keepPerChannel", opts.keepPerChannel);
    positiveInt("maxRows", opts.maxRows);
    let conn: Awaited<ReturnType<Sql["reserve"]>>;
    try {
      conn = await sql.reserve();
    } catch (e) {
      throw mapError(e);
    }
    try {
      const [lock] = await conn<
        { ok: boolean }[]
      >`SELECT pg_try_advisory_lock(${PRUNE_LOCK.toString()}::bigint) AS ok`;
      // Another server is pruning; its pass covers this one's.
      if (!lock?.ok) return 0;
      try {
        return await pruneLocked(opts);
      } finally {
        await conn`SELECT pg_advisory_unlock(${PRUNE_LOCK.toString()}::bigint)`;
      }
    } catch (e) {
      throw mapError(e);
    } finally {
      conn.release();
    }
  };

  // The lock is held by the reserved connection; the work runs on the pool.
  async function pruneLocked(opts: PruneOptions): Promise<number> {
    const conn = sql;
    let left = opts.maxRows ?? Number.POSITIVE_INFINITY;
    let deleted = 0;
    const chunk = (): number => Math.min(PG_PRUNE_CHUNK, left);
    if (opts.before !== undefined) {
      for (let from = 0; ; ) {
        if (isClosed() || left <= 0) return deleted;
        const limit = chunk();
        const rows = await conn<{ id: number; t: number }[]>`
          SELECT id, created_at AS t FROM messages WHERE id > ${from} ORDER BY id LIMIT ${limit}`;
        const old = rows.filter((r) => r.t < (opts.before as number)).map((r) => r.id);
        if (old.length === 0) break;
        const n = (await conn.begin((tx) => deleteIds(tx, old))) as number;
        deleted += n;
        left -= n;
        if (rows.length < limit) break;
        from = rows.at(-1)?.id ?? from;
        await nextTurn();
      }
    }
    if (opts.keepPerChannel !== undefined) {
      const keep = opts.keepPerChannel;
      const channels = await conn<
        { channel: string }[]
      >`SELECT channel FROM channels WHERE count > ${keep} ORDER BY channel`;
      for (const { channel } of channels) {
        const [cut] = await conn<{ id: number }[]>`
          SELECT id FROM messages WHERE channel = ${channel} ORDER BY id DESC LIMIT 1 OFFSET ${keep - 1}`;
        if (!cut) continue;
        for (;;) {
          if (isClosed() || left <= 0) return deleted;
          const ids = (
            await conn<{ id: number }[]>`
              SELECT id FROM messages WHERE channel = ${channel} AND id < ${cut.id} ORDER BY id LIMIT ${chunk()}`
          ).map((r) => r.id);
          if (ids.length === 0) break;
          const n = (await conn.begin((tx) => deleteIds(tx, ids))) as number;
          deleted += n;
          left -= n;
          await nextTurn();
        }
      }
    }
    return deleted;
  }
}
