// The message part of the memory store: messages per channel in id order, one-use proofs, idempotency
// keys, watermarks and retention, all in this process's memory.
import { IpcError } from "../../core/errors.js";
import { answerRepeat, idempotencyExpiry, idempotencyNow } from "../shared/idempotency.js";
import { cutToBytes } from "../shared/read-cache.js";
import type {
  AppendResult,
  MessageAbilities,
  MessageRecord,
  NewMessage,
  PruneOptions,
  ReplayGuard,
  Store,
} from "../types.js";

/** Messages a prune deletes between two turns of the event loop, so appends get through meanwhile. */
const PRUNE_CHUNK = 500;

/** The Store methods this file implements. */
export type MemoryMessageMethods = MessageAbilities &
  Pick<Store, "prune"> & {
    /** Messages after `after` on channels `match` accepts, in id order, at most `limit`. */
    scan(match: (channel: string) => boolean, after: number, limit: number): MessageRecord[];
  };

/** The index of the first message of `list` (in id order) with an id above `after`. */
function firstAfter(list: MessageRecord[], after: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid] as MessageRecord).id <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function checkMessage(m: NewMessage): void {
  for (const f of ["channel", "sender", "content", "signature"] as const) {
    if (typeof m[f] !== "string") throw new IpcError("invalid_argument", `message ${f} must be a string`);
  }
  if (!Number.isFinite(m.timestamp))
    throw new IpcError("invalid_argument", "message timestamp must be a number");
}

function positiveInt(name: string, v: number | undefined): void {
  if (v !== undefined && (!Number.isSafeInteger(v) || v < 1)) {
    throw new IpcError("invalid_argument", `${name} must be a positive integer`);
  }
}

/** Creates the message methods over fresh, empty maps; `isClosed` makes writes refuse after close. */
export function createMemoryMessages(isClosed: () => boolean): MemoryMessageMethods {
  const byChannel = new Map<string, MessageRecord[]>();
  const proofs = new Map<string, number | null>();
  const idem = new Map<string, { id: number; expiresAt: number }>();
  const marks = new Map<string, number>();
  const byId = new Map<number, MessageRecord>();
  let nextId = 1;

  const closed = (): IpcError => new IpcError("unavailable", "store is closed");
  const markKey = (agent: string, channel: string): string => `${agent}\u0000${channel}`;
  const idemKey = (sender: string, key: string): string => `${sender}\u0000${key}`;

  // One call, all or nothing: proofs and keys it uses are staged and kept only when every message passes.
  function appendCall(msgs: NewMessage[]): AppendResult[] {
    msgs.forEach(checkMessage);
    const usedHere = new Set<string>();
    const keysHere = new Map<string, { id: number; expiresAt: number }>();
    const stored: MessageRecord[] = [];
    const results: AppendResult[] = [];
    let id = nextId;
    for (const m of msgs) {
      const g = m.replayGuard;
      const fresh = !g || (!proofs.has(g.key) && !usedHere.has(g.key));
      if (g) usedHere.add(g.key);
      let prior: MessageRecord | undefined;
      if (m.idempotencyKey !== undefined) {
        const k = idemKey(m.sender, m.idempotencyKey);
        const entry = keysHere.get(k) ?? idem.get(k);
        if (entry && entry.expiresAt > idempotencyNow(m)) {
          prior = byId.get(entry.id) ?? stored.find((s) => s.id === entry.id);
        }
      }
      const repeat = answerRepeat(m, fresh, prior);
      if (repeat) {
        if (!("id" in repeat)) return msgs.map(() => repeat);
        results.push(repeat);
        continue;
      }
      const { replayGuard: _g, idempotencyKey, ...fields } = m;
      const rec: MessageRecord = { ...fields, id: id++ };
      stored.push(rec);
      if (idempotencyKey !== undefined) {
        keysHere.set(idemKey(m.sender, idempotencyKey), { id: rec.id, expiresAt: idempotencyExpiry(m) });
      }
      results.push({ id: rec.id, duplicate: false });
    }
    nextId = id;
    for (const m of msgs) if (m.replayGuard) proofs.set(m.replayGuard.key, m.replayGuard.expiresAt);
    for (const [k, v] of keysHere) idem.set(k, v);
    for (const rec of stored) {
      let list = byChannel.get(rec.channel);
      if (!list) {
        list = [];
        byChannel.set(rec.channel, list);
      }
      list.push(rec);
      byId.set(rec.id, rec);
    }
    return results;
  }

  function remove(ids: Set<number>): void {
    const channels = new Set<string>();
    for (const id of ids) {
      const m = byId.get(id);
      if (m) channels.add(m.channel);
      byId.delete(id);
    }
    for (const c of channels) {
      const left = (byChannel.get(c) ?? []).filter((m) => !ids.has(m.id));
      if (left.length > 0) byChannel.set(c, left);
      else byChannel.delete(c);
    }
  }

  const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  function all(after: number): MessageRecord[] {
    return [...byId.values()].filter((m) => m.id > after).sort((a, b) => a.id - b.id);
  }

  return {
    async append(messages) {
      if (isClosed()) throw closed();
      if (messages.length === 0) return [];
      return appendCall(messages);
    },
    async readAfter(positions, limit, maxBytes = Number.POSITIVE_INFINITY) {
      const after = new Map<string, number>();
      for (const p of positions) after.set(p.channel, Math.min(p.after, after.get(p.channel) ?? p.after));
      const out: MessageRecord[] = [];
      for (const [channel, from] of after) {
        const list = byChannel.get(channel) ?? [];
        const start = firstAfter(list, from);
        out.push(...list.slice(start, start + limit));
      }
      out.sort((a, b) => a.id - b.id);
      return cutToBytes(out.slice(0, limit), maxBytes).map((m) => ({ ...m }));
    },
    async lastId() {
      let top = 0;
      for (const list of byChannel.values()) top = Math.max(top, list.at(-1)?.id ?? 0);
      return top;
    },
    async countAfter(channel, after) {
      const list = byChannel.get(channel) ?? [];
      return list.length - firstAfter(list, after);
    },
    async getWatermarks(agent, channels) {
      if (isClosed()) throw closed();
      return new Map(channels.map((c) => [c, marks.get(markKey(agent, c)) ?? 0]));
    },
    async advanceWatermark(agent, channel, id) {
      if (isClosed()) throw closed();
      const k = markKey(agent, channel);
      marks.set(k, Math.max(marks.get(k) ?? 0, id));
    },
    async setWatermark(agent, channel, id) {
      if (isClosed()) throw closed();
      marks.set(markKey(agent, channel), id);
    },
    async channelLastId(channel) {
      return byChannel.get(channel)?.at(-1)?.id ?? 0;
    },
    async listChannels(page) {
      const rows = [...byChannel].map(([channel, list]) => {
        const top = list.at(-1) as MessageRecord;
        return { channel, count: list.length, lastMessage: top.timestamp, top: top.id };
      });
      const after = page?.after ?? Number.MAX_SAFE_INTEGER;
      const sorted = rows.filter((r) => r.top < after).sort((a, b) => b.top - a.top);
      return page ? sorted.slice(0, page.limit) : sorted;
    },
    async changesSince(afterId) {
      let lastId = afterId;
      const channels: string[] = [];
      for (const [channel, list] of byChannel) {
        const top = list.at(-1)?.id ?? 0;
        if (top > afterId) channels.push(channel);
        lastId = Math.max(lastId, top);
      }
      return { lastId, channels };
    },
    async useProof(guard: ReplayGuard) {
      if (isClosed()) throw closed();
      if (proofs.has(guard.key)) return false;
      proofs.set(guard.key, guard.expiresAt);
      return true;
    },
    async pruneExpired(now) {
      for (const [k, exp] of proofs) if (exp !== null && exp < now) proofs.delete(k);
      for (const [k, v] of idem) if (v.expiresAt < now) idem.delete(k);
    },
    async prune(opts: PruneOptions) {
      if (opts.before !== undefined && !Number.isFinite(opts.before)) {
        throw new IpcError("invalid_argument", "before must be a number of Unix seconds");
      }
      positiveInt("keepPerChannel", opts.keepPerChannel);
      positiveInt("maxRows", opts.maxRows);
      let left = opts.maxRows ?? Number.POSITIVE_INFINITY;
      const doomed: number[] = [];
      if (opts.before !== undefined) {
        const before = opts.before;
        for (const m of all(0)) if (m.timestamp < before && doomed.length < left) doomed.push(m.id);
      }
      left -= doomed.length;
      if (opts.keepPerChannel !== undefined) {
        const gone = new Set(doomed);
        for (const list of byChannel.values()) {
          const kept = list.filter((m) => !gone.has(m.id));
          for (const m of kept.slice(0, Math.max(0, kept.length - opts.keepPerChannel))) {
            if (left <= 0) break;
            doomed.push(m.id);
            left--;
          }
        }
      }
      for (let i = 0; i < doomed.length; i += PRUNE_CHUNK) {
        if (isClosed()) return i;
        remove(new Set(doomed.slice(i, i + PRUNE_CHUNK)));
        await nextTurn();
      }
      return doomed.length;
    },
    scan(match, after, limit) {
      return all(after)
        .filter((m) => match(m.channel))
        .slice(0, limit)
        .map((m) => ({ ...m }));
    },
  };
}
