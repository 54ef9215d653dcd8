// Read-only routes about the server: GET /channels, GET /health and the agent card.
import type { FastifyInstance } from "fastify";
import type { AgentCard, Queue } from "../../core/queue.js";
import type { ChannelInfo, Health } from "../../core/types.js";
import { principalOf } from "../auth.js";
import { validate } from "../input.js";
import { healthQuery } from "../schemas.js";

/** Registers the informational routes. */
export function registerInfoRoutes(app: FastifyInstance, queue: Queue): void {
  // Secure mode: only registered identities list channels, and only those they may read (request proof).
  app.get(
    "/channels",
    async (request): Promise<ChannelInfo[]> => queue.channels(await principalOf(request, queue)),
  );

  app.get("/health", async (request): Promise<Health> => {
    const q = validate(healthQuery, request.query, "query");
    // Secure mode: a pending count needs a request proof by that agent (the plain status stays public).
    const counting = !!q.channel && !!q.agent;
    return queue.health(
      q.channel || undefined,
      q.agent || undefined,
      counting ? await principalOf(request, queue) : undefined,
    );
  });

  app.get("/.well-known/agent-card.json", (): Promise<AgentCard> => queue.agentCard());
}
