// `el-ipc tokens [--agent <name>] --as <operator> --key <file>`: the bearer tokens issued, without secrets.
import type { CommandSpec } from "../command.js";
import { callerProof, type GlobalOptions, withBackend } from "../context.js";
import { printJson } from "../output.js";

/** `tokens`'s command line. */
export const command: CommandSpec = {
  name: "tokens",
  description: "list bearer tokens (ids, agents, lifetimes; never secrets), for operators",
  options: [
    { flags: "--agent <name>", description: "only this agent's tokens" },
    { flags: "--as <operator>", description: "operator asking", required: true },
    { flags: "--key <file>", description: "the operator's private key", required: true },
  ],
  run,
};

/** Runs `tokens`. */
export async function run(opts: { agent?: string; as: string; key: string }, globals: GlobalOptions) {
  const proof = callerProof(opts) as NonNullable<ReturnType<typeof callerProof>>;
  await printJson(await withBackend(globals, (b) => b.tokens(proof, opts.agent)));
}
