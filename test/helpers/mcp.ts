// Test helpers for the MCP faces: the official SDK client over the built CLI's stdio server, and
// shortcuts for tool calls.
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { CLI, REPO_ROOT } from "./cli.js";

/** A connected MCP client and what its server wrote to stderr. */
export interface McpTestClient {
  client: Client;
  stderr(): string;
  close(): Promise<void>;
}

/** Starts `el-ipc mcp <args>` and connects the official client to it over stdio. */
export async function stdioClient(args: string[], env: NodeJS.ProcessEnv): Promise<McpTestClient> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, "mcp", ...args],
    env: env as Record<string, string>,
    cwd: REPO_ROOT,
    stderr: "pipe",
  });
  let err = "";
  transport.stderr?.on("data", (d) => {
    err += d;
  });
  const client = new Client({ name: "el-ipc-test", version: "1.0.0" });
  // A failed call names what the server wrote to stderr (why it ended, if it did), not only "Connection closed".
  const withStderr =
    <A extends unknown[], R>(f: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      try {
        return await f(...a);
      } catch (e) {
        const tail = err.trim().split("\n").slice(-5).join(" | ");
        throw new Error(`${(e as Error).message}; el-ipc mcp stderr: ${tail || "(nothing)"}`, { cause: e });
      }
    };
  client.callTool = withStderr(client.callTool.bind(client)) as typeof client.callTool;
  client.listTools = withStderr(client.listTools.bind(client)) as typeof client.listTools;
  await withStderr(() => client.connect(transport))();
  return { client, stderr: () => err, close: () => client.close() };
}

/** A tool call's result, as the tests read it. */
export interface ToolResult {
  isError?: boolean;
  content: { type: string; text?: string }[];
  structuredContent?: Record<string, unknown>;
}

/** Calls a tool and returns its result. */
export async function call(c: Client, name: string, args: Record<string, unknown> = {}): Promise<ToolResult> {
  return (await c.callTool({ name, arguments: args })) as ToolResult;
}

/** Calls a tool that must succeed and returns its structured content. */
export async function ok<T = Record<string, unknown>>(
  c: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<T> {
  const r = await call(c, name, args);
  if (r.isError) throw new Error(`${name} failed: ${r.content[0]?.text}`);
  return r.structuredContent as T;
}

/** Connects the official client to `url` (an el-ipc /mcp endpoint) over Streamable HTTP. */
export async function httpClient(
  url: string,
  headers: Record<string, string> = {},
  era: "legacy" | "auto" = "legacy",
): Promise<Client> {
  const { StreamableHTTPClientTransport } = await import("@modelcontextprotocol/client");
  const client = new Client(
    { name: "el-ipc-test", version: "1.0.0" },
    era === "auto" ? { versionNegotiation: { mode: "auto" } } : {},
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}
