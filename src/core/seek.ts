// Seek: moves an agent's watermark anywhere on a channel, also backwards to re-read history. An agent
// moves its own (with its proof in secure mode); a proven operator may move anyone's. Each seek is
// recorded as an admin event, so a watermark never moves silently.
import type { Store } from "../store/types.js";
import type { Caller } from "./caller.js";
import { IpcError } from "./errors.js";
import type { Hub } from "./hub.js";
import type { Identity } from "./identity.js";
import { checkName } from "./limits.js";
import type { SecurityLog } from "./security-log.js";
import type { SeekRequest, SeekTarget } from "./types.js";

/** What seek needs from the queue. */
export interface SeekOptions {
  store: Store;
  hub: Hub;
  identity: Identity;
  security: SecurityLog;
  /** The queue's reader check (callers.ts): `caller` may read `channels` as `agent`. */
  checkReader(channels: string[], agent: string, caller: Caller): Promise<string>;
  /** The queue's operator check (callers.ts). */
  checkOperator(caller: Caller, action: string, what: string): Promise<void>;
}

/** Creates the seek operation of one queue. */
export function createSeek(o: SeekOptions) {
  /** The id `to` names on `channel`; an id beyond the channel's last message is refused. */
  async function resolve(channel: string, to: SeekTarget): Promise<number> {
    if (to === "start") return 0;
    if (to === "end") return o.store.channelLastId(channel);
    if (!Number.isSafeInteger(to) || to < 0) {
      throw new IpcError("invalid_argument", "to must be a message id, start or end");
    }
    if (to === 0) return 0;
    const [atOrAfter] = await o.store.readAfter([{ channel, after: to - 1 }], 1);
    if (atOrAfter === undefined) {
      throw new IpcError(
        "invalid_argument",
        `id ${to} is beyond the last message of channel '${channel}'; seek to end to skip everything sent so far`,
      );
    }
    return to;
  }

  return {
    /**
     * Sets `agent`'s watermark on `channel` to what `to` names, forward or back, and resolves to it.
     * Secure mode: the caller must be `agent` itself (and may read the channel) or an active operator.
     */
    async seek(caller: Caller, r: SeekRequest): Promise<number> {
      const channel = checkName("channel", r.channel);
      const agent = checkName("agent", r.agent);
      const who = "agent" in caller ? caller.agent : undefined;
      const byOperator = who !== undefined && who !== agent;
      if (byOperator) {
        await o.checkOperator(caller, "seek", "moving another agent's watermark");
        await o.identity.activeAgent(agent, { action: "seek" });
      } else {
        // Also a local process: moving an agent's watermark is acting as that agent (its key).
        await o.checkReader([channel], agent, caller);
      }
      const id = await resolve(channel, r.to);
      const from = (await o.store.getWatermarks(agent, [channel])).get(channel) ?? 0;
      await o.store.setWatermark(agent, channel, id);
      // A reader of this agent already waiting sees the history it was moved back to.
      if (id < from) o.hub.wake([channel]);
      const by = who ?? agent;
      const whose = byOperator ? `operator '${by}' moved ${agent}'s` : `${agent} moved its`;
      o.security.report({
        type: "admin",
        action: "seek",
        agent,
        channel,
        by,
        ...(byOperator ? { operator: by } : {}),
        from,
        to: id,
        message: `${whose} watermark on '${channel}' from ${from} to ${id}`,
      });
      return id;
    },
  };
}
