// `el-ipc seed <name>`: create an operator in the local database and print its private key once.
import { LOCAL } from "../../core/caller.js";
import { openLocalQueue } from "../backend.js";
import type { CommandSpec } from "../command.js";
import { configOf, type GlobalOptions } from "../context.js";
import { writeOut } from "../output.js";

/** `seed`'s command line. */
export const command: CommandSpec = {
  name: "seed",
  description: "create an operator (turns secure mode on) and print its private key",
  arguments: [{ name: "<name>", description: "operator name" }],
  run,
};

/** Runs `seed`. Works on the local database only: whoever can open it is trusted to create operators. */
export async function run(name: string, _opts: unknown, globals: GlobalOptions) {
  const queue = await openLocalQueue(configOf(globals), "seed");
  try {
    const pair = await queue.seed(LOCAL, name);
    process.stderr.write(`[ipc] Operator '${name}' seeded. Public key stored in DB.\n`);
    process.stderr.write("[ipc] SAVE THE PRIVATE KEY BELOW — it cannot be recovered.\n\n");
    await writeOut(`${pair.privateKey}\n`);
  } finally {
    await queue.close();
  }
}
