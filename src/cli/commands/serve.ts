// `el-ipc serve [port]`: run the HTTP server on the local database. The HTTP framework is loaded here only.
import { IpcError } from "../../core/errors.js";
import { storeExists } from "../../store/open.js";
import type { CommandSpec } from "../command.js";
import { configOf, type GlobalOptions } from "../context.js";

/** Options of `serve`. */
interface ServeOptions {
  port?: string;
  host?: string;
  allowOpen?: boolean;
  logLevel?: string;
  metrics?: boolean;
  ngrok?: boolean;
  ngrokDomain?: string;
  logRequests?: boolean;
}

const LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** Parses --log-level. */
function logLevel(value: string): (typeof LEVELS)[number] {
  const level = LEVELS.find((l) => l === value.toLowerCase());
  if (!level)
    throw new IpcError("invalid_argument", `--log-level must be one of ${LEVELS.join(", ")}, got '${value}'`);
  return level;
}

/** `serve`'s command line. */
export const command: CommandSpec = {
  name: "serve",
  description: "start the HTTP server (default 127.0.0.1:9876)",
  arguments: [{ name: "[port]", description: "port (default IPC_PORT or 9876; 0 picks a free one)" }],
  options: [
    { flags: "--port <port>", description: "the port, as the argument gives it (one of the two)" },
    { flags: "--host <address>", description: "address to bind (default IPC_HOST or 127.0.0.1)" },
    {
      flags: "--allow-open",
      description: "allow an open-mode server (no operator, no IPC_API_KEY) on a non-loopback address",
    },
    { flags: "--no-metrics", description: "collect no metrics (GET /metrics answers 404)" },
    {
      flags: "--ngrok",
      description:
        "expose the server at a public https:// URL through ngrok (needs NGROK_AUTHTOKEN, the optional @ngrok/ngrok, and secure mode or IPC_API_KEY)",
    },
    { flags: "--ngrok-domain <name>", description: "with --ngrok: your reserved ngrok domain" },
    {
      flags: "--log-requests",
      description: "log one info line per request: request id, route, status, duration, proven agent",
    },
    {
      flags: "--log-level <level>",
      description:
        "fatal, error, warn, info (default), debug, trace or silent; lines are JSON unless stderr is a terminal",
      parse: logLevel,
    },
  ],
  run,
};

/** Runs `serve` until SIGINT or SIGTERM. */
export async function run(arg: string | undefined, opts: ServeOptions, globals: GlobalOptions) {
  if (arg !== undefined && opts.port !== undefined && arg !== opts.port) {
    throw new IpcError("invalid_argument", `two ports given: ${arg} and --port ${opts.port}; give one`);
  }
  const port = arg ?? opts.port;
  if (opts.ngrokDomain !== undefined && !opts.ngrok) {
    throw new IpcError("invalid_argument", "--ngrok-domain goes with --ngrok");
  }
  // Before anything opens: without a token the tunnel cannot start, so neither does the server.
  const { ngrokAuthtoken } = await import("../../http/tunnel.js");
  const authtoken = opts.ngrok ? ngrokAuthtoken(process.env) : undefined;
  const config = configOf(globals, {
    ...(port !== undefined ? { port } : {}),
    ...(opts.host ? { host: opts.host } : {}),
  });
  const [{ startHttpServer }, { createServerLogger }, { exposeServer }] = await Promise.all([
    import("../../http/server.js"),
    import("../../http/logger.js"),
    import("../../http/tunnel.js"),
  ]);
  const log = createServerLogger({ level: (opts.logLevel as (typeof LEVELS)[number]) ?? "info" });
  // Listen for the stop signals before the port opens: a supervisor (or a test) that sees the server
  // answer may stop it at once, and a signal without a handler would kill it without closing the store.
  const stopped = new Promise<void>((resolve) => {
    const stop = () => {
      log.info("shutting down");
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  const isNew = !storeExists(config.store);
  const server = await startHttpServer(config, {
    allowOpen: !!opts.allowOpen,
    logger: log,
    metrics: opts.metrics !== false,
    ...(opts.ngrok ? { exposedThrough: "through ngrok" } : {}),
    logRequests: !!opts.logRequests,
  });
  if (isNew) log.info({ db: config.database }, `created a new database at ${config.database}`);
  const secure = await server.queue.isSecure();
  log.info({ url: server.boundUrl, db: config.database }, `Listening on ${server.boundUrl}`);
  log.info(
    { secure_mode: secure },
    secure
      ? "secure mode is on (Ed25519)"
      : "open mode: no operator seeded (el-ipc seed turns secure mode on)",
  );
  let tunnel: Awaited<ReturnType<typeof exposeServer>> | undefined;
  if (authtoken !== undefined) {
    try {
      tunnel = await exposeServer(server, {
        authtoken,
        ...(opts.ngrokDomain ? { domain: opts.ngrokDomain } : {}),
        log,
      });
    } catch (e) {
      await server.close();
      throw e;
    }
    if (config.card.url)
      log.warn(`the agent card keeps IPC_AGENT_URL (${config.card.url}), not the ngrok URL`);
  }
  await stopped;
  await tunnel?.close().catch(() => undefined);
  await server.close();
}
