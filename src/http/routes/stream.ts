// GET /stream: an agent's unread messages as Server-Sent Events
// (https://html.spec.whatwg.org/multipage/server-sent-events.html). The route only writes frames, waits
// for the socket to drain and ends the stream when the client leaves or the server closes; what is
// delivered, from where, and when the watermark moves is decided by the core (queue.stream).
import type { FastifyInstance, FastifyRequest } from "fastify";
import { IpcError } from "../../core/errors.js";
import { parseChannelList } from "../../core/limits.js";
import type { Queue } from "../../core/queue.js";
import type { AnswerBudget, Delivered } from "../../core/types.js";
import { LAST_EVENT_ID_HEADER } from "../../protocol/headers.js";
import { callerOf } from "../auth.js";
import { answerEventStream } from "../event-stream.js";
import type { LongPolls } from "../long-polls.js";
import { addOperation } from "../operation-route.js";

/** How often an idle stream sends a `: keep-alive` comment, in ms, unless configured otherwise. */
export const STREAM_KEEP_ALIVE_MS = 15_000;

/** What the stream route needs. */
export interface StreamRouteContext {
  queue: Queue;
  /** Open streams, ended together on shutdown (shared with long-polls). */
  polls: LongPolls;
  /** Ms between keep-alive comments. Default STREAM_KEEP_ALIVE_MS. */
  keepAliveMs?: number;
  /** The budget of unsent answers one client address draws from. Default none. */
  answers?: (address: string) => AnswerBudget;
  /** Hears a stream open (metrics); returns what to call when it ends. Default none. */
  onOpen?: () => () => void;
}

/**
 * The resume position: the Last-Event-ID header, else the `last_event_id` query parameter. A message id
 * applies to every channel (the reference's form); a cursor `42,,17` gives each requested channel, in
 * the request's order, its own last id (empty: start at its watermark).
 */
function resumeAfter(
  request: FastifyRequest,
  fromQuery: string | undefined,
  channels: string[],
): number | Map<string, number> | undefined {
  const header = request.headers[LAST_EVENT_ID_HEADER];
  const raw = typeof header === "string" && header.trim() !== "" ? header.trim() : fromQuery;
  if (raw === undefined || raw === "") return undefined;
  if (/^\d{1,15}$/.test(raw)) return Number(raw);
  const parts = raw.split(",");
  if (parts.length !== channels.length || !parts.every((p) => /^\d{0,15}$/.test(p))) {
    throw new IpcError(
      "invalid_argument",
      `Last-Event-ID must be a message id or a cursor of ${channels.length} comma-separated ids (one per channel, in the request's order)`,
    );
  }
  const positions = new Map<string, number>();
  parts.forEach((p, i) => {
    if (p !== "") positions.set(channels[i] as string, Number(p));
  });
  return positions;
}

/**
 * The event id of a frame: the message id on a single channel; on several, a cursor of each channel's
 * last id delivered (in the request's order), because ids of different channels may become visible out
 * of order when several servers write, and one id for all channels could skip a message.
 */
function eventId(m: Delivered, channels: string[], positions: Map<string, number>): string {
  if (channels.length === 1) return String(m.id);
  positions.set(m.channel, m.id);
  return channels.map((c) => positions.get(c) ?? "").join(",");
}

/** Registers GET /stream. */
export function registerStreamRoute(app: FastifyInstance, ctx: StreamRouteContext): void {
  const { queue, polls } = ctx;
  const keepAliveMs = ctx.keepAliveMs ?? STREAM_KEEP_ALIVE_MS;

  // No automatic HEAD route: a HEAD request would hold a stream open with nothing to send.
  addOperation(
    app,
    "stream",
    async ({ query: q, request, reply }) => {
      const channels = parseChannelList(q.channel);
      const distinct = [...new Set(channels)];
      const after = resumeAfter(request, q.last_event_id, distinct);
      const cursor = new Map(typeof after === "object" ? after : distinct.map((c) => [c, after ?? 0]));
      if (after === undefined) cursor.clear();
      const caller = await callerOf(request, queue);
      // A stream counts as one of the agent's waiting reads (the per-agent cap of the registry).
      return answerEventStream(request, reply, {
        polls,
        key: "agent" in caller ? caller.agent : q.agent,
        keepAliveMs,
        ...(ctx.onOpen ? { onOpen: ctx.onOpen } : {}),
        // Checks happen here, while an error can still be an ordinary JSON answer.
        open: (signal) =>
          queue.stream(caller, {
            channels,
            agent: q.agent,
            ...(after !== undefined ? { after } : {}),
            autoack: q.autoack,
            signal,
            ...(ctx.answers ? { budget: ctx.answers(request.ip) } : {}),
          }),
        eventId: (m) => eventId(m, distinct, cursor),
      });
    },
    { exposeHeadRoute: false },
  );
}
