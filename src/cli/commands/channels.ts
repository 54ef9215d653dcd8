// `el-ipc channels`: list channels with message counts.
import type { CommandSpec } from "../command.js";
import { type CallerOptions, callerProof, type GlobalOptions, withBackend } from "../context.js";
import { printJson } from "../output.js";

/** `channels`'s command line. */
export const command: CommandSpec = {
  name: "channels",
  description: "list channels with message counts",
  options: [
    {
      flags: "--key <file>",
      description: "your private key (a secure server needs it; the local database does not)",
    },
    { flags: "--as <agent>", description: "the agent whose key --key is" },
  ],
  run,
};

/** Runs `channels`. */
export async function run(opts: CallerOptions, globals: GlobalOptions) {
  const proof = callerProof(opts);
  await printJson(await withBackend(globals, (b) => b.channels(proof)));
}
