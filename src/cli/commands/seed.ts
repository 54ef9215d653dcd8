// `el-ipc seed <name> [--out <file>]`: create an operator in the local database and hand out its private
// key once: into a new 0600 file (never through a symlink), or on standard output.
import { rmSync } from "node:fs";
import { LOCAL } from "../../core/caller.js";
import { IpcError } from "../../core/errors.js";
import { openLocalQueue } from "../backend.js";
import type { CommandSpec } from "../command.js";
import { configOf, type GlobalOptions } from "../context.js";
import { writeOut } from "../output.js";
import { writePrivateFile } from "../private-file.js";

/** `seed`'s command line. */
export const command: CommandSpec = {
  name: "seed",
  description: "create an operator (turns secure mode on) and print its private key",
  arguments: [{ name: "<name>", description: "operator name" }],
  options: [
    {
      flags: "--out <file>",
      description: "write the private key to this new file (mode 0600) instead of standard output",
    },
  ],
  run,
};

/** Creates `file` empty (0600, not through a symlink); an existing one is refused, seed never overwrites. */
function claim(file: string): void {
  try {
    writePrivateFile(file, "", 0o600, false);
  } catch (e) {
    if (e instanceof IpcError && e.code === "conflict") {
      throw new IpcError(
        "conflict",
        `${file} exists; seed --out writes a new file only (nothing was seeded)`,
      );
    }
    throw e;
  }
}

/** Runs `seed`. Works on the local database only: whoever can open it is trusted to create operators. */
export async function run(name: string, opts: { out?: string }, globals: GlobalOptions) {
  const queue = await openLocalQueue(configOf(globals), "seed");
  try {
    // The file is claimed (new, 0600, no symlink) before the operator exists, so a key is never made
    // that cannot be saved; the key then replaces the empty file by rename.
    if (opts.out !== undefined) claim(opts.out);
    let pair: Awaited<ReturnType<typeof queue.seed>>;
    try {
      pair = await queue.seed(LOCAL, name);
    } catch (e) {
      if (opts.out !== undefined) rmSync(opts.out, { force: true });
      throw e;
    }
    process.stderr.write(`[ipc] Operator '${name}' seeded. Public key stored in DB.\n`);
    if (opts.out !== undefined) {
      writePrivateFile(opts.out, pair.privateKey, 0o600, true);
      process.stderr.write(`[ipc] Private key: ${opts.out} (chmod 600)\n`);
      return;
    }
    // The banner is for a person watching; a redirect or a pipe gets the key alone.
    if (process.stdout.isTTY) {
      process.stderr.write("[ipc] SAVE THE PRIVATE KEY BELOW — it cannot be recovered.\n\n");
    }
    await writeOut(`${pair.privateKey}\n`);
  } finally {
    await queue.close();
  }
}
