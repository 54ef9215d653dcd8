// The server-wide cap on bytes held for answers not yet written out (IPC_MAX_UNSENT_BYTES): a client that
// asks for large pages and never reads its socket cannot make the server hold unbounded memory.
import type { AnswerBudget } from "../core/types.js";

/** The budget of one server, with a share per client address. */
export interface ServerAnswerBudget {
  /** The budget one client address draws from: at most half of the whole, and the whole together. */
  forClient(address: string): AnswerBudget;
  /** Bytes held now, all clients together. */
  held(): number;
  /** The cap, in bytes. */
  readonly maxBytes: number;
}

/** Creates a budget of `maxBytes` (a page is always admitted while nothing at all is held). */
export function createAnswerBudget(maxBytes: number): ServerAnswerBudget {
  let total = 0;
  const perClient = new Map<string, number>();
  const share = Math.max(1, Math.floor(maxBytes / 2));
  return {
    maxBytes,
    held: () => total,
    forClient(address) {
      return {
        take(bytes) {
          const mine = perClient.get(address) ?? 0;
          if (total > 0 && (total + bytes > maxBytes || mine + bytes > share)) return false;
          total += bytes;
          perClient.set(address, mine + bytes);
          return true;
        },
        release(bytes) {
          total = Math.max(0, total - bytes);
          const left = (perClient.get(address) ?? 0) - bytes;
          if (left > 0) perClient.set(address, left);
          else perClient.delete(address);
        },
      };
    },
  };
}
