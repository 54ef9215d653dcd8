// `el-ipc register <name> --pubkey <file> --as <operator> --key <file>`: the operator signs the
// registration here, where its key lives; only the signature travels (to the database or the server).
import type { Command } from "commander";
import { signRegistration } from "../../client/sign.js";
import { keyOf, withBackend } from "../context.js";
import { loadPublicKeyFile } from "../keyfile.js";
import { writeOut } from "../output.js";

/** Options of `register`. */
interface RegisterOptions {
  pubkey: string;
  as: string;
  key: string;
  identity?: string;
}

/** Adds `register` to the program. */
export function define(program: Command): void {
  program
    .command("register")
    .description("register an agent's public key, signed by an operator")
    .argument("<name>", "agent name")
    .requiredOption("--pubkey <file>", "the agent's public key (PEM)")
    .requiredOption("--as <operator>", "operator authorizing the registration")
    .requiredOption("--key <file>", "the operator's private key")
    .option("--identity <s>", "secondary identifier (UUID, description)")
    .action(run);
}

/** Runs `register`. */
export async function run(name: string, opts: RegisterOptions, cmd: Command) {
  const operatorKey = keyOf(opts.key);
  const publicKey = loadPublicKeyFile(opts.pubkey);
  const body = signRegistration(operatorKey as NonNullable<typeof operatorKey>, {
    operator: opts.as,
    name,
    identity: opts.identity ?? "",
    publicKey,
  });
  const message = await withBackend(cmd, (b) => b.register(body));
  await writeOut(`${JSON.stringify({ ok: true, message })}\n`);
}
