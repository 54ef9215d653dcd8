// The waiting loop behind a message stream (SSE): pages of unread messages from positions kept in
// memory, parking on the hub between pages. Checks happen in queue.stream; this only delivers.
import type { MessageRecord, Store } from "../store/types.js";
import { IpcError } from "./errors.js";
import type { Hub } from "./hub.js";
import { messageBytes } from "./limits.js";
import type { QueueObserver } from "./observer.js";
import type { AnswerBudget, Delivered } from "./types.js";

/** A stream request, as a face receives it. */
export interface StreamRequest {
  /** One or more channels. */
  channels: string[];
  agent: string;
  /**
   * Where to resume (an SSE client's Last-Event-ID): a message id applies to every channel; a map gives
   * each channel its own position (a multi-channel cursor), channels it leaves out start at their
   * watermark. Default: each channel's watermark.
   */
  after?: number | Map<string, number>;
  /**
   * Move the watermark past each message once it was handed over, i.e. when the consumer asks for the
   * next one. Default false: only ack moves it.
   */
  autoack?: boolean;
  /** Ends the stream (client gone, server closing). */
  signal: AbortSignal;
  /** Reserves each page's bytes until it was handed over; a refused page ends the stream (unavailable). */
  budget?: AnswerBudget;
}

/** What the loop needs from its queue. */
export interface StreamDeps {
  store: Store;
  hub: Hub;
  /** The reader is a proven caller: identity and access changes make it re-check (Hub.park). */
  guarded: boolean;
  /** Messages read per page. */
  pageSize: number;
  /** Bytes read per page at most (always one message). */
  pageBytes: number;
  /** See StreamRequest.budget. */
  budget?: AnswerBudget;
  /** Ms between retries of a store that became unavailable while the stream was open. Default 1,000. */
  retryMs?: number;
  /** Turns a stored message into its delivered form. */
  deliver(m: MessageRecord): Delivered;
  /** Hears each page handed over and the wake-up that led to it. Default none. */
  observer?: QueueObserver;
  /**
   * Runs before each page and after an identity or access change: throws when the reader may no longer
   * read (revoked, rotated or denied in the meantime).
   */
  recheck(): Promise<void>;
}

/**
 * Yields the messages after `positions` (channel -> last id delivered), oldest first, forever: when none
 * is left it parks until one of the channels gets a message. Returns when `signal` aborts.
 */
export async function* streamMessages(
  deps: StreamDeps,
  agent: string,
  positions: Map<string, number>,
  autoack: boolean,
  signal: AbortSignal,
): AsyncGenerator<Delivered, void, undefined> {
  const channels = [...positions.keys()];
  let wokenAt = 0;
  let first = true;
  while (!signal.aborted) {
    // Park before reading, so a message stored between the read and the wait still wakes us.
    const ticket = deps.hub.park(channels, Number.POSITIVE_INFINITY, signal, deps.guarded);
    let page: MessageRecord[];
    try {
      page = await deps.store.readAfter(
        channels.map((channel) => ({ channel, after: positions.get(channel) ?? 0 })),
        deps.pageSize,
        deps.pageBytes,
      );
      if (page.length > 0) await deps.recheck();
    } catch (e) {
      ticket.cancel();
      // An open stream outlives a database that went away: it retries on the next wake-up or in a second.
      if (first || !(e instanceof IpcError && e.code === "unavailable")) throw e;
      const retry = deps.hub.park(channels, deps.retryMs ?? 1_000, signal, deps.guarded);
      const why = await retry.done;
      if (why === "aborted") return;
      if (why === "recheck") await deps.recheck();
      continue;
    }
    first = false;
    if (page.length === 0) {
      const reason = await ticket.done;
      if (reason === "aborted") return;
      if (reason === "recheck") await deps.recheck();
      wokenAt = ticket.wokenAt;
      continue;
    }
    ticket.cancel();
    if (deps.observer) {
      if (wokenAt) deps.observer.woken((performance.now() - wokenAt) / 1000);
      deps.observer.delivered(page);
    }
    wokenAt = 0;
    let held = 0;
    if (deps.budget) {
      for (const m of page) held += messageBytes(m);
      if (!deps.budget.take(held)) {
        throw new IpcError("unavailable", "the server holds too many unsent answers; reconnect shortly", 1);
      }
    }
    try {
      for (const m of page) {
        positions.set(m.channel, m.id);
        yield deps.deliver(m);
        // Resumed: the consumer wrote the event and asks for the next one.
        if (autoack) await deps.store.advanceWatermark(agent, m.channel, m.id);
        if (signal.aborted) return;
      }
    } finally {
      deps.budget?.release(held);
    }
  }
}
