// Tool results small enough for an agent's context: a page of messages, each content cut at a length
// with a marker saying how to read it whole, and only what was shown in full acknowledged.
import type { Delivered } from "../core/types.js";

/** Messages one read shows when the agent names no limit. */
export const DEFAULT_PAGE = 20;
/** Most messages one read shows. */
export const MAX_PAGE = 100;
/** Characters of one message's content shown when the agent names no max_chars. */
export const DEFAULT_MAX_CHARS = 2000;
/** Largest max_chars: a message's content is at most 64 KiB. */
export const MAX_CHARS = 65_536;
/** Characters of content one page shows at most (a page always shows its first message). */
export const PAGE_CHARS = 20_000;

/** A message as a tool shows it. */
export interface ShownMessage {
  id: number;
  channel: string;
  sender: string;
  content: string;
  /** Unix seconds when stored. */
  timestamp: number;
  /** True when the sender signed it and the server checked the signature. */
  signed: boolean;
  /** Present when `content` was cut: how much is shown and how long it is. */
  cut?: { shown_chars: number; total_chars: number };
}

/** A page as a tool returns it, and what of it may be acknowledged. */
export interface ShapedPage {
  messages: ShownMessage[];
  /** True when unread messages remain (not shown, or cut). */
  more: boolean;
  /** The messages shown whole: only these are acknowledged. */
  whole: Delivered[];
}

/** Cuts `text` to at most `max` UTF-16 units without splitting a surrogate pair. */
function cutAt(text: string, max: number): string {
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

/**
 * Shapes a page read with `limit`: contents longer than `maxChars` are cut with a marker; a cut message
 * stays unread (so it can be read whole) and so does every later message of its channel; the page ends
 * once PAGE_CHARS of content are shown.
 */
export function shapePage(found: Delivered[], limit: number, maxChars: number): ShapedPage {
  const messages: ShownMessage[] = [];
  const whole: Delivered[] = [];
  const held = new Set<string>();
  let more = found.length >= limit;
  let chars = 0;
  for (const m of found) {
    if (held.has(m.channel)) {
      more = true;
      continue;
    }
    const shown = Math.min(m.content.length, maxChars);
    if (messages.length > 0 && chars + shown > PAGE_CHARS) {
      more = true;
      break;
    }
    chars += shown;
    const base = {
      id: m.id,
      channel: m.channel,
      sender: m.sender,
      timestamp: m.timestamp,
      signed: m.signed === true,
    };
    if (m.content.length <= maxChars) {
      messages.push({ ...base, content: m.content });
      whole.push(m);
      continue;
    }
    const text = cutAt(m.content, maxChars);
    const rest = m.content.length - text.length;
    const again = JSON.stringify({ channels: [m.channel], limit: 1, max_chars: m.content.length });
    messages.push({
      ...base,
      content: `${text}…[cut: ${rest} more characters. This message stays unread; read_messages ${again} shows it whole]`,
      cut: { shown_chars: text.length, total_chars: m.content.length },
    });
    held.add(m.channel);
    more = true;
  }
  return { messages, more, whole };
}
