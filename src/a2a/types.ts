// A2A v1.0 shapes el-ipc produces and accepts (proto JSON: camelCase, enums by name), from a2a.proto.

/** TaskState names of a2a.proto. */
export type TaskState =
  | "TASK_STATE_SUBMITTED"
  | "TASK_STATE_WORKING"
  | "TASK_STATE_COMPLETED"
  | "TASK_STATE_FAILED"
  | "TASK_STATE_CANCELED"
  | "TASK_STATE_INPUT_REQUIRED"
  | "TASK_STATE_REJECTED"
  | "TASK_STATE_AUTH_REQUIRED";

/** States after which a task never changes. */
export const TERMINAL_STATES: ReadonlySet<TaskState> = new Set([
  "TASK_STATE_COMPLETED",
  "TASK_STATE_FAILED",
  "TASK_STATE_CANCELED",
  "TASK_STATE_REJECTED",
]);

/** A text part (the only kind el-ipc carries). */
export interface TextPart {
  text: string;
}

/** An A2A Message. */
export interface A2aMessage {
  messageId: string;
  contextId?: string;
  taskId?: string;
  role: "ROLE_USER" | "ROLE_AGENT";
  parts: TextPart[];
  metadata?: Record<string, unknown>;
}

/** An A2A TaskStatus; `timestamp` is RFC 3339. */
export interface TaskStatus {
  state: TaskState;
  message?: A2aMessage;
  timestamp: string;
}

/** An A2A Artifact. */
export interface Artifact {
  artifactId: string;
  name: string;
  parts: TextPart[];
}

/** An A2A Task. */
export interface Task {
  id: string;
  contextId: string;
  status: TaskStatus;
  artifacts?: Artifact[];
  history?: A2aMessage[];
  metadata?: Record<string, unknown>;
}

/** One event of a stream (StreamResponse): the task first, then its updates. */
export type StreamEvent =
  | { task: Task }
  | { statusUpdate: { taskId: string; contextId: string; status: TaskStatus } }
  | { artifactUpdate: { taskId: string; contextId: string; artifact: Artifact; lastChunk: boolean } };
