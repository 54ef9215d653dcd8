// `el-ipc channels`: list channels with message counts.
import type { CommandSpec } from "../command.js";
import {
  type CallerOptions,
  callerOptionSpecs,
  callerProof,
  type GlobalOptions,
  withBackend,
} from "../context.js";
import { printJson } from "../output.js";

/** `channels`'s command line. */
export const command: CommandSpec = {
  name: "channels",
  description: "list channels with message counts",
  options: [...callerOptionSpecs("agent")],
  run,
};

/** Runs `channels`. */
export async function run(opts: CallerOptions, globals: GlobalOptions) {
  const proof = callerProof(opts);
  await printJson(await withBackend(globals, (b) => b.channels(proof)));
}
