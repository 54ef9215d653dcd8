// Read-only routes about the server: GET /channels, GET /health and the agent card.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ANONYMOUS } from "../../core/caller.js";
import type { Page } from "../../core/listings.js";
import type { Queue } from "../../core/queue.js";
import { NEXT_CURSOR_HEADER } from "../../protocol/headers.js";
import type { ParsedQueryOf } from "../../protocol/operations.js";
import { callerOf } from "../auth.js";
import { addOperation } from "../operation-route.js";

/**
 * Answers a listing page as the reference does (a JSON array), with the next page's cursor in the
 * X-IPC-Next-Cursor header and a Link rel="next" (docs/PROTOCOL.md); the last page has neither.
 */
export async function answerPage<T>(
  q: ParsedQueryOf<"channels" | "agents">,
  request: FastifyRequest,
  reply: FastifyReply,
  get: (page: { limit?: number; cursor?: string }) => Promise<Page<T>>,
): Promise<T[]> {
  const page = await get({
    ...(q.limit !== undefined ? { limit: q.limit } : {}),
    ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
  });
  if (page.next !== undefined) {
    const path = request.url.split("?")[0] as string;
    const next = new URLSearchParams({
      ...(q.limit !== undefined ? { limit: String(q.limit) } : {}),
      cursor: page.next,
    });
    void reply.header(NEXT_CURSOR_HEADER, page.next).header("link", `<${path}?${next}>; rel="next"`);
  }
  return page.items;
}

/** Registers the informational routes. */
export function registerInfoRoutes(app: FastifyInstance, queue: Queue, baseUrl: () => string): void {
  // Secure mode: only registered identities list channels, and only those they may read (request proof).
  addOperation(app, "channels", async ({ query, request, reply }) => {
    const caller = await callerOf(request, queue);
    return answerPage(query, request, reply, (page) => queue.channelPage(caller, page));
  });

  addOperation(app, "health", async ({ query: q, request }) => {
    // Secure mode: a pending count needs a request proof by that agent (the plain status stays public).
    const counting = !!q.channel && !!q.agent;
    const caller = counting ? await callerOf(request, queue) : ANONYMOUS;
    return queue.health(caller, { channel: q.channel || undefined, agent: q.agent || undefined });
  });

  addOperation(app, "agentCard", () => queue.agentCard(baseUrl()));
}
