// `el-ipc agent-card`: print the agent card (what /.well-known/agent-card.json serves).
import type { Command } from "commander";
import { withBackend } from "../context.js";
import { printJson } from "../output.js";

/** Adds `agent-card` to the program. */
export function define(program: Command): void {
  program
    .command("agent-card")
    .description("print the agent card (did:key of the first operator)")
    .action(run);
}

/** Runs `agent-card`. */
export async function run(_opts: unknown, cmd: Command) {
  await printJson(await withBackend(cmd, (b) => b.agentCard()));
}
