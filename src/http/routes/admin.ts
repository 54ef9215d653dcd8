// Operator routes: POST /revoke, POST /rotate, POST /grant, POST /deny and POST /unset, each body carrying the operator's
// signature over its canonical form (docs/PROTOCOL.md section 4), and the operator views GET /access and
// GET /key-events (a request proof by an operator in secure mode). The core verifies and decides.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { Queue } from "../../core/queue.js";
import type { AccessRuleInfo, KeyEventInfo } from "../../core/types.js";
import {
  accessRuleFromWire,
  accessUnsetFromWire,
  revocationFromWire,
  rotationFromWire,
} from "../../core/wire.js";
import { callerOf } from "../auth.js";
import { validate } from "../input.js";
import { accessQuery, keyEventsQuery } from "../schemas.js";

const operatorSigned = {
  operator: z.string(),
  signed_at: z.int(),
  nonce: z.string(),
  signature: z.string(),
};

/** POST /revoke. */
export const revokeBody = z.object({ name: z.string(), ...operatorSigned });

/** POST /rotate. */
export const rotateBody = z.object({ name: z.string(), public_key: z.string(), ...operatorSigned });

/** POST /grant, POST /deny and POST /unset; `permissions` exactly as signed. */
export const accessBody = z.object({
  agent: z.string(),
  pattern: z.string(),
  permissions: z.enum(["read", "write", "read,write"]),
  ...operatorSigned,
});

/** Registers the operator routes. */
export function registerAdminRoutes(app: FastifyInstance, queue: Queue): void {
  app.post("/revoke", async (request) => {
    const b = validate(revokeBody, request.body, "body");
    const message = await queue.revoke(revocationFromWire(b));
    return { ok: true, message };
  });

  app.post("/rotate", async (request) => {
    const b = validate(rotateBody, request.body, "body");
    const message = await queue.rotate(rotationFromWire(b));
    return { ok: true, message };
  });

  for (const effect of ["grant", "deny"] as const) {
    app.post(`/${effect}`, async (request) => {
      const b = validate(accessBody, request.body, "body");
      const message = await queue.setAccessRule(accessRuleFromWire(effect, b));
      return { ok: true, message };
    });
  }

  app.post("/unset", async (request) => {
    const b = validate(accessBody, request.body, "body");
    const message = await queue.unsetAccessRule(accessUnsetFromWire(b));
    return { ok: true, message };
  });

  app.get("/access", async (request): Promise<AccessRuleInfo[]> => {
    const q = validate(accessQuery, request.query, "query");
    return queue.accessRules(await callerOf(request, queue), q.agent);
  });

  app.get("/key-events", async (request): Promise<KeyEventInfo[]> => {
    const q = validate(keyEventsQuery, request.query, "query");
    return queue.keyEvents(await callerOf(request, queue), q.name);
  });
}
