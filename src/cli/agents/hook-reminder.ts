// The one line a hook puts before an agent's next prompt: how many messages wait where and from whom, only
// for messages not announced before. Names only, never contents, and every name cut short: a sender's
// name is all of a message that reaches the agent's context this way.
import type { Delivered } from "../../core/types.js";

/** The highest message id announced so far, per channel. */
export type Announced = Record<string, number>;

/** Longest name shown, in characters; longer names end in "…". */
export const SHOWN_NAME_CHARS = 32;
/** Senders named per channel; the rest are counted. */
const SHOWN_SENDERS = 3;

/** What a reminder says and what is announced once it has been shown. */
export interface Reminder {
  /** The line to show, or undefined when nothing new is unread. */
  text: string | undefined;
  /** `announced` moved up to the newest message of each channel. */
  announced: Announced;
}

function cut(name: string): string {
  const chars = [...name];
  return chars.length <= SHOWN_NAME_CHARS ? name : `${chars.slice(0, SHOWN_NAME_CHARS - 1).join("")}…`;
}

function senders(messages: Pick<Delivered, "sender">[]): string {
  const counts = new Map<string, number>();
  for (const m of messages) counts.set(m.sender, (counts.get(m.sender) ?? 0) + 1);
  const names = [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([n]) => cut(n));
  if (names.length <= SHOWN_SENDERS) return names.join(", ").replace(/, ([^,]*)$/, " and $1");
  return `${names.slice(0, SHOWN_SENDERS).join(", ")} and ${names.length - SHOWN_SENDERS} more`;
}

/**
 * The reminder for `agent` about `unread` (a peek at its unread messages, oldest first), given what was
 * `announced` before. `more` says the peek hit its limit, so counts are lower bounds ("100+"). Reads as
 * "el-ipc: 3 unread on #build from planner, 1 in @you from boss. Read them ...".
 */
export function reminder(
  agent: string,
  unread: Pick<Delivered, "id" | "channel" | "sender">[],
  announced: Announced,
  more = false,
): Reminder {
  const byChannel = new Map<string, Pick<Delivered, "id" | "channel" | "sender">[]>();
  for (const m of unread) byChannel.set(m.channel, [...(byChannel.get(m.channel) ?? []), m]);
  const next: Announced = { ...announced };
  const parts: string[] = [];
  const plus = more ? "+" : "";
  for (const [channel, messages] of byChannel) {
    const fresh = messages.filter((m) => m.id > (announced[channel] ?? 0));
    next[channel] = Math.max(next[channel] ?? 0, ...messages.map((m) => m.id));
    if (fresh.length === 0) continue;
    const where = channel.startsWith("@") ? `in ${cut(channel)}` : `on #${cut(channel)}`;
    const before = messages.length > fresh.length ? ` (${messages.length}${plus} in all)` : "";
    const unread = parts.length === 0 ? " unread" : "";
    parts.push(`${fresh.length}${plus}${unread} ${where} from ${senders(fresh)}${before}`);
  }
  if (parts.length === 0) return { text: undefined, announced: next };
  const channels = [...byChannel.keys()].map(cut).join(",");
  const text = `el-ipc: ${parts.join(", ")}. Read them with the read_messages tool or: el-ipc read ${channels} ${cut(agent)}`;
  return { text, announced: next };
}
