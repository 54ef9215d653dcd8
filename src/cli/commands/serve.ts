// `el-ipc serve [port]`: run the HTTP server on the local database. The HTTP framework is loaded here only.
import type { CommandSpec } from "../command.js";
import { configOf, type GlobalOptions } from "../context.js";

/** Options of `serve`. */
interface ServeOptions {
  host?: string;
  allowOpen?: boolean;
}

/** `serve`'s command line. */
export const command: CommandSpec = {
  name: "serve",
  description: "start the HTTP server (default 127.0.0.1:9876)",
  arguments: [{ name: "[port]", description: "port (default IPC_PORT or 9876; 0 picks a free one)" }],
  options: [
    { flags: "--host <address>", description: "address to bind (default IPC_HOST or 127.0.0.1)" },
    {
      flags: "--allow-open",
      description: "allow an open-mode server (no operator, no IPC_API_KEY) on a non-loopback address",
    },
  ],
  run,
};

/** Runs `serve` until SIGINT or SIGTERM. */
export async function run(port: string | undefined, opts: ServeOptions, globals: GlobalOptions) {
  const config = configOf(globals, {
    ...(port !== undefined ? { port } : {}),
    ...(opts.host ? { host: opts.host } : {}),
  });
  const { startHttpServer } = await import("../../http/server.js");
  const server = await startHttpServer(config, { allowOpen: !!opts.allowOpen });
  const secure = await server.queue.identity.isSecure();
  process.stderr.write(`[ipc-server] Listening on ${server.url}\n`);
  process.stderr.write(`[ipc-server] DB: ${config.dbPath}\n`);
  process.stderr.write(
    `[ipc-server] Security: ${secure ? "ACTIVE (Ed25519)" : "OPEN (no operators seeded)"}\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.stderr.write("[ipc-server] Shutting down.\n");
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await server.close();
}
