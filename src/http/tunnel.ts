// Public exposure (`el-ipc serve --ngrok`): what is refused before anything listens (an open-mode server,
// a missing NGROK_AUTHTOKEN), and the tunnel itself, opened in-process with the official @ngrok/ngrok
// package (an optional dependency shipping the ngrok agent), loaded only for this flag.
import type { FastifyBaseLogger } from "fastify";
import { IpcError } from "../core/errors.js";
import type { RunningHttpServer } from "./server.js";

/** An open tunnel. */
export interface Tunnel {
  /** Its public https:// URL. */
  readonly url: string;
  /** Closes it (idempotent). */
  close(): Promise<void>;
}

/** What a tunnel forwards, and where it reports its connection state. */
export interface TunnelRequest {
  /** host:port of the local server. */
  addr: string;
  authtoken: string;
  /** A reserved domain (--ngrok-domain); default one ngrok assigns. */
  domain?: string;
  /** "closed" when the connection to ngrok is lost (it reconnects by itself), "connected" when back. */
  onStatus(status: string): void;
}

/** Opens a tunnel: ngrok's in production, a stand-in in tests (the ngrok service is not reachable here). */
export type TunnelOpener = (r: TunnelRequest) => Promise<Tunnel>;

/** The NGROK_AUTHTOKEN of `env`, or the refusal that says where to get one. */
export function ngrokAuthtoken(env: NodeJS.ProcessEnv): string {
  const token = env.NGROK_AUTHTOKEN?.trim();
  if (!token) {
    throw new IpcError(
      "invalid_argument",
      "--ngrok needs NGROK_AUTHTOKEN: copy yours from https://dashboard.ngrok.com/get-started/your-authtoken, then export NGROK_AUTHTOKEN=<token>",
    );
  }
  return token;
}

/** The reason an open-mode server is not exposed, with the commands that fix it (one line). */
export function openModeRefusal(how: string): IpcError {
  return new IpcError(
    "forbidden",
    `refusing to expose an open-mode server ${how}: anyone who finds its URL could read every channel and send as any agent. Turn on secure mode (el-ipc seed op-main --out op-main.key) or set an API key (export IPC_API_KEY=$(openssl rand -hex 32)), then start it again`,
  );
}

/** The part of @ngrok/ngrok used here. */
interface NgrokModule {
  forward(config: {
    addr: string;
    authtoken: string;
    domain?: string;
    onStatusChange?: (status: string) => void;
  }): Promise<{ url(): string | null; close(): Promise<void> }>;
}

/** Opens an ngrok tunnel with @ngrok/ngrok; refused with one line when the package is missing or ngrok says no. */
export const openNgrokTunnel: TunnelOpener = async (r) => {
  let ngrok: NgrokModule;
  try {
    // Optional: loaded for --ngrok only, and missing where its install failed (an unsupported platform).
    ngrok = (await import("@ngrok/ngrok")) as unknown as NgrokModule;
  } catch {
    throw new IpcError(
      "unavailable",
      "--ngrok needs the optional package @ngrok/ngrok, which is not installed (npm install @ngrok/ngrok; it ships the ngrok agent for this platform)",
    );
  }
  let listener: Awaited<ReturnType<NgrokModule["forward"]>>;
  try {
    listener = await ngrok.forward({
      addr: r.addr,
      authtoken: r.authtoken,
      ...(r.domain ? { domain: r.domain } : {}),
      onStatusChange: r.onStatus,
    });
  } catch (e) {
    const why = String((e as Error).message ?? e).split("\n")[0];
    throw new IpcError("unavailable", `ngrok did not open the tunnel: ${why}`);
  }
  const url = listener.url();
  if (!url) {
    await listener.close().catch(() => undefined);
    throw new IpcError("unavailable", "ngrok opened a tunnel without a URL");
  }
  return { url, close: () => listener.close() };
};

/** Options of exposeServer. */
export interface ExposeOptions {
  authtoken: string;
  domain?: string;
  /** Default openNgrokTunnel. */
  open?: TunnelOpener;
  log: FastifyBaseLogger;
}

/**
 * Opens a tunnel to a listening server, makes its URL the server's public one (the agent card's interface
 * URL unless IPC_AGENT_URL is set, /mcp's accepted Host) and logs it, and every loss and return of the
 * connection. Resolves to the tunnel; close it before the server.
 */
export async function exposeServer(server: RunningHttpServer, o: ExposeOptions): Promise<Tunnel> {
  const addr = new URL(server.url).host;
  const tunnel = await (o.open ?? openNgrokTunnel)({
    addr,
    authtoken: o.authtoken,
    ...(o.domain ? { domain: o.domain } : {}),
    onStatus: (status) => {
      if (status === "closed") o.log.warn({ ngrok: status }, "ngrok: connection lost; reconnecting");
      else if (status === "connected") o.log.info({ ngrok: status }, "ngrok: reconnected");
      else o.log.info({ ngrok: status }, `ngrok: ${status}`);
    },
  });
  server.setPublicUrl(tunnel.url);
  o.log.info({ public_url: tunnel.url }, `Public URL (ngrok): ${tunnel.url}`);
  return tunnel;
}
