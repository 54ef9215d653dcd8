// GET /metrics: the server's Prometheus metrics, for the API key (a scraper's bearer token) or an operator.
import type { FastifyInstance } from "fastify";
import { IpcError } from "../../core/errors.js";
import type { Queue } from "../../core/queue.js";
import { callerOf } from "../auth.js";
import type { ServerMetrics } from "../metrics.js";
import { addOperation } from "../operation-route.js";

/** What GET /metrics needs. */
export interface MetricsRouteOptions {
  queue: Queue;
  /** The server's API key ("" when none): its bearer token alone is enough. */
  apiKey: string;
  /** The metrics; undefined when the server runs without them (`serve --no-metrics`). */
  metrics: ServerMetrics | undefined;
}

/** Registers GET /metrics. */
export function registerMetricsRoute(app: FastifyInstance, o: MetricsRouteOptions): void {
  addOperation(
    app,
    "metrics",
    async ({ request, reply }) => {
      // With an API key set, a request that carries a bearer token got here only if it was the key.
      const keyed = o.apiKey !== "";
      if (!keyed || request.headers.authorization === undefined) {
        if (keyed && !(await o.queue.isSecure())) {
          throw new IpcError(
            "unauthorized",
            "missing API key (Authorization: Bearer <key>; the CLI sends IPC_API_KEY)",
          );
        }
        await o.queue.requireOperator(await callerOf(request, o.queue), "GET /metrics");
      }
      if (!o.metrics) {
        throw new IpcError("not_found", "metrics are off on this server (started with --no-metrics)");
      }
      void reply.type(o.metrics.contentType);
      return o.metrics.text();
    },
    { exposeHeadRoute: false },
  );
}
