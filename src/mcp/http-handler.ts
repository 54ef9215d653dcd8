// MCP over Streamable HTTP, stateless: one MCP server instance per request (both protocol eras), acting
// through the session the HTTP face authenticated. Loaded by /mcp on its first request.
import { AsyncLocalStorage } from "node:async_hooks";
import { createMcpHandler } from "@modelcontextprotocol/server";
import { createIpcMcpServer } from "./server.js";
import type { AgentSession } from "./session.js";

/** Answers one MCP request as `session`. */
export type McpFetch = (request: Request, session: AgentSession) => Promise<Response>;

/** Creates the handler; `onError` hears failures that are not the client's fault. */
export function createMcpFetch(onError: (err: unknown) => void): McpFetch {
  const current = new AsyncLocalStorage<AgentSession>();
  const handler = createMcpHandler(
    () => {
      const session = current.getStore();
      if (!session) throw new Error("MCP request without a session");
      return createIpcMcpServer(session, { onError });
    },
    { legacy: "stateless", onerror: onError },
  );
  return (request, session) => current.run(session, () => handler.fetch(request));
}
