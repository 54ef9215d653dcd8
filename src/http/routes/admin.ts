// Operator routes: POST /revoke, POST /rotate, POST /grant, POST /deny and POST /unset, each body carrying the operator's
// signature over its canonical form (docs/PROTOCOL.md section 4), and the operator views GET /access and
// GET /key-events (a request proof by an operator in secure mode). The core verifies and decides.
import type { FastifyInstance } from "fastify";
import type { Queue } from "../../core/queue.js";
import {
  accessRuleFromWire,
  accessUnsetFromWire,
  revocationFromWire,
  rotationFromWire,
} from "../../core/wire.js";
import { callerOf } from "../auth.js";
import { addOperation } from "../operation-route.js";

/** Registers the operator routes. */
export function registerAdminRoutes(app: FastifyInstance, queue: Queue): void {
  addOperation(app, "revoke", async ({ body }) => ({
    ok: true,
    message: await queue.revoke(revocationFromWire(body)),
  }));

  addOperation(app, "rotate", async ({ body }) => ({
    ok: true,
    message: await queue.rotate(rotationFromWire(body)),
  }));

  for (const effect of ["grant", "deny"] as const) {
    addOperation(app, effect, async ({ body }) => ({
      ok: true,
      message: await queue.setAccessRule(accessRuleFromWire(effect, body)),
    }));
  }

  addOperation(app, "unset", async ({ body }) => ({
    ok: true,
    message: await queue.unsetAccessRule(accessUnsetFromWire(body)),
  }));

  addOperation(app, "accessRules", async ({ query, request }) =>
    queue.accessRules(await callerOf(request, queue), query.agent),
  );

  addOperation(app, "keyEvents", async ({ query, request }) =>
    queue.keyEvents(await callerOf(request, queue), query.name),
  );
}
