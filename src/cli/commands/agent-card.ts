// `el-ipc agent-card`: print the agent card (what /.well-known/agent-card.json serves).
import type { CommandSpec } from "../command.js";
import { type GlobalOptions, withBackend } from "../context.js";
import { printJson } from "../output.js";

/** `agent-card`'s command line. */
export const command: CommandSpec = {
  name: "agent-card",
  description: "print the agent card (did:key of the first operator)",
  run,
};

/** Runs `agent-card`. */
export async function run(_opts: unknown, globals: GlobalOptions) {
  await printJson(await withBackend(globals, (b) => b.agentCard()));
}
