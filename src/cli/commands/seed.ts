// `el-ipc seed <name>`: create an operator in the local database and print its private key once.
import type { Command } from "commander";
import { openLocalQueue } from "../backend.js";
import { configOf } from "../context.js";
import { writeOut } from "../output.js";

/** Adds `seed` to the program. */
export function define(program: Command): void {
  program
    .command("seed")
    .description("create an operator (turns secure mode on) and print its private key")
    .argument("<name>", "operator name")
    .action(run);
}

/** Runs `seed`. Works on the local database only: whoever can open it is trusted to create operators. */
export async function run(name: string, _opts: unknown, cmd: Command) {
  const queue = await openLocalQueue(configOf(cmd));
  try {
    const pair = await queue.identity.seed(name);
    process.stderr.write(`[ipc] Operator '${name}' seeded. Public key stored in DB.\n`);
    process.stderr.write("[ipc] SAVE THE PRIVATE KEY BELOW — it cannot be recovered.\n\n");
    await writeOut(`${pair.privateKey}\n`);
  } finally {
    await queue.close();
  }
}
