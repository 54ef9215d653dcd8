// POST /a2a: the A2A v1.0 JSON-RPC binding (SendMessage, SendStreamingMessage over SSE, GetTask, ListTasks,
// CancelTask). The route checks the envelope and the A2A-Version, writes answers and SSE frames; what a
// message does is the bridge's, and who may do it the core's.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type A2aBridge, BLOCKING_WAIT_MS } from "../../a2a/bridge.js";
import {
  callMethod,
  RPC_ERRORS,
  type RpcError,
  RpcFailure,
  rpcErrorOf,
  sendRequestOf,
  taskView,
} from "../../a2a/rpc.js";
import { isTerminal } from "../../a2a/tasks.js";
import type { StreamEvent } from "../../a2a/types.js";
import type { Caller } from "../../core/caller.js";
import { IpcError } from "../../core/errors.js";
import type { Queue } from "../../core/queue.js";
import { rpcRequest } from "../../protocol/a2a.js";
import { STATUS_OF_CODE } from "../../protocol/errors.js";
import { OPERATIONS } from "../../protocol/operations.js";
import { drained } from "../answer-writer.js";
import { tokenCallerOf } from "../auth.js";
import type { LongPolls } from "../long-polls.js";
import { STREAM_KEEP_ALIVE_MS } from "./stream.js";

/** What the A2A route needs. */
export interface A2aRouteContext {
  queue: Queue;
  bridge: A2aBridge;
  /** Waits in flight, ended together on shutdown (shared with long-polls). */
  polls: LongPolls;
  /** Longest wait of a blocking SendMessage, in ms. Default BLOCKING_WAIT_MS. */
  blockingMs?: number;
  /** Ms between keep-alive comments of a stream. Default STREAM_KEEP_ALIVE_MS. */
  keepAliveMs?: number;
}

/** HTTP statuses of refusals for who asks; every other error is a JSON-RPC error in a 200. */
const REFUSAL_STATUS: Record<string, number> = { unauthorized: 401, forbidden: 403, rate_limited: 429 };

type Id = string | number | null;

function answerError(
  reply: FastifyReply,
  id: Id,
  error: RpcError,
  cause?: unknown,
): { jsonrpc: "2.0"; id: Id; error: RpcError } {
  const status = cause instanceof IpcError ? REFUSAL_STATUS[cause.code] : undefined;
  if (status) void reply.status(status);
  // The card's security scheme (RFC 6750): how to authenticate.
  if (status === 401) void reply.header("www-authenticate", 'Bearer realm="el-ipc"');
  return { jsonrpc: "2.0", id, error };
}

/** The requested A2A version is 1.0 (header, else query parameter); an empty one means 0.3 (section 3.6.2). */
function checkVersion(request: FastifyRequest): void {
  const header = request.headers["a2a-version"];
  const query = (request.query as Record<string, unknown> | undefined)?.["A2A-Version"];
  const v = (typeof header === "string" ? header : typeof query === "string" ? query : "").trim();
  if (!/^1(\.0)?$/.test(v)) {
    throw new RpcFailure(
      RPC_ERRORS.versionNotSupported,
      `A2A version ${v === "" ? "0.3 (no A2A-Version header)" : v} is not supported; send A2A-Version: 1.0`,
    );
  }
}

/** Registers POST /a2a. */
export function registerA2aRoute(app: FastifyInstance, ctx: A2aRouteContext): void {
  const { queue, bridge, polls } = ctx;
  const blockingMs = ctx.blockingMs ?? BLOCKING_WAIT_MS;
  const keepAliveMs = ctx.keepAliveMs ?? STREAM_KEEP_ALIVE_MS;

  app.post(
    OPERATIONS.a2a.path,
    {
      config: { operation: "a2a" },
      // A body that is not JSON is a JSON-RPC parse error, not el-ipc's usual answer.
      errorHandler: (error, _request, reply) => {
        const status =
          error instanceof IpcError
            ? STATUS_OF_CODE[error.code]
            : ((error as { statusCode?: number }).statusCode ?? 500);
        const code =
          status === 400 ? RPC_ERRORS.parse : status < 500 ? RPC_ERRORS.invalidRequest : RPC_ERRORS.internal;
        const message = status < 500 ? `invalid JSON-RPC request: ${error.message}` : "internal error";
        void reply
          .status(status === 400 ? 200 : status)
          .send({ jsonrpc: "2.0", id: null, error: { code, message } });
      },
    },
    async (request, reply) => {
      const parsed = rpcRequest.safeParse(request.body);
      if (!parsed.success) {
        return {
          jsonrpc: "2.0",
          id: null,
          error: { code: RPC_ERRORS.invalidRequest, message: "not a JSON-RPC 2.0 request" },
        };
      }
      const { id = null, method, params } = parsed.data;
      try {
        checkVersion(request);
        const { caller, token } = await tokenCallerOf(request, queue);
        if (method === "SendStreamingMessage") return await stream(request, reply, id, caller, params, token);
        const controller = polls.open(request.ip);
        const onClose = (): void => controller.abort();
        request.raw.socket?.once("close", onClose);
        try {
          const result = await callMethod(bridge, caller, method, params, {
            blockingMs,
            signal: controller.signal,
          });
          // A blocking SendMessage may have waited long: a token revoked or expired meanwhile gets no reply.
          if (token !== undefined) await queue.authenticateToken(token);
          return { jsonrpc: "2.0", id, result };
        } finally {
          request.raw.socket?.off("close", onClose);
          polls.done(controller);
        }
      } catch (e) {
        return answerError(reply, id, rpcErrorOf(e, method), e);
      }
    },
  );

  /** The JSON-RPC error of a token that no longer authenticates, or undefined while it does. */
  async function refusalOf(token: string): Promise<RpcError | undefined> {
    try {
      await queue.authenticateToken(token);
      return undefined;
    } catch (e) {
      return rpcErrorOf(e);
    }
  }

  async function stream(
    request: FastifyRequest,
    reply: FastifyReply,
    id: Id,
    caller: Caller,
    params: unknown,
    token: string | undefined,
  ): Promise<unknown> {
    // Checked and sent before the stream opens, so a refusal is still an ordinary JSON-RPC answer.
    const entry = await bridge.send(caller, sendRequestOf(params));
    const controller = polls.open(request.ip);
    reply.hijack();
    const res = reply.raw;
    const frame = (result: StreamEvent): string =>
      `data: ${JSON.stringify({ jsonrpc: "2.0", id, result })}\n\n`;
    const queued: StreamEvent[] = [];
    let wake: (() => void) | undefined;
    const stop = bridge.listen(entry, (ev) => {
      queued.push(ev);
      wake?.();
    });
    const onClose = (): void => {
      controller.abort();
      wake?.();
    };
    res.once("close", onClose);
    controller.signal.addEventListener("abort", () => wake?.(), { once: true });
    res.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      "x-accel-buffering": "no",
    });
    const keepAlive = setInterval(() => {
      if (!res.writableNeedDrain) res.write(": keep-alive\n\n");
    }, keepAliveMs);
    try {
      if (!res.write(frame({ task: taskView(entry) }))) await drained(res);
      while (!controller.signal.aborted) {
        const ev = queued.shift();
        if (!ev) {
          if (isTerminal(entry.task)) break;
          await new Promise<void>((ok) => {
            wake = ok;
          });
          wake = undefined;
          continue;
        }
        // Each event is checked against the token again: once revoked or expired, the stream ends with the refusal.
        const refusal = token === undefined ? undefined : await refusalOf(token);
        if (refusal) {
          res.write(`data: ${JSON.stringify({ jsonrpc: "2.0", id, error: refusal })}\n\n`);
          break;
        }
        if (!res.write(frame(ev))) await drained(res);
      }
    } finally {
      clearInterval(keepAlive);
      stop();
      res.off("close", onClose);
      polls.done(controller);
      res.end();
      request.server.logRequestEnd?.(request, reply, 200);
    }
    return reply;
  }
}
