// An AgentSession over the CLI's backend (local database or remote server): what `el-ipc mcp` uses.
import type { KeyObject } from "node:crypto";
import type { Backend } from "../cli/backend.js";
import { keyFingerprint } from "../crypto/keys.js";
import type { AgentSession } from "./session.js";

/** Options of a backend session. */
export interface BackendSessionOptions {
  backend: Backend;
  agent: string;
  /** The agent's private key; without one nothing is signed (open mode only). */
  key?: KeyObject;
  /** The server URL or database path, shown by whoami. */
  where: string;
}

/** Binds a backend to one agent and its key. */
export function createBackendSession(o: BackendSessionOptions): AgentSession {
  const { backend, agent, key } = o;
  const proof = key ? { key, agent } : undefined;
  let secure: boolean | undefined;
  return {
    identity: () => ({
      agent,
      where: o.where,
      signing: key !== undefined,
      ...(key ? { keyFingerprint: keyFingerprint(key) } : {}),
    }),
    async secureMode() {
      secure ??= (await backend.health()).secure_mode;
      return secure;
    },
    send: (channel, content, idempotencyKey) =>
      backend.send(
        { channel, sender: agent, content, ...(idempotencyKey !== undefined ? { key: idempotencyKey } : {}) },
        key,
      ),
    peek: (r) =>
      backend.read(
        {
          channels: r.channels,
          agent,
          limit: r.limit,
          peek: true,
          wait: !!r.wait,
          ...(r.timeoutMs !== undefined ? { timeoutMs: r.timeoutMs } : {}),
          ...(r.signal ? { signal: r.signal } : {}),
        },
        key,
      ),
    ack: (messages) => backend.ack(agent, messages, key),
    ackTo: (channel, id) => backend.ackTo(channel, agent, id, key),
    seek: (channel, to) => backend.seek(channel, agent, to, proof),
    channels: () => backend.channels(proof),
    agents: () => backend.agents(proof),
    close: () => backend.close(),
  };
}
