// `el-ipc rotate <name> --pubkey <file> --as <operator> --key <file>`: replaces an agent's public key,
// signed by an operator; the old key stops working at once.
import type { Command } from "commander";
import { signRotation } from "../../client/sign.js";
import { keyOf, withBackend } from "../context.js";
import { loadPublicKeyFile } from "../keyfile.js";
import { writeOut } from "../output.js";

/** Options of `rotate`. */
interface RotateOptions {
  pubkey: string;
  as: string;
  key: string;
}

/** Adds `rotate` to the program. */
export function define(program: Command): void {
  program
    .command("rotate")
    .description("replace an agent's public key, signed by an operator")
    .argument("<name>", "agent whose key is replaced")
    .requiredOption("--pubkey <file>", "the new public key (PEM)")
    .requiredOption("--as <operator>", "operator authorizing the rotation")
    .requiredOption("--key <file>", "the operator's private key")
    .action(run);
}

/** Runs `rotate`. */
export async function run(name: string, opts: RotateOptions, cmd: Command) {
  const operatorKey = keyOf(opts.key);
  const publicKey = loadPublicKeyFile(opts.pubkey);
  const body = signRotation(operatorKey as NonNullable<typeof operatorKey>, {
    operator: opts.as,
    name,
    publicKey,
  });
  const message = await withBackend(cmd, (b) => b.rotate(body));
  await writeOut(`${JSON.stringify({ ok: true, message })}\n`);
}
