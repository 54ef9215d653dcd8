// Tells the core's security log which client address the request being handled comes from, so that
// `_security` writes are budgeted per address (the core itself knows no HTTP and no async_hooks).
import { AsyncLocalStorage } from "node:async_hooks";
import type { FastifyInstance } from "fastify";
import type { Queue } from "../core/queue.js";

/**
 * Runs each request's handler (after its body is parsed, where the socket's context would otherwise be
 * lost) in a context holding the client address, and lets the queue's security log read it.
 */
export function installRequestSource(app: FastifyInstance, queue: Queue): void {
  const source = new AsyncLocalStorage<string>();
  app.addHook("preHandler", (request, _reply, done) => source.run(request.ip, done));
  const unset = queue.setSecuritySource(() => source.getStore());
  app.addHook("onClose", (_instance, done) => {
    unset();
    done();
  });
}
