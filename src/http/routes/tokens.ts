// Token routes: POST /tokens issues a bearer token for an agent, POST /tokens/revoke revokes one, GET
// /tokens lists them; each needs an operator's request proof in secure mode (the proof signs the body).
import type { FastifyInstance } from "fastify";
import type { Queue } from "../../core/queue.js";
import { callerOf } from "../auth.js";
import { addOperation } from "../operation-route.js";

/** Registers the token routes. */
export function registerTokenRoutes(app: FastifyInstance, queue: Queue): void {
  addOperation(app, "issueToken", async ({ body, request }) => {
    const issued = await queue.issueToken(await callerOf(request, queue), {
      agent: body.agent,
      ...(body.ttl_seconds !== undefined ? { ttlSeconds: body.ttl_seconds } : {}),
    });
    return { ok: true, ...issued };
  });

  addOperation(app, "revokeToken", async ({ body, request }) => ({
    ok: true,
    message: await queue.revokeToken(await callerOf(request, queue), body.id),
  }));

  addOperation(app, "tokens", async ({ query, request }) =>
    queue.tokens(await callerOf(request, queue), query.agent),
  );
}
