// The SDK's Client over a Backend: binds the agent and its key, signs messages and operator actions,
// proves requests, and ends calls on their AbortSignal. The same code for a server and a database.
import type { KeyObject } from "node:crypto";
import { signAccessRule, signRegistration, signRevocation, signRotation } from "../client/sign.js";
import { IpcError } from "../core/errors.js";
import type { Backend } from "./backend.js";
import { callSignal } from "./call-signal.js";
import { abortError } from "./http.js";
import type { CallOptions, Client, Message, Permissions } from "./types.js";

/** What a Client acts as. */
export interface ClientIdentity {
  agent: string | undefined;
  key: KeyObject | undefined;
}

/** Builds a Client over `backend`, acting as `id.agent` with `id.key`. */
export function createClient(backend: Backend, id: ClientIdentity): Client {
  const { key } = id;
  const agent = (what: string): string => {
    if (id.agent === undefined || id.agent === "") {
      throw new IpcError(
        "invalid_argument",
        `${what} needs an agent: pass connect({ agent }) or set IPC_AGENT`,
      );
    }
    return id.agent;
  };
  const operatorKey = (what: string): { operator: string; key: KeyObject } => {
    const operator = agent(what);
    if (!key) {
      throw new IpcError(
        "invalid_argument",
        `${what} needs the operator's key: pass connect({ key }) or set IPC_KEY`,
      );
    }
    return { operator, key };
  };

  /** Runs `fn` with `o.signal` as the call's signal: rejects at once when it aborts. */
  async function guarded<T>(o: CallOptions | undefined, fn: () => Promise<T>): Promise<T> {
    const signal = o?.signal;
    if (!signal) return fn();
    if (signal.aborted) throw abortError();
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(abortError());
      signal.addEventListener("abort", onAbort, { once: true });
    });
    try {
      return await Promise.race([callSignal.run(signal, fn), aborted]);
    } finally {
      if (onAbort) signal.removeEventListener("abort", onAbort);
    }
  }

  const list = (channels: string | string[]): string[] =>
    typeof channels === "string" ? [channels] : channels;

  const accessRule =
    (effect: "grant" | "deny" | "unset") =>
    (target: string, pattern: string, permissions: Permissions, o?: CallOptions) =>
      guarded(o, () => {
        const op = operatorKey(effect);
        const body = signAccessRule(op.key, {
          effect,
          operator: op.operator,
          agent: target,
          pattern,
          permissions,
        });
        return backend.setAccess(effect, body);
      });

  return {
    mode: backend.remote ? "remote" : "local",
    agent: id.agent,
    send: (channel, content, o) =>
      guarded(o, () =>
        backend.send(
          {
            channel,
            sender: agent("send"),
            content,
            ...(o?.idempotencyKey !== undefined ? { key: o.idempotencyKey } : {}),
          },
          key,
        ),
      ),
    sendBatch: (messages, o) =>
      guarded(o, () => {
        const sender = agent("sendBatch");
        return backend.sendBatch(
          messages.map((m) => ({
            channel: m.channel,
            sender,
            content: m.content,
            ...(m.idempotencyKey !== undefined ? { key: m.idempotencyKey } : {}),
          })),
          key,
        );
      }),
    read: (channels, o = {}) =>
      guarded(o, () =>
        backend.read(
          {
            channels: list(channels),
            agent: agent("read"),
            ...(o.limit !== undefined ? { limit: o.limit } : {}),
            ...(o.peek ? { peek: true } : {}),
            ...(o.wait ? { wait: true, timeoutMs: (o.timeout ?? 30) * 1000 } : {}),
            ...(o.signal ? { signal: o.signal } : {}),
          },
          key,
        ),
      ),
    ack: (channel, messageId, o) => guarded(o, () => backend.ackTo(channel, agent("ack"), messageId, key)),
    seek: (channel, to, o) =>
      guarded(o, () => {
        const self = agent("seek");
        return backend.seek(channel, o?.agent ?? self, to, key ? { key, agent: self } : undefined);
      }),
    channels: (o) => guarded(o, () => backend.channels(proof())),
    agents: (o) => guarded(o, () => backend.agents(proof())),
    health: (o) =>
      guarded(o, () =>
        o?.channel !== undefined
          ? backend.health({ channel: o.channel, agent: agent("health with a channel") }, key)
          : backend.health(),
      ),
    subscribe: (channels, o = {}) => subscribe(list(channels), o.ack ?? "auto", o.signal),
    register: (name, publicKey, o) =>
      guarded(o, () => {
        const op = operatorKey("register");
        return backend.register(
          signRegistration(op.key, { operator: op.operator, name, identity: o?.identity ?? "", publicKey }),
        );
      }),
    revoke: (name, o) =>
      guarded(o, () => {
        const op = operatorKey("revoke");
        return backend.revoke(signRevocation(op.key, { operator: op.operator, name }));
      }),
    rotate: (name, publicKey, o) =>
      guarded(o, () => {
        const op = operatorKey("rotate");
        return backend.rotate(signRotation(op.key, { operator: op.operator, name, publicKey }));
      }),
    grant: accessRule("grant"),
    deny: accessRule("deny"),
    unset: accessRule("unset"),
    access: (target, o) => guarded(o, () => backend.accessRules(proof(), target)),
    keyEvents: (name, o) => guarded(o, () => backend.keyEvents(proof(), name)),
    close: () => backend.close(),
  };

  function proof(): { key: KeyObject; agent: string } | undefined {
    return key && id.agent ? { key, agent: id.agent } : undefined;
  }

  async function* subscribe(
    channels: string[],
    ack: "auto" | "manual",
    outer: AbortSignal | undefined,
  ): AsyncGenerator<Message, void, undefined> {
    // Its own controller: a loop that breaks early ends the stream (and its connection) too.
    const controller = new AbortController();
    const stop = () => controller.abort();
    if (outer?.aborted) return;
    outer?.addEventListener("abort", stop, { once: true });
    try {
      yield* backend.stream(
        { channels, agent: agent("subscribe"), autoack: ack === "auto", signal: controller.signal },
        key,
      );
    } finally {
      outer?.removeEventListener("abort", stop);
      controller.abort();
    }
  }
}
