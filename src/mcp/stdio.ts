// `el-ipc mcp` over stdio: stdout carries only protocol, logs go to stderr. Both protocol eras are
// served; with the channel on, the 2025-era revision only, since Claude Code takes channel
// notifications only on a connection that has an unsolicited notification path.
import { StdioServerTransport, serveStdio } from "@modelcontextprotocol/server/stdio";
import { CHANNEL_NOTIFICATION, pumpChannel } from "./channel.js";
import { createIpcMcpServer } from "./server.js";
import type { AgentSession } from "./session.js";

/** Options of the stdio server. */
export interface StdioOptions {
  session: AgentSession;
  /** Push new messages on these channels as Claude Code channel notifications. Default none. */
  channelOn?: string[];
  /** Where logs go. */
  log: (line: string) => void;
}

/** Serves MCP on stdin/stdout until stdin ends or `signal` aborts; resolves once closed. */
export async function serveMcpStdio(o: StdioOptions, signal: AbortSignal): Promise<void> {
  const onError = (e: unknown) => o.log(`el-ipc mcp: ${e instanceof Error ? e.message : String(e)}`);
  const ended = new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
    process.stdin.once("end", () => resolve());
    process.stdin.once("close", () => resolve());
  });
  if (!o.channelOn) {
    const handle = serveStdio(() => createIpcMcpServer(o.session, { onError }), { onerror: onError });
    await ended;
    await handle.close();
    return;
  }
  const server = createIpcMcpServer(o.session, { channel: true, onError });
  const pump = new AbortController();
  let pumping: Promise<void> | undefined;
  server.server.oninitialized = () => {
    pumping ??= pumpChannel({
      session: o.session,
      channels: o.channelOn as string[],
      notify: (params) => server.server.notification({ method: CHANNEL_NOTIFICATION, params }),
      signal: pump.signal,
      onError,
    }).catch(onError);
  };
  await server.connect(new StdioServerTransport());
  await ended;
  pump.abort();
  await pumping;
  await server.close();
}
