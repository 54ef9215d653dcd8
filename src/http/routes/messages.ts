// Message routes: POST /send, POST /send/batch, GET /messages (optionally a long-poll), POST /ack, POST /seek.
import type { FastifyInstance } from "fastify";
import { parseChannelList } from "../../core/limits.js";
import type { Queue } from "../../core/queue.js";
import type { AnswerBudget, Delivered } from "../../core/types.js";
import { sendFromWire } from "../../core/wire.js";
import { answerMessages, holdAnswer } from "../answer-writer.js";
import { callerOf } from "../auth.js";
import type { LongPolls } from "../long-polls.js";
import { addOperation } from "../operation-route.js";
import { parseSendBatchBody, parseSendBody } from "../send-body.js";

/** What the message routes need. */
export interface MessageRouteContext {
  queue: Queue;
  /** Waiting reads, ended together on shutdown. */
  polls: LongPolls;
  /** The budget of unsent answers one client address draws from. Default none. */
  answers?: (address: string) => AnswerBudget;
}

/** Registers the message routes. Sends carry their own proof (the message signature). */
export function registerMessageRoutes(
  app: FastifyInstance,
  { queue, polls, answers }: MessageRouteContext,
): void {
  addOperation(
    app,
    "send",
    // Not async: the core's promise is answered through one `then`, no promise of its own per send.
    ({ body, request }) =>
      queue.send(sendFromWire(body)).then((r) => {
        // A signed message stored: its signature proved the sender (for the request log).
        if (r.signed) request.provenAgent = body.sender;
        return { ok: true, id: r.id, channel: r.channel, signed: r.signed, duplicate: r.duplicate };
      }),
    { parseBody: parseSendBody },
  );

  addOperation(
    app,
    "sendBatch",
    async ({ body }) => {
      const results = await queue.sendBatch(body.messages.map(sendFromWire));
      return { ok: true, ids: results.map((r) => r.id) };
    },
    { parseBody: parseSendBatchBody },
  );

  addOperation(app, "read", async ({ query: q, request, reply }) => {
    const channels = parseChannelList(q.channel);
    const caller = await callerOf(request, queue);
    const readHeld = async (p: Promise<Delivered[]>): Promise<Delivered[]> => {
      try {
        return await p;
      } catch (e) {
        held?.releaseAll();
        throw e;
      }
    };
    // Bytes of the page are held until the answer is written out or the client is gone.
    const held = answers ? holdAnswer(answers(request.ip)) : undefined;
    const base = {
      channels,
      agent: q.agent,
      limit: q.limit,
      peek: q.peek,
      ...(held ? { budget: held } : {}),
    };
    if (!q.wait) {
      answerMessages(reply, await readHeld(queue.read(caller, base)), held);
      return undefined;
    }
    // The response's 'close' fires when the client goes away mid-wait (the request's fires too early).
    const controller = polls.open("agent" in caller ? caller.agent : q.agent);
    const onClose = (): void => controller.abort();
    reply.raw.once("close", onClose);
    let messages: Delivered[];
    try {
      messages = await readHeld(
        queue.read(caller, {
          ...base,
          wait: true,
          timeoutMs: q.timeout * 1000,
          signal: controller.signal,
        }),
      );
    } finally {
      reply.raw.off("close", onClose);
      polls.done(controller);
      // Shutting down: tell the client not to reuse this connection.
      if (polls.closing()) void reply.header("connection", "close");
    }
    answerMessages(reply, messages, held);
    return undefined;
  });

  addOperation(app, "ack", async ({ body: b, request }) => {
    const caller = await callerOf(request, queue);
    const watermark = await queue.ack(caller, { channel: b.channel, agent: b.agent, id: b.id });
    return { ok: true, watermark };
  });

  addOperation(app, "seek", async ({ body: b, request }) => {
    const caller = await callerOf(request, queue);
    const watermark = await queue.seek(caller, { channel: b.channel, agent: b.agent, to: b.to });
    return { ok: true, watermark };
  });
}
