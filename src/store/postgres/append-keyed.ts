// The PostgreSQL group commit of a batch that carries idempotency keys: one transaction over the locked
// channel rows, each keyed or guarded call in its own savepoint (the usual batch is one elipc_append call).
import type { Sql, TransactionSql } from "postgres";
import type { Outcome } from "../shared/batcher.js";
import { answerRepeat, idempotencyExpiry, idempotencyNow, type PriorSend } from "../shared/idempotency.js";
import type { AppendResult, NewMessage } from "../types.js";

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

/** Thrown inside a call's savepoint to undo the call when one of its messages was refused. */
class CallRefused extends Error {
  constructor(readonly result: AppendResult) {
    super("call refused");
  }
}

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

// A batch with idempotency keys: one transaction, each keyed or guarded call in its own savepoint.
export async function commitKeyed(
  sql: Sql,
  notify: (tx: TransactionSql, channels: string[], top: number) => Promise<void>,
  batch: NewMessage[][],
  outcomes: (Outcome<AppendResult[]> | undefined)[],
  channels: string[],
): Promise<Outcome<AppendResult[]>[]> {
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
      await notify(tx, names, Math.max(...vals.map((v) => v.top)));
    }
    return results;
  });
  return done as Outcome<AppendResult[]>[];
}
