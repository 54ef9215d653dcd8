// Message routes: POST /send, POST /send/batch, GET /messages (optionally a long-poll), POST /ack.
import type { FastifyInstance, FastifyReply } from "fastify";
import { parseChannelList } from "../../core/limits.js";
import type { Queue } from "../../core/queue.js";
import type { Delivered } from "../../core/types.js";
import { sendFromWire } from "../../core/wire.js";
import { principalOf } from "../auth.js";
import { validate } from "../input.js";
import type { LongPolls } from "../long-polls.js";
import { ackBody, parseSendBatchBody, parseSendBody, readQuery } from "../schemas.js";

/** What the message routes need. */
export interface MessageRouteContext {
  queue: Queue;
  /** Waiting reads, ended together on shutdown. */
  polls: LongPolls;
}

/**
 * Writes a read's answer straight to the socket: a fan-out answers thousands of parked polls in one
 * burst, and fastify's reply path costs more than the write itself. Headers already set on the reply
 * (connection: close while shutting down) are kept; onResponse hooks (rate limits) still run.
 */
function answerMessages(reply: FastifyReply, messages: Delivered[]): void {
  const body = JSON.stringify(messages);
  const headers: Record<string, string | number | string[]> = {};
  for (const [name, value] of Object.entries(reply.getHeaders()))
    if (value !== undefined) headers[name] = value;
  headers["content-type"] = "application/json; charset=utf-8";
  headers["content-length"] = Buffer.byteLength(body);
  reply.hijack();
  reply.raw.writeHead(200, headers);
  reply.raw.end(body);
}

/** Registers the message routes. Sends carry their own proof (the message signature). */
export function registerMessageRoutes(app: FastifyInstance, { queue, polls }: MessageRouteContext): void {
  app.post("/send", async (request) => {
    const r = await queue.send(sendFromWire(parseSendBody(request.body)));
    return { ok: true, id: r.id, channel: r.channel, signed: r.signed, duplicate: r.duplicate };
  });

  app.post("/send/batch", async (request) => {
    const b = parseSendBatchBody(request.body);
    const results = await queue.sendBatch(b.messages.map(sendFromWire));
    return { ok: true, ids: results.map((r) => r.id) };
  });

  app.get("/messages", async (request, reply) => {
    const q = validate(readQuery, request.query, "query");
    const channels = parseChannelList(q.channel);
    const principal = await principalOf(request, queue);
    const base = { channels, agent: q.agent, limit: q.limit, peek: q.peek, principal };
    if (!q.wait) return answerMessages(reply, await queue.read(base));
    // The response's 'close' fires when the client goes away mid-wait (the request's fires too early).
    const controller = polls.open(principal?.agent ?? q.agent);
    const onClose = (): void => controller.abort();
    reply.raw.once("close", onClose);
    let messages: Delivered[];
    try {
      messages = await queue.read({
        ...base,
        wait: true,
        timeoutMs: q.timeout * 1000,
        signal: controller.signal,
      });
    } finally {
      reply.raw.off("close", onClose);
      polls.done(controller);
      // Shutting down: tell the client not to reuse this connection.
      if (polls.closing()) void reply.header("connection", "close");
    }
    answerMessages(reply, messages);
  });

  app.post("/ack", async (request) => {
    const b = validate(ackBody, request.body, "body");
    const principal = await principalOf(request, queue);
    await queue.ack({ channel: b.channel, agent: b.agent, id: b.id, principal });
    return { ok: true };
  });
}
