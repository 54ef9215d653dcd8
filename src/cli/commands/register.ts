// `el-ipc register <name> --pubkey <file> --as <operator> --key <file>`: the operator signs the
// registration here, where its key lives; only the signature travels (to the database or the server).
import { signRegistration } from "../../client/sign.js";
import type { CommandSpec } from "../command.js";
import { type GlobalOptions, keyOf, withBackend } from "../context.js";
import { loadPublicKeyFile } from "../keyfile.js";
import { writeOut } from "../output.js";

/** Options of `register`. */
interface RegisterOptions {
  pubkey: string;
  as: string;
  key: string;
  identity?: string;
}

/** `register`'s command line. */
export const command: CommandSpec = {
  name: "register",
  description: "register an agent's public key, signed by an operator",
  arguments: [{ name: "<name>", description: "agent name" }],
  options: [
    { flags: "--pubkey <file>", description: "the agent's public key (PEM)", required: true },
    { flags: "--as <operator>", description: "operator authorizing the registration", required: true },
    { flags: "--key <file>", description: "the operator's private key", required: true },
    { flags: "--identity <s>", description: "secondary identifier (UUID, description)" },
  ],
  run,
};

/** Runs `register`. */
export async function run(name: string, opts: RegisterOptions, globals: GlobalOptions) {
  const operatorKey = keyOf(opts.key);
  const publicKey = loadPublicKeyFile(opts.pubkey);
  const body = signRegistration(operatorKey as NonNullable<typeof operatorKey>, {
    operator: opts.as,
    name,
    identity: opts.identity ?? "",
    publicKey,
  });
  const message = await withBackend(globals, (b) => b.register(body));
  await writeOut(`${JSON.stringify({ ok: true, message })}\n`);
}
