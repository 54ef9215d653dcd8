// The HTTP face of el-ipc: a fastify server over one Queue. Routes parse input, call the core and
// format its answers; who may do what is decided in the core.
import fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import { createA2aBridge } from "../a2a/bridge.js";
import { loadPrivateKeyFile } from "../cli/keyfile.js";
import { type Config, queueOptionsOf } from "../config.js";
import { IpcError } from "../core/errors.js";
import { MAINTENANCE_INTERVAL_MS } from "../core/maintenance.js";
import { createQueue, type Queue } from "../core/queue.js";
import { openStore } from "../store/open.js";
import { type DeliveryTimings, type Dispatcher, startDispatcher } from "../webhooks/dispatcher.js";
import { createAnswerBudget, type ServerAnswerBudget } from "./answer-budget.js";
import { requireBearer } from "./auth.js";
import { createErrorHandler, createNotFoundHandler } from "./errors.js";
import { acceptJsonBodies, parseQuery } from "./input.js";
import { closeIdleKeepAlivesSafely, silentSocketCloser } from "./keep-alive.js";
import { createLongPolls } from "./long-polls.js";
import { isLoopbackBind } from "./loopback.js";
import type { ServerMetrics } from "./metrics.js";
import { installRateLimits } from "./rate-limit.js";
import { createRequestIds, installRequestLog } from "./request-log.js";
import { installRequestSource } from "./request-source.js";
import { registerA2aRoute } from "./routes/a2a.js";
import { registerAdminRoutes } from "./routes/admin.js";
import { registerIdentityRoutes } from "./routes/identity.js";
import { registerInfoRoutes } from "./routes/info.js";
import { registerMcpRoute } from "./routes/mcp.js";
import { registerMessageRoutes } from "./routes/messages.js";
import { registerMetricsRoute } from "./routes/metrics.js";
import { registerOpenApiRoute } from "./routes/openapi.js";
import { registerStreamRoute } from "./routes/stream.js";
import { registerTokenRoutes } from "./routes/tokens.js";
import { registerUiRoutes } from "./routes/ui.js";
import { registerWebhookRoutes } from "./routes/webhooks.js";
import { openModeRefusal } from "./tunnel.js";

/**
 * Log fields of a failure in the background or of one MCP request: a database that is away (unavailable)
 * is one line with its reason, as each pass of an outage repeats it; anything else keeps its stack.
 */
function failureFields(err: unknown): Record<string, unknown> {
  return err instanceof IpcError && err.code === "unavailable"
    ? { code: err.code, reason: err.message }
    : { err };
}

// What a program embedding the server (the package's "el-ipc/server") needs to build its Config: the same
// resolution as the CLI's (flags, then the environment, then defaults).
export { type Config, type ConfigFlags, resolveConfig } from "../config.js";

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
  /** Ms between keep-alive comments on GET /stream. Default 15,000. */
  streamKeepAliveMs?: number;
  /** Connection timeouts; every field defaults to the constants below. */
  timeouts?: Partial<HttpTimeouts>;
  /** The cap on bytes held for unsent answers. Default createAnswerBudget(config.maxUnsentBytes). */
  answerBudget?: ServerAnswerBudget;
  /** Where the server listens, for the agent card when IPC_AGENT_URL is unset. Default "". */
  baseUrl?: () => string;
  /**
   * The public URL a tunnel forwards from (serve --ngrok), once open: the agent card's URL when
   * IPC_AGENT_URL is unset, and a Host /mcp accepts on a loopback server. Default none.
   */
  publicUrl?: () => string | undefined;
  /** Longest wait of a blocking A2A SendMessage, in ms. Default BLOCKING_WAIT_MS (120 s). */
  a2aBlockingMs?: number;
  /** The metrics GET /metrics answers, fed by this server's hooks. Default none: /metrics answers 404. */
  metrics?: ServerMetrics;
  /** One info line per request (request id, route, status, duration, proven agent). Default false. */
  logRequests?: boolean;
}

/** How long slow or idle clients may hold a connection, in ms. */
export interface HttpTimeouts {
  /** Whole request received. Default REQUEST_TIMEOUT_MS. */
  requestMs: number;
  /** Request headers received. Default HEADERS_TIMEOUT_MS. */
  headersMs: number;
  /** Idle keep-alive connection. Default KEEP_ALIVE_TIMEOUT_MS. */
  keepAliveMs: number;
  /** How often connections are checked against the first two. Default CHECK_INTERVAL_MS. */
  checkIntervalMs: number;
}

/** How often Node checks connections for the header and request timeouts, in ms (Node's default: 30 s). */
export const CHECK_INTERVAL_MS = 1_000;
/** Longest time a client may take to send one whole request, in ms. */
export const REQUEST_TIMEOUT_MS = 30_000;
/** Longest time a client may take to send the request headers, in ms. */
export const HEADERS_TIMEOUT_MS = 10_000;
/**
 * How long an idle keep-alive connection stays open, in ms (announced as `Keep-Alive: timeout=65`; Node
 * closes 1 s later). Closing an idle connection races a request the client may be writing to it, and many
 * clients (Node's http.Agent without `timeout`, Python's requests) ignore the announcement and reuse pooled
 * sockets after any pause, so this is far longer than the pauses agents leave between polls (issue 14: at
 * Node's 5 s, every socket reused after 6 s idle was reset). An idle socket costs what a parked poll does.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;
/**
 * Connections the kernel queues before the server accepts them (capped by net.core.somaxconn). Node's
 * default of 511 overflows when thousands of waiters connect at once: the overflowing handshakes are
 * dropped and retried by the client after 1 s or more (no error, but late polls).
 */
export const LISTEN_BACKLOG = 4096;
/** How often a server in open mode checks whether an operator was seeded (by any process), in ms. */
const SECURE_WATCH_MS = 1_000;
/** While closing, how often keep-alive sockets that turned idle are dropped, in ms. */
const REAP_INTERVAL_MS = 25;
/**
 * While closing, how long answers still being written get before every connection is cut, in ms: the
 * last resort for a client that holds its socket without reading, which would otherwise keep the
 * close waiting until a timeout a minute later.
 */
export const CLOSE_GRACE_MS = 2_000;

/**
 * Creates the HTTP server (not listening; use `listen` or `inject`). Long-polls in flight are ended
 * when the server closes.
 */
export function createHttpServer(opts: HttpServerOptions): FastifyInstance {
  const { queue, config, metrics } = opts;
  const onRefused = metrics ? (code: string) => metrics.refused(code) : undefined;
  const handleError = createErrorHandler(config.limits.bodyBytes, onRefused);
  const t: HttpTimeouts = {
    requestMs: REQUEST_TIMEOUT_MS,
    headersMs: HEADERS_TIMEOUT_MS,
    keepAliveMs: KEEP_ALIVE_TIMEOUT_MS,
    checkIntervalMs: CHECK_INTERVAL_MS,
    ...opts.timeouts,
  };
  const app = fastify({
    ...(opts.logger ? { loggerInstance: opts.logger } : { logger: { level: opts.logLevel ?? "warn" } }),
    // No fastify request log lines (request-log.ts writes its own with --log-requests). Nor a child
    // logger per request: the rare error line of a request names its req_id itself.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: (logger) => logger,
    // Our own ids: a sane incoming X-Request-ID is kept, anything else replaced (request-log.ts).
    requestIdHeader: false,
    genReqId: createRequestIds(),
    bodyLimit: config.limits.bodyBytes,
    requestTimeout: t.requestMs,
    keepAliveTimeout: t.keepAliveMs,
    // Slow clients (slowloris) are cut off within headersMs + checkIntervalMs.
    http: { connectionsCheckingInterval: t.checkIntervalMs, headersTimeout: t.headersMs },
    // Long-polls are idle sockets by design: no inactivity timeout.
    connectionTimeout: 0,
    return503OnClosing: true,
    frameworkErrors: handleError,
    routerOptions: { querystringParser: parseQuery },
  }) as unknown as FastifyInstance;
  app.server.headersTimeout = t.headersMs;
  closeIdleKeepAlivesSafely(app.server);
  const closeSilentSockets = silentSocketCloser(app.server);

  installRequestLog(app, { logRequests: !!opts.logRequests });
  acceptJsonBodies(app);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(createNotFoundHandler(onRefused));
  metrics?.install(app);
  // Before the bearer check, so floods with a wrong token are limited too.
  installRateLimits(app, {
    queue,
    rateLimit: config.security.rateLimit,
    refusedRateLimit: config.security.refusedRateLimit,
    ...(metrics ? { onLimited: (budget) => metrics.rateLimited(budget) } : {}),
  });
  if (config.apiKey !== "") requireBearer(app, config.apiKey);
  const requestId = installRequestSource(app, queue);

  // Every security event reaches the log; refusals as warnings, operator actions as info. In secure mode
  // an event raised while a request is handled names that request's id.
  const unlisten = queue.onSecurityEvent((event) => {
    const id = requestId();
    const fields = id === undefined ? { security: event } : { req_id: id, security: event };
    if (event.type === "admin") app.log.info(fields, event.message);
    else app.log.warn(fields, `security: ${event.type}: ${event.message}`);
  });
  const polls = createLongPolls({
    maxPerKey: config.security.maxWaitsPerAgent,
    onRefused: (agent) => {
      metrics?.rateLimited("waits");
      queue.reportSecurityEvent({
        type: "rate_limited",
        code: "rate_limited",
        message: `${agent} reached ${config.security.maxWaitsPerAgent} waiting reads`,
        agent,
      });
    },
  });
  let reaper: NodeJS.Timeout | undefined;
  app.addHook("preClose", (done) => {
    polls.abortAll();
    // server.close() drops idle keep-alive sockets once; sockets of requests still in flight turn idle
    // later and would hold the close until the client lets go, so keep dropping them until closed.
    closeSilentSockets();
    const closing = Date.now();
    reaper = setInterval(() => {
      if (Date.now() - closing >= CLOSE_GRACE_MS) return app.server.closeAllConnections();
      app.server.closeIdleConnections();
      closeSilentSockets();
    }, REAP_INTERVAL_MS);
    reaper.unref();
    done();
  });
  app.addHook("onClose", (_instance, done) => {
    clearInterval(reaper);
    unlisten();
    done();
  });

  const budget = opts.answerBudget ?? createAnswerBudget(config.maxUnsentBytes);
  const answers = (address: string) => budget.forClient(address);
  registerMessageRoutes(app, { queue, polls, answers });
  registerStreamRoute(app, {
    queue,
    polls,
    answers,
    ...(opts.streamKeepAliveMs !== undefined ? { keepAliveMs: opts.streamKeepAliveMs } : {}),
    ...(metrics ? { onOpen: () => metrics.streamOpened() } : {}),
  });
  registerIdentityRoutes(app, queue);
  registerAdminRoutes(app, queue);
  registerTokenRoutes(app, queue);
  const baseUrl = opts.baseUrl ?? (() => "");
  registerInfoRoutes(app, queue, () => opts.publicUrl?.() ?? baseUrl());
  registerOpenApiRoute(app);
  registerMetricsRoute(app, { queue, apiKey: config.apiKey, metrics });
  registerWebhookRoutes(app, queue);
  const bridge = createA2aBridge({ queue, ...(config.a2aAgent ? { defaultAgent: config.a2aAgent } : {}) });
  app.addHook("onClose", (_instance, done) => {
    bridge.close();
    done();
  });
  registerA2aRoute(app, {
    queue,
    bridge,
    polls,
    ...(opts.a2aBlockingMs !== undefined ? { blockingMs: opts.a2aBlockingMs } : {}),
    ...(opts.streamKeepAliveMs !== undefined ? { keepAliveMs: opts.streamKeepAliveMs } : {}),
  });
  registerUiRoutes(app, {
    queue,
    polls,
    answers,
    host: config.host,
    apiKey: config.apiKey,
    ...(opts.streamKeepAliveMs !== undefined ? { keepAliveMs: opts.streamKeepAliveMs } : {}),
  });
  registerMcpRoute(app, {
    queue,
    polls,
    host: config.host,
    origins: config.mcpOrigins,
    // A reverse proxy that passes the public Host names it in IPC_AGENT_URL; a tunnel sets it when it opens.
    publicUrl: () => opts.publicUrl?.() ?? config.card.url,
    where: config.card.url ?? "this server",
    onError: (err) => app.log.warn(failureFields(err), "mcp: request failed"),
  });
  return app;
}

/** A listening server with its own store and queue. */
export interface RunningHttpServer {
  /** Base URL to connect to, e.g. http://127.0.0.1:9876 (a loopback one when bound to all addresses). */
  url: string;
  /** The address actually bound, as a URL: http://0.0.0.0:9876 for --host 0.0.0.0. */
  boundUrl: string;
  /** The fastify instance. */
  app: FastifyInstance;
  /** The queue it serves. */
  queue: Queue;
  /** Sets the public URL a tunnel forwards from (see HttpServerOptions.publicUrl). */
  setPublicUrl(url: string): void;
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
  /**
   * The server is to be exposed publicly (a tunnel: "through ngrok"): an open-mode server is refused
   * before it listens, on any address and whatever allowOpen says. Default none.
   */
  exposedThrough?: string;
  /** Ms between keep-alive comments on GET /stream. Default 15,000. */
  streamKeepAliveMs?: number;
  /** Ms between maintenance passes (retention, expired replay proofs). Default 60,000. */
  maintenanceIntervalMs?: number;
  /** Outbound webhook timings (retries, deadline, polling). Default DEFAULT_DELIVERY. */
  webhookTimings?: Partial<DeliveryTimings>;
  /** Longest wait of a blocking A2A SendMessage, in ms. Default BLOCKING_WAIT_MS (120 s). */
  a2aBlockingMs?: number;
  /** Collect metrics and answer GET /metrics (prom-client is loaded only then). Default true. */
  metrics?: boolean;
  /** One info line per request (HttpServerOptions.logRequests). Default false. */
  logRequests?: boolean;
}

/**
 * Opens the store config.store names, creates the queue and listens on config.host:config.port
 * (port 0 picks a free one). Signal handling is the caller's; call close() on SIGTERM/SIGINT.
 */
export async function startHttpServer(
  config: Config,
  opts: StartHttpServerOptions = {},
): Promise<RunningHttpServer> {
  const warnings: string[] = [];
  let queue: Queue | undefined;
  const metrics =
    opts.metrics === false
      ? undefined
      : (await import("./metrics.js")).createServerMetrics({
          dbPath: config.store.kind === "sqlite" ? config.store.path : undefined,
          databaseBytes: async () => store.databaseBytes?.(),
          waiting: () => queue?.waiting() ?? 0,
          isSecure: async () => (await queue?.isSecure()) ?? false,
        });
  const store = await openStore(config.store, {
    onWarning: (m) => warnings.push(m),
    // Checkpoints would otherwise stop every request while they copy the WAL and fsync.
    serving: true,
    ...(metrics ? { onCommit: (channels, calls) => metrics.commit(channels, calls) } : {}),
  });
  try {
    // The card's signing key is an operator's private key file, refused as --key files are (mode 0600).
    const signingKey = config.cardKeyPath ? loadPrivateKeyFile(config.cardKeyPath) : undefined;
    const options = queueOptionsOf(config);
    queue = createQueue({
      ...options,
      store,
      card: { ...options.card, ...(signingKey ? { signingKey } : {}) },
      ...(metrics ? { observer: metrics.observer } : {}),
    });
  } catch (e) {
    await store.close();
    throw e;
  }
  // Checked before listening: an open server must never be reachable from other hosts, even briefly.
  if (opts.exposedThrough !== undefined && !config.apiKey && !(await queue.isSecure())) {
    await queue.close();
    throw openModeRefusal(opts.exposedThrough);
  }
  if (!isLoopbackBind(config.host) && !config.apiKey && !opts.allowOpen && !(await queue.isSecure())) {
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
    ...(opts.streamKeepAliveMs !== undefined ? { streamKeepAliveMs: opts.streamKeepAliveMs } : {}),
    ...(opts.a2aBlockingMs !== undefined ? { a2aBlockingMs: opts.a2aBlockingMs } : {}),
    ...(metrics ? { metrics } : {}),
    ...(opts.logRequests ? { logRequests: true } : {}),
    baseUrl: () => url,
    publicUrl: () => publicUrl,
  });
  for (const w of warnings) app.log.warn(w);
  let url = "";
  let publicUrl: string | undefined;
  try {
    url = await app.listen({ host: config.host, port: config.port, backlog: LISTEN_BACKLOG });
  } catch (e) {
    await app.close().catch(() => undefined);
    await queue.close();
    const code = (e as { code?: string }).code ?? "error";
    throw new IpcError("unavailable", `cannot listen on ${config.host}:${config.port} (${code})`);
  }
  const bound = app.server.address();
  const boundUrl =
    bound && typeof bound === "object"
      ? `http://${bound.family === "IPv6" ? `[${bound.address}]` : bound.address}:${bound.port}`
      : url;
  // Secure mode can start in another process (the CLI seeding the same database): look once a second.
  let secureWatch: NodeJS.Timeout | undefined;
  if (!(await queue.isSecure())) {
    secureWatch = setInterval(() => {
      queue.isSecure().then(
        (secure) => {
          if (!secure || secureWatch === undefined) return;
          clearInterval(secureWatch);
          secureWatch = undefined;
          app.log.info({ secure_mode: true }, "secure mode is on: an operator was seeded");
        },
        () => undefined,
      );
    }, SECURE_WATCH_MS);
    secureWatch.unref();
  }
  // Retention and expired replay proofs, now and then periodically, in the core.
  queue.startMaintenance(opts.maintenanceIntervalMs ?? MAINTENANCE_INTERVAL_MS, (err) =>
    app.log.warn(failureFields(err), "maintenance pass failed (retention, expired replay proofs)"),
  );

  // Outbound webhooks are delivered by the server process only (one dispatcher per database).
  const hooks = store.webhooks;
  const dispatcher: Dispatcher | undefined = hooks
    ? startDispatcher({
        store: hooks,
        report: (event) => queue.reportSecurityEvent(event),
        ...(opts.webhookTimings ? { timings: opts.webhookTimings } : {}),
        onError: (err) => app.log.warn(failureFields(err), "webhook pass failed; retrying on the next pass"),
      })
    : undefined;

  let closing: Promise<void> | undefined;
  return {
    url,
    boundUrl,
    app,
    queue,
    setPublicUrl(u) {
      publicUrl = u;
    },
    close() {
      closing ??= (async () => {
        clearInterval(secureWatch);
        secureWatch = undefined;
        queue.stopMaintenance();
        await dispatcher?.stop();
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
