// GET /stream: an agent's unread messages as Server-Sent Events
// (https://html.spec.whatwg.org/multipage/server-sent-events.html). The route only writes frames, waits
// for the socket to drain and ends the stream when the client leaves or the server closes; what is
// delivered, from where, and when the watermark moves is decided by the core (queue.stream).
import type { FastifyInstance, FastifyRequest } from "fastify";
import { IpcError } from "../../core/errors.js";
import { parseChannelList } from "../../core/limits.js";
import type { Queue } from "../../core/queue.js";
import type { AnswerBudget } from "../../core/types.js";
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

/** The resume position: the Last-Event-ID header, else the `last_event_id` query parameter. */
function resumeAfter(request: FastifyRequest, fromQuery: string | undefined): number | undefined {
  const header = request.headers[LAST_EVENT_ID_HEADER];
  const raw = typeof header === "string" && header.trim() !== "" ? header.trim() : fromQuery;
  if (raw === undefined || raw === "") return undefined;
  if (!/^\d{1,15}$/.test(raw)) {
    throw new IpcError("invalid_argument", "Last-Event-ID must be a message id (a whole number)");
  }
  return Number(raw);
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
      const after = resumeAfter(request, q.last_event_id);
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
      });
    },
    { exposeHeadRoute: false },
  );
}
