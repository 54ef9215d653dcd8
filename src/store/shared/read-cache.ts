// Read coalescing shared by every backend: readers woken together ask the same question, which is
// answered once per turn of the event loop, and a page is cut to a byte budget the same way everywhere.
import { messageBytes } from "../../core/limits.js";
import type { MessageRecord, Position } from "../types.js";

/** The read a backend runs: positions deduplicated (one per channel, the lowest), page limit, byte budget. */
export type ReadQuery = (
  after: Map<string, number>,
  limit: number,
  maxBytes: number,
) => Promise<MessageRecord[]>;

/** Store.readAfter over `query`, with coalescing; `clear` empties the cache (call it after every commit). */
export interface CoalescedReads {
  readAfter(positions: Position[], limit: number, maxBytes?: number): Promise<MessageRecord[]>;
  clear(): void;
}

/** Wraps a backend's read so identical reads made in one turn share one query. */
export function coalesceReads(query: ReadQuery): CoalescedReads {
  const cache = new Map<string, Promise<MessageRecord[]>>();
  const clear = (): void => cache.clear();
  return {
    async readAfter(positions, limit, maxBytes = Number.POSITIVE_INFINITY) {
      // A channel listed twice is read once, from its lower position, so no message comes back twice.
      const after = new Map<string, number>();
      for (const p of positions) after.set(p.channel, Math.min(p.after, after.get(p.channel) ?? p.after));
      if (after.size === 0) return [];
      let key = `${limit}\u0000${maxBytes}`;
      for (const [c, id] of after) key += `\u0000${c}\u0000${id}`;
      let rows = cache.get(key);
      if (!rows) {
        rows = query(after, limit, maxBytes);
        if (cache.size === 0) setImmediate(clear);
        cache.set(key, rows);
        // A failed read is not remembered: the next caller asks again.
        rows.catch(() => cache.delete(key));
      }
      return (await rows).slice();
    },
    clear,
  };
}

/** Cuts `rows` (in id order) before the message that would take the page beyond `maxBytes`; keeps the first. */
export function cutToBytes(rows: MessageRecord[], maxBytes: number): MessageRecord[] {
  if (maxBytes === Number.POSITIVE_INFINITY) return rows;
  let bytes = 0;
  for (let i = 0; i < rows.length; i++) {
    bytes += messageBytes(rows[i] as MessageRecord);
    if (bytes > maxBytes && i > 0) return rows.slice(0, i);
  }
  return rows;
}
