// `el-ipc channels`: list channels with message counts.
import type { Command } from "commander";
import { withBackend } from "../context.js";
import { printJson } from "../output.js";

/** Adds `channels` to the program. */
export function define(program: Command): void {
  program.command("channels").description("list channels with message counts").action(run);
}

/** Runs `channels`. */
export async function run(_opts: unknown, cmd: Command) {
  await printJson(await withBackend(cmd, (b) => b.channels()));
}
