// The A2A JSON-RPC 2.0 binding (A2A v1.0 section 9): request and params checks, the method table, and
// el-ipc refusals turned into JSON-RPC errors with A2A's codes (section 5.4).
import type { z } from "zod";
import type { Caller } from "../core/caller.js";
import { type ErrorCode, IpcError } from "../core/errors.js";
import { listParams, sendParams, taskIdParams } from "../protocol/a2a.js";
import type { A2aBridge, SendRequest } from "./bridge.js";
import type { TaskEntry } from "./tasks.js";
import type { Task, TaskState } from "./types.js";

/** JSON-RPC and A2A error codes (A2A v1.0 sections 5.4 and 9.5). */
export const RPC_ERRORS = {
  parse: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internal: -32603,
  taskNotFound: -32001,
  taskNotCancelable: -32002,
  unsupportedOperation: -32004,
  contentTypeNotSupported: -32005,
  versionNotSupported: -32009,
  /** el-ipc: refused for who is asking (missing or refused token, no access); the HTTP status says which. */
  refused: -32000,
} as const;

/** A JSON-RPC error answer's `error`. */
export interface RpcError {
  code: number;
  message: string;
  data?: unknown[];
}

/** Methods el-ipc serves. */
export const METHODS = ["SendMessage", "SendStreamingMessage", "GetTask", "ListTasks", "CancelTask"] as const;

/** Checks params with a schema; a refusal is invalid params naming the first problem. */
export function paramsOf<T>(schema: z.ZodType<T>, params: unknown): T {
  const r = schema.safeParse(params ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue && issue.path.length > 0 ? `params.${issue.path.join(".")}` : "params";
  throw new RpcFailure(RPC_ERRORS.invalidParams, `${where}: ${issue?.message ?? "invalid"}`);
}

/** A refusal with its JSON-RPC code. */
export class RpcFailure extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** A SendMessage request as the bridge takes it: text parts only. */
export function sendRequestOf(params: unknown): SendRequest {
  const p = paramsOf(sendParams, params);
  if (p.message.role !== "ROLE_USER") {
    throw new RpcFailure(RPC_ERRORS.invalidParams, "params.message.role: a client sends ROLE_USER messages");
  }
  const parts = p.message.parts.map((x) => {
    if (typeof x.text !== "string") {
      throw new RpcFailure(RPC_ERRORS.contentTypeNotSupported, "el-ipc agents take text parts only");
    }
    return { text: x.text };
  });
  return {
    message: { ...p.message, parts } as SendRequest["message"],
    returnImmediately: p.configuration?.returnImmediately === true,
  };
}

const ERROR_CODES: Partial<Record<ErrorCode, number>> = {
  invalid_argument: RPC_ERRORS.invalidParams,
  too_large: RPC_ERRORS.invalidParams,
  unknown_agent: RPC_ERRORS.invalidParams,
  not_found: RPC_ERRORS.taskNotFound,
  conflict: RPC_ERRORS.unsupportedOperation,
};

/** The JSON-RPC error of anything thrown; never internal details. */
export function rpcErrorOf(e: unknown, method?: string): RpcError {
  if (e instanceof RpcFailure) return { code: e.code, message: e.message };
  if (e instanceof IpcError) {
    let code = ERROR_CODES[e.code] ?? RPC_ERRORS.refused;
    if (method === "CancelTask" && e.code === "conflict") code = RPC_ERRORS.taskNotCancelable;
    return {
      code,
      message: e.message,
      data: [
        {
          "@type": "type.googleapis.com/google.rpc.ErrorInfo",
          reason: e.code.toUpperCase(),
          domain: "el-ipc",
        },
      ],
    };
  }
  return { code: RPC_ERRORS.internal, message: "internal error" };
}

/** The task as answered: history cut to `historyLength` newest messages, artifacts left out on request. */
export function taskView(e: TaskEntry, o: { historyLength?: number; includeArtifacts?: boolean } = {}): Task {
  const t = e.task;
  const history = t.history ?? [];
  const cut =
    o.historyLength === undefined ? history : o.historyLength === 0 ? [] : history.slice(-o.historyLength);
  return {
    id: t.id,
    contextId: t.contextId,
    status: t.status,
    ...(t.artifacts && o.includeArtifacts !== false ? { artifacts: t.artifacts } : {}),
    ...(cut.length > 0 ? { history: cut } : {}),
    ...(t.metadata ? { metadata: t.metadata } : {}),
  };
}

/**
 * Runs a non-streaming method and resolves to its `result`. `signal` ends a blocking SendMessage's wait
 * (the client left); `blockingMs` bounds it.
 */
export async function callMethod(
  bridge: A2aBridge,
  caller: Caller,
  method: string,
  params: unknown,
  o: { blockingMs: number; signal?: AbortSignal },
): Promise<unknown> {
  switch (method) {
    case "SendMessage": {
      const r = sendRequestOf(params);
      const e = await bridge.send(caller, r);
      if (!r.returnImmediately) await bridge.settled(e, o.blockingMs, o.signal);
      return { task: taskView(e) };
    }
    case "GetTask": {
      const p = paramsOf(taskIdParams, params);
      return taskView(
        bridge.get(caller, p.id),
        p.historyLength !== undefined ? { historyLength: p.historyLength } : {},
      );
    }
    case "CancelTask":
      return taskView(bridge.cancel(caller, paramsOf(taskIdParams, params).id));
    case "ListTasks": {
      const p = paramsOf(listParams, params);
      const all = bridge.list(caller, {
        ...(p.contextId ? { contextId: p.contextId } : {}),
        ...(p.status ? { status: p.status as TaskState } : {}),
      });
      const start = p.pageToken ? Number(Buffer.from(p.pageToken, "base64url").toString()) : 0;
      if (!Number.isSafeInteger(start) || start < 0)
        throw new RpcFailure(RPC_ERRORS.invalidParams, "params.pageToken: not a token this server gave");
      const size = p.pageSize ?? 50;
      const page = all.slice(start, start + size);
      const next = start + size < all.length ? Buffer.from(String(start + size)).toString("base64url") : "";
      return {
        tasks: page.map((e) =>
          taskView(e, {
            ...(p.historyLength !== undefined ? { historyLength: p.historyLength } : {}),
            ...(p.includeArtifacts !== undefined ? { includeArtifacts: p.includeArtifacts } : {}),
          }),
        ),
        nextPageToken: next,
        pageSize: size,
        totalSize: all.length,
      };
    }
    default:
      throw new RpcFailure(
        RPC_ERRORS.methodNotFound,
        `method not found: ${method} (el-ipc serves ${METHODS.join(", ")})`,
      );
  }
}
