// An AgentSession over the queue itself, for /mcp in `el-ipc serve`: every call is made as the request's
// caller. A caller proven by a bearer token carries the token's id, so the core ends a wait in progress
// once the token is revoked (at once) or expires (at the next progress interval).
import type { Caller } from "../core/caller.js";
import type { Queue } from "../core/queue.js";
import type { AgentSession } from "./session.js";

/** Options of a queue session. */
export interface QueueSessionOptions {
  queue: Queue;
  caller: Caller;
  /** The agent the session acts as (the caller's, in secure mode). */
  agent: string;
  /** Shown by whoami. */
  where: string;
}

/** Binds the queue to one caller acting as one agent. */
export function createQueueSession(o: QueueSessionOptions): AgentSession {
  const { queue, caller, agent } = o;
  return {
    identity: () => ({ agent, where: o.where, signing: false }),
    secureMode: () => queue.isSecure(),
    send: (channel, content, key) =>
      queue.sendAs(caller, { channel, sender: agent, content, ...(key !== undefined ? { key } : {}) }),
    async peek(r) {
      return queue.read(caller, {
        channels: r.channels,
        agent,
        limit: r.limit,
        peek: true,
        ...(r.wait ? { wait: true, timeoutMs: r.timeoutMs ?? 0 } : {}),
        ...(r.signal ? { signal: r.signal } : {}),
      });
    },
    ack: (messages) => queue.ackDelivered(caller, agent, messages),
    ackTo: (channel, id) => queue.ack(caller, { channel, agent, id }),
    seek: (channel, to) => queue.seek(caller, { channel, agent, to }),
    channels: () => queue.channels(caller),
    agents: () => queue.agents(caller),
    close: async () => undefined,
  };
}
