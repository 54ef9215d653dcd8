// The message part of the PostgreSQL store: appends of one turn committed in one transaction (group
// commit) that locks each channel's row before taking ids, so ids within a channel become visible in
// increasing order; reads, watermarks and replay proofs.
import type { Sql, TransactionSql } from "postgres";
import { IpcError } from "../../core/errors.js";
import { type CommitListener, createBatcher, type Outcome, reportCommit } from "../shared/batcher.js";
import { answerRepeat, idempotencyExpiry, idempotencyNow, type PriorSend } from "../shared/idempotency.js";
import { coalesceReads, cutToBytes } from "../shared/read-cache.js";
import { MESSAGE_COLUMNS, type MessageRow, toMessage } from "../shared/rows.js";
import type { AppendResult, MessageAbilities, NewMessage } from "../types.js";

/** What a batch adds to one channel's summary row: messages, the highest id and that message's time. */
export interface ChannelTally {
  n: number;
  top: number;
  last: number;
}

/** Counts one stored message (`id` at `at`) into `per`, by its channel. */
export function tallyMessage(per: Map<string, ChannelTally>, channel: string, id: number, at: number): void {
  const s = per.get(channel) ?? { n: 0, top: 0, last: 0 };
  s.n++;
  if (id > s.top) {
    s.top = id;
    s.last = at;
  }
  per.set(channel, s);
}

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
}

/** Thrown inside a call's savepoint to undo the call when one of its messages was refused. */
class CallRefused extends Error {
  constructor(readonly result: AppendResult) {
    super("call refused");
  }
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

  async function insertMany(tx: TransactionSql, msgs: NewMessage[]): Promise<number[]> {
    if (msgs.length === 0) return [];
    const ids = (
      await tx<
        { id: number }[]
      >`SELECT nextval('messages_id_seq') AS id FROM generate_series(1, ${msgs.length})`
    )
      .map((r) => r.id)
      .sort((a, b) => a - b);
    await tx`
      INSERT INTO messages (id, channel, sender, content, created_at, signature, sig_version, sig_timestamp, sig_nonce)
      SELECT * FROM unnest(
        ${ids}::bigint[], ${msgs.map((m) => m.channel)}::text[], ${msgs.map((m) => m.sender)}::text[],
        ${msgs.map((m) => m.content)}::text[], ${msgs.map((m) => m.timestamp)}::float8[],
        ${msgs.map((m) => m.signature)}::text[], ${msgs.map((m) => m.sigVersion)}::smallint[],
        ${msgs.map((m) => m.sigTimestamp) as number[]}::bigint[], ${msgs.map((m) => m.sigNonce) as string[]}::text[])`;
    return ids;
  }

  // A call with proofs or keys, in its own savepoint: proofs and keys are checked message by message, then
  // the new messages are inserted together, so a refused call takes no ids (and undoes its proofs).
  async function appendGuarded(tx: TransactionSql, msgs: NewMessage[]): Promise<AppendResult[]> {
    const results: (AppendResult | undefined)[] = [];
    const fresh: NewMessage[] = [];
    // Keys first used inside this call: a repeat later in the call answers from the message before it.
    const keysHere = new Map<string, { index: number; m: NewMessage }>();
    for (const m of msgs) {
      const g = m.replayGuard;
      const unused =
        !g ||
        (
          await tx`INSERT INTO used_proofs (key, expires_at) VALUES (${g.key}, ${g.expiresAt}) ON CONFLICT DO NOTHING RETURNING 1`
        ).length > 0;
      let prior: PriorSend | undefined;
      const here =
        m.idempotencyKey === undefined ? undefined : keysHere.get(`${m.sender}\u0000${m.idempotencyKey}`);
      if (here) {
        prior = {
          id: -1 - here.index,
          channel: here.m.channel,
          content: here.m.content,
          signature: here.m.signature,
        };
      } else if (m.idempotencyKey !== undefined) {
        [prior] = await tx<PriorSend[]>`
          SELECT i.message_id AS id, m.channel, m.content, m.signature FROM idempotency i
          JOIN messages m ON m.id = i.message_id
          WHERE i.sender = ${m.sender} AND i.key = ${m.idempotencyKey} AND i.expires_at > ${idempotencyNow(m)}`;
      }
      const repeat = answerRepeat(m, unused, prior);
      if (repeat && !("id" in repeat)) throw new CallRefused(repeat);
      if (repeat) {
        results.push(repeat);
        continue;
      }
      if (m.idempotencyKey !== undefined)
        keysHere.set(`${m.sender}\u0000${m.idempotencyKey}`, { index: fresh.length, m });
      results.push(undefined);
      fresh.push(m);
    }
    const ids = await insertMany(tx, fresh);
    const keyed = fresh
      .map((m, i) => ({ m, id: ids[i] as number }))
      .filter((x) => x.m.idempotencyKey !== undefined);
    if (keyed.length > 0) {
      await tx`
        INSERT INTO idempotency (sender, key, message_id, expires_at)
        SELECT * FROM unnest(${keyed.map((x) => x.m.sender)}::text[], ${keyed.map((x) => x.m.idempotencyKey as string)}::text[],
                             ${keyed.map((x) => x.id)}::bigint[], ${keyed.map((x) => idempotencyExpiry(x.m))}::bigint[])
        ON CONFLICT (sender, key) DO UPDATE SET message_id = excluded.message_id, expires_at = excluded.expires_at`;
    }
    let next = 0;
    return results.map((r) => {
      if (r && "id" in r && r.id < 0) return { id: ids[-1 - r.id] as number, duplicate: true };
      return r ?? { id: ids[next++] as number, duplicate: false };
    });
  }

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
    const done = await sql.begin(async (tx) => {
      // The channel rows, locked in one order by every writer: ids taken below commit in order per channel.
      await tx`INSERT INTO channels (channel) SELECT c FROM unnest(${channels}::text[]) AS c ORDER BY c
               ON CONFLICT (channel) DO NOTHING`;
      await tx`SELECT 1 FROM channels WHERE channel = ANY(${channels}::text[]) ORDER BY channel FOR UPDATE`;
      const results: (Outcome<AppendResult[]> | undefined)[] = [...outcomes];
      let plain: number[] = [];
      const flushPlain = async (): Promise<void> => {
        const msgs = plain.map((i) => (batch[i] as NewMessage[])[0] as NewMessage);
        const ids = await insertMany(tx, msgs);
        plain.forEach((i, k) => {
          results[i] = { value: [{ id: ids[k] as number, duplicate: false }] };
        });
        plain = [];
      };
      for (let i = 0; i < batch.length; i++) {
        if (results[i] !== undefined) continue;
        const msgs = batch[i] as NewMessage[];
        const simple = msgs.length === 1 && !msgs[0]?.replayGuard && msgs[0]?.idempotencyKey === undefined;
        if (simple) {
          plain.push(i);
          continue;
        }
        await flushPlain();
        try {
          results[i] = { value: await tx.savepoint((sp) => appendGuarded(sp, msgs)) };
        } catch (e) {
          if (e instanceof CallRefused) results[i] = { value: msgs.map(() => e.result) };
          else throw e;
        }
      }
      await flushPlain();
      // The listing's summary, kept in the same transaction under the same locks.
      const stored = new Map<string, ChannelTally>();
      results.forEach((r, i) => {
        if (!r || !("value" in r)) return;
        (batch[i] as NewMessage[]).forEach((m, k) => {
          const a = r.value[k];
          if (!a || !("id" in a) || a.duplicate) return;
          tallyMessage(stored, m.channel, a.id, m.timestamp);
        });
      });
      if (stored.size > 0) {
        const names = [...stored.keys()];
        const vals = [...stored.values()];
        await tx`
          UPDATE channels c SET count = c.count + d.n,
            last_at = CASE WHEN d.top > c.top_id THEN d.last ELSE c.last_at END,
            top_id = GREATEST(c.top_id, d.top)
          FROM unnest(${names}::text[], ${vals.map((v) => v.n)}::bigint[], ${vals.map((v) => v.top)}::bigint[],
                      ${vals.map((v) => v.last)}::float8[]) AS d(channel, n, top, last)
          WHERE c.channel = d.channel`;
        await o.notify(tx, names, Math.max(...vals.map((v) => v.top)));
      }
      return results;
    });
    reads.clear();
    if (o.onCommit) reportCommit(o.onCommit, batch, done as Outcome<AppendResult[]>[]);
    return done as Outcome<AppendResult[]>[];
  }

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
      return track(appends.push(messages));
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
