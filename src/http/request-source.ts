// Tells the core's security log which client address the request being handled comes from, so that
// `_security` writes are budgeted per address (the core itself knows no HTTP and no async_hooks).
import { AsyncLocalStorage } from "node:async_hooks";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Queue } from "../core/queue.js";

/**
 * Runs each request's handler (after its body is parsed, where the socket's context would otherwise be
 * lost) in a context holding the client address, and lets the queue's security log read it. Only in
 * secure mode: an open server writes no events to `_security`, so there is no budget to choose, and the
 * first `run` would make every promise of the process pay for the context from then on (about 2.5 µs of
 * a 33 µs open-mode send on the bench machine). Open-mode events are still logged, without the address.
 * Returns what tells the id of the request being handled (for the log lines of its security events),
 * undefined outside a handler or in open mode.
 */
export function installRequestSource(app: FastifyInstance, queue: Queue): () => string | undefined {
  const source = new AsyncLocalStorage<FastifyRequest>();
  // Secure mode is never switched off: once seen, every request enters its context without asking.
  let secure = false;
  app.addHook("preHandler", (request, _reply, done) => {
    if (secure) {
      source.run(request, done);
      return;
    }
    // Calls of one event-loop turn share one look-up.
    void queue.isSecure().then(
      (on) => {
        secure = on;
        if (on) source.run(request, done);
        else done();
      },
      () => done(),
    );
  });
  const unset = queue.setSecuritySource(() => source.getStore()?.ip);
  app.addHook("onClose", (_instance, done) => {
    unset();
    done();
  });
  return () => source.getStore()?.id;
}
