// The message part of the SQLite store: appends committed together (group commit), reads, and watermarks,
// with the calls of one event-loop turn batched so a fan-out to thousands of readers costs a few queries.
import type Database from "better-sqlite3";
import { IpcError } from "../../core/errors.js";
import { messageBytes } from "../../core/limits.js";
import { type CommitListener, createBatcher, type Outcome, reportCommit } from "../shared/batcher.js";

export type { CommitListener } from "../shared/batcher.js";

import { answerRepeat, idempotencyExpiry, idempotencyNow, type PriorSend } from "../shared/idempotency.js";
import { coalesceReads } from "../shared/read-cache.js";
import { MESSAGE_COLUMNS, type MessageRow, toMessage } from "../shared/rows.js";
import type { AppendResult, ChannelSummary, MessageAbilities, MessageRecord, NewMessage } from "../types.js";
import { createSummaryKeeper } from "./summary.js";

/** How long after a write the channel summary catches up, in ms. */
export const SUMMARY_DELAY_MS = 1_000;

/** What the message methods need from the store that owns the connection. */
export interface MessageStoreOptions {
  db: Database.Database;
  /** True once the store closed. */
  isClosed: () => boolean;
  /** Maps a SQLite error to an IpcError (busy, full); other errors unchanged. */
  mapError: (e: unknown) => unknown;
  /** Hears each group commit: the channel of every message it stored (duplicates left out), and its calls. */
  onCommit?: CommitListener;
}

/** The Store methods this file implements, and `flush` for close. */
export type MessageMethods = MessageAbilities & {
  /** Commits the appends and watermark moves still waiting for their turn. */
  flush(): void;
};

/** Thrown inside a call's savepoint to undo the call when one of its messages was refused. */
class CallRefused extends Error {
  constructor(readonly result: AppendResult) {
    super("call refused");
  }
}

interface WatermarkMove {
  agent: string;
  channel: string;
  id: number;
  /** A seek: set to `id` even when that is backwards. */
  set?: boolean;
}

interface WatermarkQuery {
  agent: string;
  channels: string[];
}

/** Creates the message methods of one SQLite connection. */
export function createMessageMethods(o: MessageStoreOptions): MessageMethods {
  const { db } = o;
  const stmt = {
    insert: db.prepare(
      "INSERT INTO messages (channel, sender, content, created_at, signature, sig_version, sig_timestamp, sig_nonce) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    ),
    useProof: db.prepare("INSERT OR IGNORE INTO used_proofs (key, expires_at) VALUES (?, ?)"),
    // The earlier message a key names, if it is still stored (retention may have pruned it).
    findIdem: db.prepare(
      "SELECT i.message_id AS id, m.channel, m.content, m.signature FROM idempotency i JOIN messages m ON m.id = i.message_id WHERE i.sender = ? AND i.key = ? AND i.expires_at > ?",
    ),
    putIdem: db.prepare(
      "INSERT OR REPLACE INTO idempotency (sender, key, message_id, expires_at) VALUES (?, ?, ?, ?)",
    ),
    countAfter: db.prepare("SELECT COUNT(*) AS n FROM messages WHERE channel = ? AND id > ?"),
    watermark: db.prepare("SELECT last_id FROM watermarks WHERE agent = ? AND channel = ?").pluck(),
    // Many agents' watermarks on one channel at once; the agents come as a JSON array.
    watermarks: db.prepare(
      "SELECT agent, last_id FROM watermarks WHERE channel = ? AND agent IN (SELECT value FROM json_each(?))",
    ),
    advance: db.prepare(
      "INSERT INTO watermarks (agent, channel, last_id) VALUES (?, ?, ?) ON CONFLICT (agent, channel) DO UPDATE SET last_id = MAX(COALESCE(last_id, 0), excluded.last_id)",
    ),
    setMark: db.prepare(
      "INSERT INTO watermarks (agent, channel, last_id) VALUES (?, ?, ?) ON CONFLICT (agent, channel) DO UPDATE SET last_id = excluded.last_id",
    ),
    channelTop: db.prepare("SELECT MAX(id) FROM messages WHERE channel = ?").pluck(),
    // The summary of migrations 004 and 006, newest activity first through its top_id index.
    channels: db.prepare(
      "SELECT channel, count, last_at AS last, top_id AS top FROM channel_summary WHERE top_id < ? ORDER BY top_id DESC LIMIT ?",
    ),
    changes: db.prepare("SELECT channel, MAX(id) AS top FROM messages WHERE id > ? GROUP BY channel"),
    lastId: db.prepare("SELECT MAX(id) FROM messages").pluck(),
    pruneProofs: db.prepare("DELETE FROM used_proofs WHERE expires_at IS NOT NULL AND expires_at < ?"),
    pruneIdem: db.prepare("DELETE FROM idempotency WHERE expires_at < ?"),
  };

  // One statement per number of channels read at once, prepared on first use.
  const readStatements = new Map<number, Database.Statement>();
  function readStatement(n: number): Database.Statement {
    let s = readStatements.get(n);
    if (!s) {
      const one = `SELECT * FROM (SELECT ${MESSAGE_COLUMNS} FROM messages WHERE channel = ? AND id > ? ORDER BY id LIMIT ?)`;
      s = db.prepare(`${Array.from({ length: n }, () => one).join(" UNION ALL ")} ORDER BY id LIMIT ?`);
      readStatements.set(n, s);
    }
    return s;
  }

  // Stepping row by row stops reading once the page is full: a backlog of large messages is never
  // loaded whole to answer one read.
  function readBounded(s: Database.Statement, args: (string | number)[], maxBytes: number): MessageRecord[] {
    if (maxBytes === Number.POSITIVE_INFINITY) return (s.all(...args) as MessageRow[]).map(toMessage);
    const out: MessageRecord[] = [];
    let bytes = 0;
    for (const row of s.iterate(...args) as IterableIterator<MessageRow>) {
      const m = toMessage(row);
      bytes += messageBytes(m);
      if (bytes > maxBytes && out.length > 0) break;
      out.push(m);
    }
    return out;
  }

  // The proof is consumed before the idempotency key is looked up (shared/idempotency answerRepeat).
  function appendOne(m: NewMessage): AppendResult {
    const fresh = !m.replayGuard || stmt.useProof.run(m.replayGuard.key, m.replayGuard.expiresAt).changes > 0;
    const prior =
      m.idempotencyKey === undefined
        ? undefined
        : (stmt.findIdem.get(m.sender, m.idempotencyKey, idempotencyNow(m)) as PriorSend | undefined);
    const repeat = answerRepeat(m, fresh, prior);
    if (repeat) return repeat;
    const id = Number(
      stmt.insert.run(
        m.channel,
        m.sender,
        m.content,
        m.timestamp,
        m.signature,
        m.sigVersion,
        m.sigTimestamp,
        m.sigNonce,
      ).lastInsertRowid,
    );
    if (m.idempotencyKey !== undefined) {
      stmt.putIdem.run(m.sender, m.idempotencyKey, id, idempotencyExpiry(m));
    }
    return { id, duplicate: false };
  }

  // A call that writes more than one row runs in its own savepoint inside the shared transaction, so a
  // call with a replayed message (or a failing one) is undone on its own and the calls beside it stay.
  const appendCall = db.transaction((msgs: NewMessage[]): AppendResult[] => {
    const results = msgs.map(appendOne);
    const refused = results.find((r) => !("id" in r));
    if (refused) throw new CallRefused(refused);
    return results;
  });
  // A single insert with no proof or key needs no savepoint: a failed statement leaves nothing behind.
  const writesOneRow = (msgs: NewMessage[]): boolean =>
    msgs.length === 1 && !msgs[0]?.replayGuard && msgs[0]?.idempotencyKey === undefined;
  const commitAppends = db.transaction((batch: NewMessage[][]): Outcome<AppendResult[]>[] =>
    batch.map((msgs): Outcome<AppendResult[]> => {
      try {
        return { value: writesOneRow(msgs) ? [appendOne(msgs[0] as NewMessage)] : appendCall(msgs) };
      } catch (e) {
        if (e instanceof CallRefused) return { value: msgs.map(() => e.result) };
        // SQLite abandoned the whole transaction (disk full, I/O error): fail every call of the group.
        if (!db.inTransaction) throw e;
        return { error: e };
      }
    }),
  );

  // The channel summary catches up SUMMARY_DELAY_MS after writes (one pass for all of them) and before a
  // listing, a step per transaction.
  const summary = createSummaryKeeper(db);
  const summaryStep = db.transaction(() => summary.catchUpStep());
  let summaryTimer: NodeJS.Timeout | undefined;
  async function catchUpSummary(): Promise<void> {
    for (;;) {
      if (o.isClosed()) return;
      try {
        if (summaryStep.immediate()) return;
      } catch (e) {
        throw o.mapError(e);
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  function scheduleSummary(): void {
    if (summaryTimer) return;
    summaryTimer = setTimeout(() => {
      summaryTimer = undefined;
      // Busy or closing: the next write or listing tries again.
      catchUpSummary().catch(() => undefined);
    }, SUMMARY_DELAY_MS);
    summaryTimer.unref();
  }
  const appends = createBatcher<NewMessage[], AppendResult[]>({
    schedule: setImmediate,
    run: (batch) => {
      const out = commitAppends.immediate(batch);
      reads.clear();
      scheduleSummary();
      if (o.onCommit) reportCommit(o.onCommit, batch, out);
      return out;
    },
    mapError: o.mapError,
  });

  const advanceAll = db.transaction((batch: WatermarkMove[]) => {
    for (const m of batch) (m.set ? stmt.setMark : stmt.advance).run(m.agent, m.channel, m.id);
  });
  const moves = createBatcher<WatermarkMove, void>({
    schedule: setImmediate,
    run: (batch) => {
      advanceAll.immediate(batch);
      return batch.map(() => ({ value: undefined }));
    },
    mapError: o.mapError,
  });

  // Readers woken together each ask for their watermarks: one query per channel answers them all.
  const marks = createBatcher<WatermarkQuery, Map<string, number>>({
    schedule: queueMicrotask,
    run: (batch) => {
      const byChannel = new Map<string, Set<string>>();
      for (const q of batch) {
        for (const c of q.channels) {
          let agents = byChannel.get(c);
          if (!agents) {
            agents = new Set();
            byChannel.set(c, agents);
          }
          agents.add(q.agent);
        }
      }
      const found = new Map<string, Map<string, number>>();
      for (const [channel, agents] of byChannel) {
        const m = new Map<string, number>();
        if (agents.size === 1) {
          const [agent] = agents as Set<string> & [string];
          m.set(agent, (stmt.watermark.get(agent, channel) as number | null) ?? 0);
        } else {
          const rows = stmt.watermarks.all(channel, JSON.stringify([...agents])) as {
            agent: string;
            last_id: number | null;
          }[];
          for (const r of rows) m.set(r.agent, r.last_id ?? 0);
        }
        found.set(channel, m);
      }
      return batch.map((q) => ({
        value: new Map(q.channels.map((c) => [c, found.get(c)?.get(q.agent) ?? 0])),
      }));
    },
    mapError: o.mapError,
  });

  // Identical reads of one turn share one query (shared/read-cache); emptied after every commit here.
  const reads = coalesceReads(async (after, limit, maxBytes) => {
    const args: (string | number)[] = [];
    for (const [channel, id] of after) args.push(channel, id, limit);
    args.push(limit);
    return readBounded(readStatement(after.size), args, maxBytes);
  });

  const closedError = (): Promise<never> => Promise.reject(new IpcError("unavailable", "store is closed"));

  return {
    append(messages) {
      if (o.isClosed()) return closedError();
      if (messages.length === 0) return Promise.resolve([]);
      return appends.push(messages);
    },
    readAfter: reads.readAfter,
    async lastId() {
      return (stmt.lastId.get() as number | null) ?? 0;
    },
    async countAfter(channel, after) {
      return (stmt.countAfter.get(channel, after) as { n: number }).n;
    },
    getWatermarks(agent, channels) {
      if (o.isClosed()) return closedError();
      if (channels.length === 0) return Promise.resolve(new Map());
      return marks.push({ agent, channels });
    },
    advanceWatermark(agent, channel, id) {
      if (o.isClosed()) return closedError();
      return moves.push({ agent, channel, id });
    },
    setWatermark(agent, channel, id) {
      if (o.isClosed()) return closedError();
      // Through the same batch as advances, so a seek lands after the advances made before it.
      return moves.push({ agent, channel, id, set: true });
    },
    async channelLastId(channel) {
      return (stmt.channelTop.get(channel) as number | null) ?? 0;
    },
    async listChannels(page): Promise<ChannelSummary[]> {
      // Messages not counted yet (written since the last pass, or by the reference) are counted first.
      if (summary.behind()) await catchUpSummary();
      const rows = stmt.channels.all(page?.after ?? Number.MAX_SAFE_INTEGER, page?.limit ?? -1) as {
        channel: string;
        count: number;
        last: number;
        top: number;
      }[];
      return rows.map((r) => ({ channel: r.channel, count: r.count, lastMessage: r.last, top: r.top }));
    },
    async changesSince(afterId) {
      const rows = stmt.changes.all(afterId) as { channel: string; top: number }[];
      let lastId = afterId;
      for (const r of rows) lastId = Math.max(lastId, r.top);
      return { lastId, channels: rows.map((r) => r.channel) };
    },
    async useProof(guard) {
      try {
        return stmt.useProof.run(guard.key, guard.expiresAt).changes === 1;
      } catch (e) {
        throw o.mapError(e);
      }
    },
    async pruneExpired(now) {
      try {
        db.transaction(() => {
          stmt.pruneProofs.run(now);
          stmt.pruneIdem.run(now);
        }).immediate();
      } catch (e) {
        throw o.mapError(e);
      }
    },
    flush() {
      appends.flush();
      moves.flush();
      marks.flush();
    },
  };
}
