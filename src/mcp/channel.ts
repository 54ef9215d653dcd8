// Claude Code channel: every new message for the agent becomes a `notifications/claude/channel`
// notification, acknowledged only once the notification was written (at least once).
import type { Delivered } from "../core/types.js";
import type { AgentSession } from "./session.js";

/** The notification Claude Code turns into a <channel> event in the session. */
export const CHANNEL_NOTIFICATION = "notifications/claude/channel";
/** Longest wait of one poll, in ms (a dropped connection is noticed at the next poll). */
const POLL_MS = 30_000;
/** First pause after a failed poll, in ms; doubles up to RETRY_MAX_MS. */
const RETRY_BASE_MS = 500;
const RETRY_MAX_MS = 10_000;

/** The params of one channel notification: the content, and meta keys of [A-Za-z0-9_] only. */
export function channelParams(m: Delivered): { content: string; meta: Record<string, string> } {
  return {
    content: m.content,
    meta: { channel: m.channel, sender: m.sender, id: String(m.id), signed: m.signed ? "true" : "false" },
  };
}

/** Options of a channel pump. */
export interface ChannelPumpOptions {
  session: AgentSession;
  channels: string[];
  /** Writes one notification; resolves once it was written. */
  notify: (params: { content: string; meta: Record<string, string> }) => Promise<void>;
  signal: AbortSignal;
  /** Hears failed polls (the pump retries). */
  onError?: (err: unknown) => void;
}

/** Pushes messages until `signal` aborts; each is acknowledged after its notification was written. */
export async function pumpChannel(o: ChannelPumpOptions): Promise<void> {
  let delay = RETRY_BASE_MS;
  while (!o.signal.aborted) {
    let found: Delivered[];
    try {
      found = await o.session.peek({
        channels: o.channels,
        limit: 20,
        wait: true,
        timeoutMs: POLL_MS,
        signal: o.signal,
      });
      delay = RETRY_BASE_MS;
    } catch (e) {
      if (o.signal.aborted) return;
      o.onError?.(e);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, RETRY_MAX_MS);
      continue;
    }
    for (const m of found) {
      if (o.signal.aborted) return;
      // A failed write ends the pump (the client is gone); a failed ack only means it is sent again.
      await o.notify(channelParams(m));
      try {
        await o.session.ack([m]);
      } catch (e) {
        o.onError?.(e);
        break;
      }
    }
  }
}
