// `el-ipc rotate <name> --pubkey <file> --as <operator> --key <file>`: replaces an agent's public key,
// signed by an operator; the old key stops working at once.
import { signRotation } from "../../client/sign.js";
import type { CommandSpec } from "../command.js";
import { type GlobalOptions, keyOf, withBackend } from "../context.js";
import { loadPublicKeyFile } from "../keyfile.js";
import { writeOut } from "../output.js";

/** Options of `rotate`. */
interface RotateOptions {
  pubkey: string;
  as: string;
  key: string;
}

/** `rotate`'s command line. */
export const command: CommandSpec = {
  name: "rotate",
  description: "replace an agent's public key, signed by an operator",
  arguments: [{ name: "<name>", description: "agent whose key is replaced" }],
  options: [
    { flags: "--pubkey <file>", description: "the new public key (PEM)", required: true },
    { flags: "--as <operator>", description: "operator authorizing the rotation", required: true },
    { flags: "--key <file>", description: "the operator's private key", required: true },
  ],
  run,
};

/** Runs `rotate`. */
export async function run(name: string, opts: RotateOptions, globals: GlobalOptions) {
  const operatorKey = keyOf(opts.key);
  const publicKey = loadPublicKeyFile(opts.pubkey);
  const body = signRotation(operatorKey as NonNullable<typeof operatorKey>, {
    operator: opts.as,
    name,
    publicKey,
  });
  const message = await withBackend(globals, (b) => b.rotate(body));
  await writeOut(`${JSON.stringify({ ok: true, message })}\n`);
}
