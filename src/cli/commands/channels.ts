// `el-ipc channels`: list channels with message counts.
import type { Command } from "commander";
import { type CallerOptions, callerProof, withBackend } from "../context.js";
import { printJson } from "../output.js";

/** Adds `channels` to the program. */
export function define(program: Command): void {
  program
    .command("channels")
    .description("list channels with message counts")
    .option("--key <file>", "your private key (a secure server needs it; the local database does not)")
    .option("--as <agent>", "the agent whose key --key is")
    .action(run);
}

/** Runs `channels`. */
export async function run(opts: CallerOptions, cmd: Command) {
  const proof = callerProof(opts);
  await printJson(await withBackend(cmd, (b) => b.channels(proof)));
}
