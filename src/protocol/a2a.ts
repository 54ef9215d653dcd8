// Shapes of the A2A v1.0 JSON-RPC binding el-ipc serves at POST /a2a (A2A specification section 9; proto
// JSON field names from a2a.proto). They check types only; what a message does is the A2A bridge's.
import { z } from "zod";
import { doc, named } from "./metadata.js";

const TASK_STATES = [
  "TASK_STATE_SUBMITTED",
  "TASK_STATE_WORKING",
  "TASK_STATE_COMPLETED",
  "TASK_STATE_FAILED",
  "TASK_STATE_CANCELED",
  "TASK_STATE_INPUT_REQUIRED",
  "TASK_STATE_REJECTED",
  "TASK_STATE_AUTH_REQUIRED",
] as const;

/** A JSON-RPC request. */
export const rpcRequest = named(
  "JsonRpcRequest",
  z.object({
    jsonrpc: z.literal("2.0"),
    id: z.union([z.string(), z.number(), z.null()]).optional(),
    method: doc(
      z.string(),
      "SendMessage, SendStreamingMessage (answered as text/event-stream), GetTask, ListTasks or CancelTask",
    ),
    params: z.record(z.string(), z.unknown()).optional(),
  }),
  "an A2A v1.0 JSON-RPC request (A2A specification section 9)",
);

/** A JSON-RPC answer: a result or an error (refusals are JSON-RPC errors, mostly with status 200). */
export const rpcResponse = named(
  "JsonRpcResponse",
  z.looseObject({
    jsonrpc: z.literal("2.0"),
    id: z.union([z.string(), z.number(), z.null()]),
    result: z.unknown().optional(),
    error: z.looseObject({ code: z.int(), message: z.string() }).optional(),
  }),
);

const part = z.object({ text: z.string().optional() }).passthrough();

/** SendMessageRequest params. */
export const sendParams = z.object({
  message: z.object({
    messageId: z.string().min(1),
    contextId: z.string().optional(),
    taskId: z.string().optional(),
    role: z.enum(["ROLE_USER", "ROLE_AGENT"]),
    parts: z.array(part).min(1),
    metadata: z.record(z.string(), z.unknown()).optional(),
  }),
  configuration: z.object({ returnImmediately: z.boolean().optional() }).passthrough().optional(),
});

/** GetTaskRequest / CancelTaskRequest params. */
export const taskIdParams = z.object({ id: z.string().min(1), historyLength: z.int().min(0).optional() });

/** ListTasksRequest params. */
export const listParams = z.object({
  contextId: z.string().optional(),
  status: z.enum(TASK_STATES).optional(),
  pageSize: z.int().min(1).max(100).optional(),
  pageToken: z.string().optional(),
  historyLength: z.int().min(0).optional(),
  includeArtifacts: z.boolean().optional(),
});
