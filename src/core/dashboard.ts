// The operator dashboard's read-only views: channels, the directory with each agent's newest message,
// unread counts per agent and channel, and a channel's newest messages. Nothing here moves a watermark;
// in secure mode only a proven, active operator (a signed-in dashboard session) sees them.
import type { Store } from "../store/types.js";
import type { Caller } from "./caller.js";
import { toDelivered } from "./delivered.js";
import { IpcError } from "./errors.js";
import { checkName } from "./limits.js";
import { agentInfoOf } from "./listings.js";
import type { AgentInfo, ChannelInfo, Delivered } from "./types.js";

/** Channels the overview lists (the most recently active). */
export const OVERVIEW_CHANNELS = 100;
/** Identities the overview lists (oldest first). */
export const OVERVIEW_AGENTS = 500;
/** Watermarks (agent and channel pairs) the overview counts unread messages for. */
export const OVERVIEW_WATERMARKS = 500;
/** Newest messages scanned for each agent's last message. */
export const LAST_SENT_SCAN = 2_000;
/** Most messages of one channel view. */
export const TAIL_MAX = 200;
/** Messages of one channel view when the page does not say. */
export const TAIL_DEFAULT = 50;

/** One agent of the dashboard's directory. */
export interface DashboardAgent extends AgentInfo {
  /** Unix seconds of its newest message among the newest LAST_SENT_SCAN; null: none there. */
  last_sent: number | null;
}

/** What the dashboard's overview shows. */
export interface DashboardOverview {
  channels: ChannelInfo[];
  agents: DashboardAgent[];
  unread: { agent: string; channel: string; read_to: number; unread: number }[];
  /** A list was cut at its limit. */
  truncated: boolean;
  secure_mode: boolean;
}

/** What the views need from the queue. */
export interface DashboardViewOptions {
  store: Store;
  isSecure: () => Promise<boolean>;
  /** Refuses (and reports) a caller that is not a proven, active operator in secure mode. */
  checkOperator: (caller: Caller, action: string, what: string) => Promise<void>;
}

/** Creates the dashboard views of one queue (spread into the queue object). */
export function createDashboardViews({ store, isSecure, checkOperator }: DashboardViewOptions) {
  return {
    /** Channels, agents and unread counts, each bounded (OVERVIEW_*); operators only in secure mode. */
    async dashboardOverview(caller: Caller): Promise<DashboardOverview> {
      await checkOperator(caller, "dashboard", "the dashboard");
      const [rows, agents, marks, recent] = await Promise.all([
        store.listChannels({ limit: OVERVIEW_CHANNELS + 1 }),
        store.listAgentsPage({ limit: OVERVIEW_AGENTS + 1 }),
        store.views?.listWatermarks(OVERVIEW_WATERMARKS + 1) ?? [],
        store.views?.newestMessages(undefined, LAST_SENT_SCAN) ?? [],
      ]);
      const lastSent = new Map<string, number>();
      for (const m of recent) if (!lastSent.has(m.sender)) lastSent.set(m.sender, m.timestamp);
      const unread = await Promise.all(
        marks.slice(0, OVERVIEW_WATERMARKS).map(async (w) => ({
          agent: w.agent,
          channel: w.channel,
          read_to: w.after,
          unread: await store.countAfter(w.channel, w.after),
        })),
      );
      return {
        channels: rows
          .slice(0, OVERVIEW_CHANNELS)
          .map((c) => ({ channel: c.channel, count: c.count, last_message: c.lastMessage })),
        agents: agents
          .slice(0, OVERVIEW_AGENTS)
          .map((a) => ({ ...agentInfoOf(a), last_sent: lastSent.get(a.name) ?? null })),
        unread,
        truncated:
          rows.length > OVERVIEW_CHANNELS ||
          agents.length > OVERVIEW_AGENTS ||
          marks.length > OVERVIEW_WATERMARKS,
        secure_mode: await isSecure(),
      };
    },

    /**
     * The newest `limit` (default TAIL_DEFAULT, at most TAIL_MAX) messages of `channel`, oldest first,
     * moving no watermark; operators only in secure mode (they may read every channel, `_security` too).
     */
    async channelTail(caller: Caller, channel: string, limit = TAIL_DEFAULT): Promise<Delivered[]> {
      checkName("channel", channel);
      if (!Number.isInteger(limit) || limit < 1 || limit > TAIL_MAX) {
        throw new IpcError("invalid_argument", `limit must be a whole number from 1 to ${TAIL_MAX}`);
      }
      await checkOperator(caller, "dashboard", "the dashboard");
      const rows = (await store.views?.newestMessages(channel, limit)) ?? [];
      return rows.reverse().map(toDelivered);
    },
  };
}
