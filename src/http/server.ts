// The HTTP face of el-ipc: a fastify server over one Queue. Routes parse input, call the core and
// format its answers; who may do what is decided in the core.
import fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import type { Config } from "../config.js";
import { IpcError } from "../core/errors.js";
import { createQueue, type Queue } from "../core/queue.js";
import { createSqliteStore } from "../store/sqlite/index.js";
import type { Store } from "../store/types.js";
import { requireBearer } from "./auth.js";
import { createErrorHandler, handleNotFound } from "./errors.js";
import { acceptJsonBodies } from "./input.js";
import { createLongPolls } from "./long-polls.js";
import { registerIdentityRoutes } from "./routes/identity.js";
import { registerInfoRoutes } from "./routes/info.js";
import { registerMessageRoutes } from "./routes/messages.js";

/** Log levels of the built-in logger. */
export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

/** Options of createHttpServer. */
export interface HttpServerOptions {
  /** The core to serve; the caller owns it (closing the server does not close it). */
  queue: Queue;
  /** Resolved configuration: limits.bodyBytes and apiKey are used here. */
  config: Config;
  /** Level of the built-in pino logger. Default "warn"; ignored when `logger` is given. */
  logLevel?: LogLevel;
  /** A ready pino-compatible logger to use instead of the built-in one. */
  logger?: FastifyBaseLogger;
}

/** Longest time a client may take to send one whole request, in ms. */
export const REQUEST_TIMEOUT_MS = 30_000;
/** Longest time a client may take to send the request headers, in ms. */
export const HEADERS_TIMEOUT_MS = 10_000;
/** How long an idle keep-alive connection stays open, in ms. */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** While closing, how often keep-alive sockets that turned idle are dropped, in ms. */
const REAP_INTERVAL_MS = 25;
/** How often expired replay proofs and idempotency keys are forgotten, in ms. */
export const PRUNE_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Creates the HTTP server (not listening; use `listen` or `inject`). Long-polls in flight are ended
 * when the server closes.
 */
export function createHttpServer(opts: HttpServerOptions): FastifyInstance {
  const { queue, config } = opts;
  const handleError = createErrorHandler(config.limits.bodyBytes);
  const app = fastify({
    ...(opts.logger ? { loggerInstance: opts.logger } : { logger: { level: opts.logLevel ?? "warn" } }),
    // No per-request log lines: they cost more than a send.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.limits.bodyBytes,
    requestTimeout: REQUEST_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // Long-polls are idle sockets by design: no inactivity timeout.
    connectionTimeout: 0,
    return503OnClosing: true,
    frameworkErrors: handleError,
  }) as unknown as FastifyInstance;
  app.server.headersTimeout = HEADERS_TIMEOUT_MS;

  acceptJsonBodies(app);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);
  if (config.apiKey !== "") requireBearer(app, config.apiKey);

  const polls = createLongPolls();
  let reaper: NodeJS.Timeout | undefined;
  app.addHook("preClose", (done) => {
    polls.abortAll();
    // server.close() drops idle keep-alive sockets once; sockets of requests still in flight turn idle
    // later and would hold the close until the client lets go, so keep dropping them until closed.
    reaper = setInterval(() => app.server.closeIdleConnections(), REAP_INTERVAL_MS);
    reaper.unref();
    done();
  });
  app.addHook("onClose", (_instance, done) => {
    clearInterval(reaper);
    done();
  });

  registerMessageRoutes(app, { queue, polls });
  registerIdentityRoutes(app, queue);
  registerInfoRoutes(app, queue);
  return app;
}

/** A listening server with its own store and queue. */
export interface RunningHttpServer {
  /** Base URL, e.g. http://127.0.0.1:9876. */
  url: string;
  /** The fastify instance. */
  app: FastifyInstance;
  /** The queue it serves. */
  queue: Queue;
  /** Stops accepting requests, ends long-polls, waits for requests in flight, then closes the queue. */
  close(): Promise<void>;
}

/** Options of startHttpServer besides the configuration. */
export interface StartHttpServerOptions {
  /** Level of the built-in logger. Default "warn". */
  logLevel?: LogLevel;
  /** A ready pino-compatible logger to use instead. */
  logger?: FastifyBaseLogger;
  /** Allow an open-mode server (no operator, no API key) on a non-loopback address. Default false. */
  allowOpen?: boolean;
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}

async function prune(store: Store, app: FastifyInstance): Promise<void> {
  try {
    await store.pruneExpired(Date.now());
  } catch (err) {
    app.log.warn({ err }, "pruning expired replay proofs failed");
  }
}

/**
 * Opens the SQLite store at config.dbPath, creates the queue and listens on config.host:config.port
 * (port 0 picks a free one). Signal handling is the caller's; call close() on SIGTERM/SIGINT.
 */
export async function startHttpServer(
  config: Config,
  opts: StartHttpServerOptions = {},
): Promise<RunningHttpServer> {
  const store = createSqliteStore({ path: config.dbPath, sync: config.sync });
  const queue = createQueue({
    store,
    limits: config.limits,
    replayWindowMs: config.replayWindowMs,
    card: config.card,
  });
  // Checked before listening: an open server must never be reachable from other hosts, even briefly.
  if (!isLoopback(config.host) && !config.apiKey && !opts.allowOpen && !(await queue.identity.isSecure())) {
    await queue.close();
    throw new IpcError(
      "forbidden",
      `refusing to expose an open-mode server on ${config.host}: anyone who reaches it could read and send as any agent. Seed an operator (el-ipc seed), set IPC_API_KEY, or pass --allow-open`,
    );
  }
  const app = createHttpServer({
    queue,
    config,
    ...(opts.logger ? { logger: opts.logger } : {}),
    ...(opts.logLevel ? { logLevel: opts.logLevel } : {}),
  });
  let url: string;
  try {
    url = await app.listen({ host: config.host, port: config.port });
  } catch (e) {
    await app.close().catch(() => undefined);
    await queue.close();
    const code = (e as { code?: string }).code ?? "error";
    throw new IpcError("unavailable", `cannot listen on ${config.host}:${config.port} (${code})`);
  }
  await prune(store, app);
  const pruner = setInterval(() => void prune(store, app), PRUNE_INTERVAL_MS);
  pruner.unref();

  let closing: Promise<void> | undefined;
  return {
    url,
    app,
    queue,
    close() {
      closing ??= (async () => {
        clearInterval(pruner);
        try {
          await app.close();
        } finally {
          await queue.close();
        }
      })();
      return closing;
    },
  };
}
