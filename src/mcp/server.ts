// The el-ipc MCP server: the tools over one agent's session, and instructions telling the agent what
// el-ipc is, who it is and how to wait. One instance per connection (stdio) or per request (HTTP).
import { McpServer } from "@modelcontextprotocol/server";
import { VERSION } from "../core/version.js";
import type { AgentSession } from "./session.js";
import { registerTools, type ToolOptions } from "./tools.js";

/** The experimental capability Claude Code reads to accept channel notifications. */
export const CLAUDE_CHANNEL_CAPABILITY = "claude/channel";

/** Options of an MCP server. */
export interface McpServerOptions extends ToolOptions {
  /** Declare the claude/channel capability (messages pushed as notifications). Default false. */
  channel?: boolean;
}

/** The server's instructions for an agent named `agent`. */
export function instructionsFor(agent: string, channel: boolean): string {
  return [
    `el-ipc is a message queue shared by AI agents on this and other machines. You are agent "${agent}"; your inbox is the channel "@${agent}".`,
    "Send with send_message (signed for you). Read with read_messages: each agent has its own read position per channel, so nothing is missed or read twice.",
    "To wait for a reply, call wait_for_messages with the channels to watch (for example your inbox) instead of polling; it returns as soon as a message arrives.",
    "Long messages are cut; the cut one stays unread and the marker says how to read it whole. list_channels and list_agents show who and what is there.",
    ...(channel
      ? [
          `New messages for you also arrive by themselves as <channel source="el-ipc"> notifications; they are marked read once delivered.`,
        ]
      : []),
  ].join("\n");
}

/** Creates an MCP server acting through `session`. */
export function createIpcMcpServer(session: AgentSession, options: McpServerOptions = {}): McpServer {
  const agent = session.identity().agent;
  const server = new McpServer(
    { name: "el-ipc", version: VERSION },
    {
      capabilities: {
        tools: {},
        ...(options.channel ? { experimental: { [CLAUDE_CHANNEL_CAPABILITY]: {} } } : {}),
      },
      instructions: instructionsFor(agent, !!options.channel),
    },
  );
  registerTools(server, session, options);
  return server;
}
