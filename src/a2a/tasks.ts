// The A2A tasks of one server, in memory and bounded: each task is one el-ipc message to an agent's
// @inbox waiting for that agent's reply. Listeners hear every change (the streaming face).
import { randomUUID } from "node:crypto";
import type { A2aMessage, Artifact, StreamEvent, Task, TaskState } from "./types.js";
import { TERMINAL_STATES } from "./types.js";

/** Tasks kept at most; the oldest finished ones are forgotten first. */
export const MAX_TASKS = 10_000;
/** Tasks waiting for a reply at most; more are refused until some finish. */
export const MAX_OPEN_TASKS = 1_000;

/** A task with what el-ipc needs to finish it. */
export interface TaskEntry {
  task: Task;
  /** The el-ipc agent the message went to. */
  agent: string;
  /** The el-ipc name the A2A caller sends as; the reply comes to its @inbox. */
  sender: string;
  /** The proven caller's agent that created it (secure mode), else undefined. */
  owner: string | undefined;
  /** Id of the el-ipc message that carried the request. */
  messageId: number;
  createdAt: number;
}

/** The task registry. */
export interface TaskRegistry {
  /** Records a new task in TASK_STATE_WORKING; refused (returns undefined) beyond MAX_OPEN_TASKS. */
  create(
    e: Omit<TaskEntry, "task" | "createdAt"> & { contextId: string; request: A2aMessage },
  ): TaskEntry | undefined;
  get(id: string): TaskEntry | undefined;
  /** Open tasks whose reply comes to `sender`'s inbox, oldest first. */
  openFor(sender: string): TaskEntry[];
  /** Every task, newest first. */
  all(): TaskEntry[];
  /** Finishes a task with the agent's reply. */
  complete(id: string, reply: A2aMessage): void;
  /** Moves an open task to `state` (canceled, failed); false when it was already finished. */
  finish(id: string, state: TaskState, why?: string): boolean;
  /** Hears the events of one task; returns the function that stops listening. */
  listen(id: string, listener: (e: StreamEvent) => void): () => void;
}

/** True once a task can no longer change. */
export function isTerminal(t: Task): boolean {
  return TERMINAL_STATES.has(t.status.state);
}

/** Bounds of a registry; defaults MAX_TASKS and MAX_OPEN_TASKS. */
export interface TaskLimits {
  maxTasks: number;
  maxOpen: number;
}

/** Creates an empty registry; `clock` gives Unix ms. */
export function createTaskRegistry(
  clock: () => number = Date.now,
  limits: TaskLimits = { maxTasks: MAX_TASKS, maxOpen: MAX_OPEN_TASKS },
): TaskRegistry {
  const tasks = new Map<string, TaskEntry>();
  const listeners = new Map<string, Set<(e: StreamEvent) => void>>();
  let open = 0;
  const now = () => new Date(clock()).toISOString();

  function emit(id: string, e: StreamEvent): void {
    for (const l of listeners.get(id) ?? []) l(e);
  }

  function evict(): void {
    if (tasks.size < limits.maxTasks) return;
    for (const [id, e] of tasks) {
      if (isTerminal(e.task)) {
        tasks.delete(id);
        return;
      }
    }
  }

  return {
    create(e) {
      if (open >= limits.maxOpen) return undefined;
      evict();
      const id = randomUUID();
      const request: A2aMessage = { ...e.request, taskId: id, contextId: e.contextId };
      const entry: TaskEntry = {
        agent: e.agent,
        sender: e.sender,
        owner: e.owner,
        messageId: e.messageId,
        createdAt: clock(),
        task: {
          id,
          contextId: e.contextId,
          status: { state: "TASK_STATE_WORKING", timestamp: now() },
          history: [request],
          metadata: { agent: e.agent, sender: e.sender, messageId: e.messageId },
        },
      };
      tasks.set(id, entry);
      open++;
      return entry;
    },
    get: (id) => tasks.get(id),
    openFor(sender) {
      return [...tasks.values()].filter((e) => e.sender === sender && !isTerminal(e.task));
    },
    all: () => [...tasks.values()].reverse(),
    complete(id, reply) {
      const e = tasks.get(id);
      if (!e || isTerminal(e.task)) return;
      const t = e.task;
      const artifact: Artifact = {
        artifactId: `reply-${reply.messageId}`,
        name: "reply",
        parts: reply.parts,
      };
      t.artifacts = [artifact];
      t.history = [...(t.history ?? []), reply];
      t.status = { state: "TASK_STATE_COMPLETED", message: reply, timestamp: now() };
      open--;
      emit(id, { artifactUpdate: { taskId: id, contextId: t.contextId, artifact, lastChunk: true } });
      emit(id, { statusUpdate: { taskId: id, contextId: t.contextId, status: t.status } });
    },
    finish(id, state, why) {
      const e = tasks.get(id);
      if (!e || isTerminal(e.task)) return false;
      const t = e.task;
      t.status = {
        state,
        timestamp: now(),
        ...(why
          ? {
              message: {
                messageId: randomUUID(),
                role: "ROLE_AGENT",
                taskId: id,
                contextId: t.contextId,
                parts: [{ text: why }],
              },
            }
          : {}),
      };
      open--;
      emit(id, { statusUpdate: { taskId: id, contextId: t.contextId, status: t.status } });
      return true;
    },
    listen(id, listener) {
      let set = listeners.get(id);
      if (!set) {
        set = new Set();
        listeners.set(id, set);
      }
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(id);
      };
    },
  };
}
