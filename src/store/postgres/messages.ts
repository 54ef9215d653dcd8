// The message part of the PostgreSQL store: appends of one turn committed together (group commit) by one
// call of elipc_append (schema.ts), which locks each channel's row before taking ids, so ids within a
// channel become visible in increasing order; reads, watermarks and replay proofs.
import type { Sql, TransactionSql } from "postgres";
import { IpcError } from "../../core/errors.js";
import { type CommitListener, createBatcher, type Outcome, reportCommit } from "../shared/batcher.js";
import { coalesceReads, cutToBytes } from "../shared/read-cache.js";
import { MESSAGE_COLUMNS, type MessageRow, toMessage } from "../shared/rows.js";
import type { AppendResult, MessageAbilities, NewMessage } from "../types.js";
import { commitKeyed } from "./append-keyed.js";

export { type ChannelTally, tallyMessage } from "./append-keyed.js";

/** The Store methods this file implements, and `drain` for close. */
export type PgMessageMethods = MessageAbilities & {
  /** Commits what is waiting and resolves once no batch is in flight. */
  drain(): Promise<void>;
};

/** What the message methods need from the store. */
export interface PgMessageOptions {
  sql: Sql;
  isClosed: () => boolean;
  /** Turns a driver error into the store's IpcError (unavailable) or leaves it. */
  mapError: (e: unknown) => unknown;
  /** Hears each group commit (metrics): the channels of the messages stored and the calls joined. */
  onCommit?: CommitListener;
  /** Called inside each append transaction with the channels written and the highest id (NOTIFY). */
  notify: (tx: TransactionSql, channels: string[], top: number) => Promise<void>;
  /** What elipc_append notifies for these channels: the NOTIFY channel, this server's id and the name lists. */
  announce: (channels: string[]) => { channel: string; self: string; parts: string[][] };
}

// PostgreSQL text cannot hold U+0000; refusing it here fails only the call that carries it.
function checkText(name: string, v: unknown): void {
  if (typeof v !== "string") throw new IpcError("invalid_argument", `message ${name} must be a string`);
  if (v.includes("\u0000")) {
    throw new IpcError(
      "invalid_argument",
      `message ${name} contains a NUL character, which PostgreSQL cannot store`,
    );
  }
}

function checkMessage(m: NewMessage): void {
  checkText("channel", m.channel);
  checkText("sender", m.sender);
  checkText("content", m.content);
  checkText("signature", m.signature);
  if (m.sigNonce !== null) checkText("nonce", m.sigNonce);
  if (m.idempotencyKey !== undefined) checkText("idempotency key", m.idempotencyKey);
  if (m.replayGuard) checkText("replay key", m.replayGuard.key);
  if (!Number.isFinite(m.timestamp))
    throw new IpcError("invalid_argument", "message timestamp must be a number");
}

interface WatermarkMove {
  agent: string;
  channel: string;
  id: number;
  set?: boolean;
}

/** Creates the message methods over a connection pool. */
export function createPgMessages(o: PgMessageOptions): PgMessageMethods {
  const { sql } = o;

  async function commitAppends(batch: NewMessage[][]): Promise<Outcome<AppendResult[]>[]> {
    const outcomes: (Outcome<AppendResult[]> | undefined)[] = batch.map((msgs) => {
      try {
        msgs.forEach(checkMessage);
        return undefined;
      } catch (e) {
        return { error: e };
      }
    });
    const live = batch.filter((_, i) => outcomes[i] === undefined);
    if (live.length === 0) return outcomes as Outcome<AppendResult[]>[];
    const channels = [...new Set(live.flat().map((m) => m.channel))].sort();
    const done = live.some((msgs) => msgs.some((m) => m.idempotencyKey !== undefined))
      ? await commitKeyed(sql, o.notify, batch, outcomes, channels)
      : await commitInOne(batch, outcomes, channels);
    reads.clear();
    if (o.onCommit) reportCommit(o.onCommit, batch, done);
    return done;
  }

  // The usual batch (no idempotency keys): one call of elipc_append, one round trip.
  async function commitInOne(
    batch: NewMessage[][],
    outcomes: (Outcome<AppendResult[]> | undefined)[],
    channels: string[],
  ): Promise<Outcome<AppendResult[]>[]> {
    const msgs: NewMessage[] = [];
    const call: number[] = [];
    batch.forEach((ms, i) => {
      if (outcomes[i] !== undefined) return;
      for (const m of ms) {
        msgs.push(m);
        call.push(i + 1);
      }
    });
    const { channel, self, parts } = o.announce(channels);
    // The statement's transaction commits without waiting for its WAL flush, so the channel locks are
    // free for the next batch at once (they would otherwise be held through the flush); the callers are
    // answered only after the flush barrier below.
    const [row] = await sql<{ ids: (number | string)[] }[]>`
      SELECT set_config('synchronous_commit', 'off', true) AS lazy, elipc_append(
        ${call}::int[], ${msgs.map((m) => m.channel)}::text[], ${msgs.map((m) => m.sender)}::text[],
        ${msgs.map((m) => m.content)}::text[], ${msgs.map((m) => m.timestamp)}::float8[],
        ${msgs.map((m) => m.signature)}::text[], ${msgs.map((m) => m.sigVersion)}::smallint[],
        ${msgs.map((m) => m.sigTimestamp) as number[]}::bigint[], ${msgs.map((m) => m.sigNonce) as string[]}::text[],
        ${msgs.map((m) => m.replayGuard?.key ?? null) as string[]}::text[],
        ${msgs.map((m) => m.replayGuard?.expiresAt ?? null) as number[]}::bigint[],
        ${channel}, ${self}, ${JSON.stringify(parts)}::text::jsonb) AS ids`;
    // A transactional WAL record committed synchronously flushes the WAL up to itself, and so every batch
    // committed before it; batches that commit meanwhile share the flush (PostgreSQL's group commit).
    const barrier = sql`SELECT pg_logical_emit_message(true, 'elipc', '')`.then(() => undefined);
    barrier.catch(() => undefined);
    flushed = barrier;
    const ids = (row?.ids ?? []).map(Number);
    if (ids.length !== msgs.length)
      throw new Error(`elipc_append answered ${ids.length} ids for ${msgs.length}`);
    const results = [...outcomes];
    let at = 0;
    batch.forEach((ms, i) => {
      if (results[i] !== undefined) return;
      const got = ids.slice(at, at + ms.length);
      at += ms.length;
      results[i] = {
        value: got.some((id) => id === 0)
          ? ms.map(() => ({ replayed: true }) as const)
          : got.map((id) => ({ id, duplicate: false })),
      };
    });
    return results as Outcome<AppendResult[]>[];
  }

  /** Resolves once the WAL is flushed past the last batch commitInOne committed (its callers wait for it). */
  let flushed: Promise<void> = Promise.resolve();

  const appends = createBatcher<NewMessage[], AppendResult[]>({
    schedule: setImmediate,
    run: commitAppends,
    mapError: o.mapError,
  });

  const moves = createBatcher<WatermarkMove, void>({
    schedule: setImmediate,
    run: async (batch) => {
      await sql.begin((tx) =>
        batch.map((m) =>
          m.set
            ? tx`INSERT INTO watermarks (agent, channel, last_id) VALUES (${m.agent}, ${m.channel}, ${m.id})
                 ON CONFLICT (agent, channel) DO UPDATE SET last_id = excluded.last_id`
            : tx`INSERT INTO watermarks (agent, channel, last_id) VALUES (${m.agent}, ${m.channel}, ${m.id})
                 ON CONFLICT (agent, channel) DO UPDATE SET last_id = GREATEST(watermarks.last_id, excluded.last_id)`,
        ),
      );
      return batch.map(() => ({ value: undefined }));
    },
    mapError: o.mapError,
  });

  // Readers woken together each ask for their watermarks: one query answers them all.
  const marks = createBatcher<{ agent: string; channels: string[] }, Map<string, number>>({
    schedule: queueMicrotask,
    run: async (batch) => {
      const agents: string[] = [];
      const chans: string[] = [];
      for (const q of batch) {
        for (const c of q.channels) {
          agents.push(q.agent);
          chans.push(c);
        }
      }
      const rows = await sql<{ agent: string; channel: string; last_id: number }[]>`
        SELECT w.agent, w.channel, w.last_id FROM watermarks w
        JOIN (SELECT DISTINCT * FROM unnest(${agents}::text[], ${chans}::text[])) AS q(agent, channel)
          ON w.agent = q.agent AND w.channel = q.channel`;
      const found = new Map<string, number>();
      for (const r of rows) found.set(`${r.agent}\u0000${r.channel}`, r.last_id);
      return batch.map((q) => ({
        value: new Map(q.channels.map((c) => [c, found.get(`${q.agent}\u0000${c}`) ?? 0])),
      }));
    },
    mapError: o.mapError,
  });

  const reads = coalesceReads(async (after, limit, maxBytes) => {
    let rows: MessageRow[];
    try {
      if (after.size === 1) {
        const [[channel, from]] = [...after] as [[string, number]];
        rows = await sql<MessageRow[]>`
          SELECT ${sql.unsafe(MESSAGE_COLUMNS)} FROM messages
          WHERE channel = ${channel} AND id > ${from} ORDER BY id LIMIT ${limit}`;
      } else {
        rows = await sql<MessageRow[]>`
          SELECT m.* FROM unnest(${[...after.keys()]}::text[], ${[...after.values()]}::bigint[]) AS p(channel, after)
          CROSS JOIN LATERAL (
            SELECT ${sql.unsafe(MESSAGE_COLUMNS)} FROM messages
            WHERE channel = p.channel AND id > p.after ORDER BY id LIMIT ${limit}) m
          ORDER BY m.id LIMIT ${limit}`;
      }
    } catch (e) {
      throw o.mapError(e);
    }
    return cutToBytes(rows.map(toMessage), maxBytes);
  });

  const closedError = (): Promise<never> => Promise.reject(new IpcError("unavailable", "store is closed"));
  const q = async <T>(f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      throw o.mapError(e);
    }
  };
  let inFlight = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    const forget = (): void => {
      inFlight.delete(p);
    };
    p.then(forget, forget);
    return p;
  };

  return {
    append(messages) {
      if (o.isClosed()) return closedError();
      if (messages.length === 0) return Promise.resolve([]);
      return track(
        appends.push(messages).then(async (r) => {
          try {
            await flushed;
          } catch (e) {
            throw o.mapError(e);
          }
          return r;
        }),
      );
    },
    readAfter: reads.readAfter,
    lastId: () =>
      q(async () => (await sql<{ top: number | null }[]>`SELECT max(id) AS top FROM messages`)[0]?.top ?? 0),
    countAfter: (channel, after) =>
      q(
        async () =>
          (
            await sql<
              { n: number }[]
            >`SELECT count(*)::bigint AS n FROM messages WHERE channel = ${channel} AND id > ${after}`
          )[0]?.n ?? 0,
      ),
    getWatermarks(agent, channels) {
      if (o.isClosed()) return closedError();
      if (channels.length === 0) return Promise.resolve(new Map());
      return marks.push({ agent, channels });
    },
    advanceWatermark(agent, channel, id) {
      if (o.isClosed()) return closedError();
      return track(moves.push({ agent, channel, id }));
    },
    setWatermark(agent, channel, id) {
      if (o.isClosed()) return closedError();
      return track(moves.push({ agent, channel, id, set: true }));
    },
    channelLastId: (channel) =>
      q(
        async () =>
          (
            await sql<
              { top: number | null }[]
            >`SELECT max(id) AS top FROM messages WHERE channel = ${channel}`
          )[0]?.top ?? 0,
      ),
    listChannels: (page) =>
      q(async () => {
        const rows = await sql<{ channel: string; count: number; last_at: number; top_id: number }[]>`
          SELECT channel, count, last_at, top_id FROM channels
          WHERE count > 0 AND top_id < ${page?.after ?? Number.MAX_SAFE_INTEGER}
          ORDER BY top_id DESC ${page ? sql`LIMIT ${page.limit}` : sql``}`;
        return rows.map((r) => ({
          channel: r.channel,
          count: r.count,
          lastMessage: r.last_at,
          top: r.top_id,
        }));
      }),
    changesSince: (afterId) =>
      q(async () => {
        const rows = await sql<{ channel: string; top_id: number }[]>`
          SELECT channel, top_id FROM channels WHERE top_id > ${afterId} AND count > 0`;
        let lastId = afterId;
        for (const r of rows) lastId = Math.max(lastId, r.top_id);
        return { lastId, channels: rows.map((r) => r.channel) };
      }),
    useProof: (guard) =>
      q(
        async () =>
          (
            await sql`INSERT INTO used_proofs (key, expires_at) VALUES (${guard.key}, ${guard.expiresAt})
                      ON CONFLICT DO NOTHING RETURNING 1`
          ).length === 1,
      ),
    pruneExpired: (now) =>
      q(async () => {
        await sql`DELETE FROM used_proofs WHERE expires_at IS NOT NULL AND expires_at < ${now}`;
        await sql`DELETE FROM idempotency WHERE expires_at < ${now}`;
      }),
    async drain() {
      appends.flush();
      moves.flush();
      marks.flush();
      while (inFlight.size > 0) {
        const pending = inFlight;
        inFlight = new Set();
        await Promise.allSettled([...pending]);
      }
    },
  };
}
