// Writes a generator of messages as Server-Sent Events on a hijacked reply: one frame per message with
// its id, keep-alive comments, backpressure, and an `event: error` frame when the core ends the stream.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Delivered } from "../core/types.js";
import { drained } from "./answer-writer.js";
import { describeError } from "./errors.js";
import type { LongPolls } from "./long-polls.js";

/** One SSE frame per message: the id lets a reconnecting client resume with Last-Event-ID. */
function frame(m: Delivered, id: string): string {
  // JSON.stringify escapes line breaks, so the data is always one line.
  return `id: ${id}\ndata: ${JSON.stringify(m)}\n\n`;
}

/**
 * Answers `events` as an event stream until it ends, the client leaves (`controller` is aborted) or the
 * server closes; `done` runs once at the end. Headers already set on `reply` are kept.
 */
export async function pipeEventStream(
  request: FastifyRequest,
  reply: FastifyReply,
  events: AsyncGenerator<Delivered, void, undefined>,
  o: {
    controller: AbortController;
    keepAliveMs: number;
    done: () => void;
    /** The event id of a message (a multi-channel cursor); default its message id. */
    eventId?: (m: Delivered) => string;
  },
): Promise<void> {
  const { controller } = o;
  reply.hijack();
  const res = reply.raw;
  const onClose = (): void => controller.abort();
  res.once("close", onClose);
  // The client may have left while the stream was being opened; 'close' then fired already.
  if (res.destroyed || (res.socket?.destroyed ?? true)) controller.abort();
  res.writeHead(200, {
    ...(reply.getHeaders() as Record<string, string>),
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    // Tells proxies such as nginx not to buffer the stream.
    "x-accel-buffering": "no",
  });
  res.flushHeaders();
  const keepAlive = setInterval(() => {
    if (!res.writableNeedDrain) res.write(": keep-alive\n\n");
  }, o.keepAliveMs);
  try {
    for await (const m of events) {
      if (!res.write(frame(m, o.eventId ? o.eventId(m) : String(m.id)))) await drained(res);
      if (controller.signal.aborted) break;
    }
  } catch (e) {
    const { body, unexpected } = describeError(e, 0);
    if (unexpected) request.log.error({ req_id: request.id, err: e }, "stream failed");
    if (!res.destroyed) res.write(`event: error\ndata: ${JSON.stringify(body)}\n\n`);
  } finally {
    clearInterval(keepAlive);
    res.off("close", onClose);
    o.done();
    res.end();
    request.server.logRequestEnd?.(request, reply, 200);
  }
}

/**
 * Holds one of `key`'s waiting-read slots, opens the stream with its abort signal (an error there is still
 * an ordinary JSON answer) and answers it as events until it ends; the slot is given back either way.
 */
export async function answerEventStream(
  request: FastifyRequest,
  reply: FastifyReply,
  o: {
    polls: LongPolls;
    key: string;
    keepAliveMs: number;
    open: (signal: AbortSignal) => Promise<AsyncGenerator<Delivered, void, undefined>>;
    /** Runs once the stream is open; the function it returns runs when it ends (the metrics' count). */
    onOpen?: () => (() => void) | undefined;
    /** The event id of a message (a multi-channel cursor); default its message id. */
    eventId?: (m: Delivered) => string;
  },
): Promise<undefined> {
  const controller = o.polls.open(o.key);
  let events: AsyncGenerator<Delivered, void, undefined>;
  try {
    events = await o.open(controller.signal);
  } catch (e) {
    o.polls.done(controller);
    throw e;
  }
  const closed = o.onOpen?.();
  await pipeEventStream(request, reply, events, {
    controller,
    keepAliveMs: o.keepAliveMs,
    ...(o.eventId ? { eventId: o.eventId } : {}),
    done: () => {
      o.polls.done(controller);
      closed?.();
    },
  });
  return undefined;
}
