// A2A conversations over el-ipc: a SendMessage becomes an el-ipc message in the named agent's @inbox from
// the caller's el-ipc name, and the agent's reply to that name's @inbox finishes the task. Who may send,
// read and acknowledge is the core's decision: the bridge acts only as the caller it is given.
import { randomUUID } from "node:crypto";
import type { Caller } from "../core/caller.js";
import { IpcError } from "../core/errors.js";
import type { Queue } from "../core/queue.js";
import type { Delivered } from "../core/types.js";
import { createTaskRegistry, isTerminal, type TaskEntry, type TaskRegistry } from "./tasks.js";
import type { A2aMessage, StreamEvent, TaskState } from "./types.js";

/** How long a blocking SendMessage waits for the reply, in ms, unless configured otherwise. */
export const BLOCKING_WAIT_MS = 120_000;
/** Context ids el-ipc accepts: they become part of an el-ipc name. */
const CONTEXT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Options of the bridge. */
export interface A2aBridgeOptions {
  queue: Queue;
  /** The agent a message goes to when message.metadata.agent names none (IPC_A2A_AGENT). */
  defaultAgent?: string;
  /** Unix ms. Default Date.now. */
  clock?: () => number;
}

/** A SendMessage, as the JSON-RPC face checked it. */
export interface SendRequest {
  message: A2aMessage;
  /** Answer at once with the working task instead of waiting for the reply. */
  returnImmediately: boolean;
}

/** What ListTasks filters on. */
export interface TaskFilter {
  contextId?: string;
  status?: TaskState;
}

/** The agent named by the message, or the default one. */
function targetOf(m: A2aMessage, fallback: string | undefined): string {
  const named = m.metadata?.agent;
  if (named !== undefined && typeof named !== "string") {
    throw new IpcError("invalid_argument", "message.metadata.agent must be the name of an el-ipc agent");
  }
  const agent = named ?? fallback;
  if (!agent) {
    throw new IpcError(
      "invalid_argument",
      "name the el-ipc agent in message.metadata.agent (this server has no IPC_A2A_AGENT)",
    );
  }
  return agent;
}

/** The A2A message of an el-ipc reply. */
function replyOf(m: Delivered, e: TaskEntry): A2aMessage {
  return {
    messageId: `el-ipc-${m.id}`,
    contextId: e.task.contextId,
    taskId: e.task.id,
    role: "ROLE_AGENT",
    parts: [{ text: m.content }],
    metadata: { sender: m.sender, channel: m.channel, messageId: m.id, signed: m.signed === true },
  };
}

/** Creates the bridge of one server. */
export function createA2aBridge(o: A2aBridgeOptions) {
  const { queue } = o;
  const tasks: TaskRegistry = createTaskRegistry(o.clock);
  const followers = new Map<string, AbortController>();
  let closed = false;

  function ownerOf(caller: Caller): string | undefined {
    return caller.kind === "agent" || caller.kind === "operator" ? caller.agent : undefined;
  }

  /** Tasks are visible to the caller that created them (anyone in open mode, where nobody is proven). */
  function visible(caller: Caller, e: TaskEntry): boolean {
    return e.owner === undefined || e.owner === ownerOf(caller);
  }

  /** Ends the follower of `sender` once none of its tasks waits for a reply. */
  function idle(sender: string): void {
    if (tasks.openFor(sender).length === 0) followers.get(sender)?.abort();
  }

  /**
   * One stream per reply inbox while it has open tasks, from the oldest open task's message on (ids grow
   * across channels, so a reply always comes after its request). It reads from that position, not the
   * inbox's watermark: a proven caller's inbox is its agent's own, and other readers of it (its MCP
   * client, its CLI) keep every message. A synthetic open-mode inbox (a2a-<contextId>) is acknowledged
   * as it is read. `from` carries the position over when the follower starts again.
   */
  async function follow(sender: string, caller: Caller, from?: number): Promise<void> {
    const open = tasks.openFor(sender);
    if (followers.has(sender) || closed || open.length === 0) return;
    const ac = new AbortController();
    followers.set(sender, ac);
    let after = Math.max(from ?? 0, Math.min(...open.map((e) => e.messageId)));
    let retry = false;
    try {
      const replies = await queue.stream(caller, {
        channels: [`@${sender}`],
        agent: sender,
        after,
        autoack: ownerOf(caller) === undefined,
        signal: ac.signal,
      });
      for await (const m of replies) {
        after = m.id;
        const t = tasks.openFor(sender).find((e) => e.agent === m.sender && m.id > e.messageId);
        if (t) tasks.complete(t.task.id, replyOf(m, t));
        idle(sender);
      }
    } catch (e) {
      // The caller may no longer read its inbox (revoked, denied): its open tasks fail with the reason.
      if (e instanceof IpcError && (e.code === "forbidden" || e.code === "unauthorized")) {
        for (const t of tasks.openFor(sender)) tasks.finish(t.task.id, "TASK_STATE_FAILED", e.message);
      } else {
        retry = true;
      }
    } finally {
      followers.delete(sender);
    }
    if (closed || tasks.openFor(sender).length === 0) return;
    // The store failed (busy): try again shortly from where this one stopped.
    if (retry) await new Promise((ok) => setTimeout(ok, 1000).unref());
    void follow(sender, caller, after);
  }

  function find(caller: Caller, id: unknown): TaskEntry {
    const e = typeof id === "string" ? tasks.get(id) : undefined;
    if (!e || !visible(caller, e)) throw new IpcError("not_found", `task not found: ${String(id)}`);
    return e;
  }

  return {
    /** Sends the message to the agent's @inbox and opens its task; the reply finishes it. */
    async send(caller: Caller, r: SendRequest): Promise<TaskEntry> {
      const m = r.message;
      if (m.taskId !== undefined) {
        throw new IpcError(
          "conflict",
          "el-ipc tasks take one message each: send a new message (with the same contextId) instead of a taskId",
        );
      }
      const contextId = m.contextId ?? randomUUID();
      if (!CONTEXT_ID.test(contextId)) {
        throw new IpcError("invalid_argument", "contextId must be 1 to 64 letters, digits, '-' or '_'");
      }
      const agent = targetOf(m, o.defaultAgent);
      const owner = ownerOf(caller);
      if (owner === undefined && (await queue.isSecure())) {
        throw new IpcError(
          "unauthorized",
          "secure mode is on: A2A callers authenticate with a bearer token an operator issues (el-ipc token <agent>)",
        );
      }
      // A proven caller sends as its own agent (unsigned: the token, not a key, proved it).
      const sender = owner ?? `a2a-${contextId}`;
      const content = m.parts.map((p) => p.text).join("\n");
      const input = { channel: `@${agent}`, sender, content };
      const sent = owner !== undefined ? await queue.sendAs(caller, input) : await queue.send(input);
      const entry = tasks.create({ agent, sender, owner, messageId: sent.id, contextId, request: m });
      if (!entry)
        throw new IpcError("rate_limited", "too many A2A tasks are waiting for replies; retry later", 1);
      void follow(sender, caller);
      return entry;
    },

    /** Resolves once the task is finished, `ms` passed or `signal` aborted. */
    settled(e: TaskEntry, ms: number, signal?: AbortSignal): Promise<void> {
      if (isTerminal(e.task)) return Promise.resolve();
      return new Promise((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          stop();
          signal?.removeEventListener("abort", done);
          resolve();
        };
        const stop = tasks.listen(e.task.id, () => {
          if (isTerminal(e.task)) done();
        });
        const timer = setTimeout(done, ms);
        signal?.addEventListener("abort", done, { once: true });
      });
    },

    /** Hears the task's events; returns the function that stops. */
    listen: (e: TaskEntry, listener: (ev: StreamEvent) => void) => tasks.listen(e.task.id, listener),

    /** GetTask. */
    get: (caller: Caller, id: unknown) => find(caller, id),

    /** ListTasks: the caller's tasks, newest first. */
    list(caller: Caller, f: TaskFilter): TaskEntry[] {
      return tasks
        .all()
        .filter(
          (e) =>
            visible(caller, e) &&
            (f.contextId === undefined || e.task.contextId === f.contextId) &&
            (f.status === undefined || e.task.status.state === f.status),
        );
    },

    /** CancelTask: an open task becomes canceled (its el-ipc message stays delivered). */
    cancel(caller: Caller, id: unknown): TaskEntry {
      const e = find(caller, id);
      if (!tasks.finish(e.task.id, "TASK_STATE_CANCELED")) {
        throw new IpcError("conflict", `task ${e.task.id} is ${e.task.status.state} and cannot be canceled`);
      }
      idle(e.sender);
      return e;
    },

    /** Stops following replies (the server is closing). */
    close(): void {
      closed = true;
      for (const ac of followers.values()) ac.abort();
    },
  };
}

/** The bridge of one server. */
export type A2aBridge = ReturnType<typeof createA2aBridge>;
