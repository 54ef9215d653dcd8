// `el-ipc mcp --agent <name>`: an MCP server over stdio acting as one agent, on the local database or a
// server (--server). The MCP SDK is loaded only here; stdout carries only protocol.
import { IpcError } from "../../core/errors.js";
import { checkName, parseChannelList } from "../../core/limits.js";
import type { CommandSpec } from "../command.js";
import { configOf, type GlobalOptions, keyOf } from "../context.js";

/** Options of `mcp`. */
interface McpOptions {
  agent?: string;
  key?: string;
  channel?: boolean;
  channels?: string;
}

/** `mcp`'s command line. */
export const command: CommandSpec = {
  name: "mcp",
  description:
    "serve MCP over stdio as one agent (tools: send_message, read_messages, wait_for_messages, ...)",
  options: [
    { flags: "--agent <name>", description: "the agent this server acts as (default IPC_AGENT)" },
    {
      flags: "--key <file>",
      description: "the agent's private key (default IPC_KEY; required in secure mode)",
    },
    {
      flags: "--channel",
      description: "push new messages into a Claude Code session (claude/channel notifications)",
    },
    { flags: "--channels <list>", description: "with --channel: the channels pushed (default @<agent>)" },
  ],
  run,
};

/** Runs `mcp` until stdin ends or a signal arrives. */
export async function run(opts: McpOptions, globals: GlobalOptions) {
  const agent = opts.agent ?? (process.env.IPC_AGENT || undefined);
  if (agent === undefined) {
    throw new IpcError("invalid_argument", "mcp needs the agent it acts as: --agent <name> (or IPC_AGENT)");
  }
  checkName("agent", agent);
  if (opts.channels !== undefined && !opts.channel) {
    throw new IpcError("invalid_argument", "--channels goes with --channel");
  }
  const channelOn = opts.channel ? parseChannelList(opts.channels ?? `@${agent}`) : undefined;
  const key = keyOf(opts.key);
  const config = configOf(globals);
  const [{ openBackend }, { createBackendSession }, { serveMcpStdio }] = await Promise.all([
    import("../backend.js"),
    import("../../mcp/backend-session.js"),
    import("../../mcp/stdio.js"),
  ]);
  const backend = await openBackend(config);
  const session = createBackendSession({
    backend,
    agent,
    ...(key ? { key } : {}),
    where: config.serverUrl ?? config.database,
  });
  const stop = new AbortController();
  process.once("SIGINT", () => stop.abort());
  process.once("SIGTERM", () => stop.abort());
  try {
    await serveMcpStdio(
      { session, ...(channelOn ? { channelOn } : {}), log: (line) => process.stderr.write(`${line}\n`) },
      stop.signal,
    );
  } finally {
    await session.close();
  }
}
