// `el-ipc token-revoke <id> --as <operator> --key <file>`: a token stops working at once.
import type { CommandSpec } from "../command.js";
import { callerProof, type GlobalOptions, withBackend } from "../context.js";
import { writeOut } from "../output.js";

/** `token-revoke`'s command line. */
export const command: CommandSpec = {
  name: "token-revoke",
  description: "revoke a bearer token by its id, signed by an operator",
  arguments: [{ name: "<id>", description: "the token's id (as el-ipc token and el-ipc tokens print it)" }],
  options: [
    { flags: "--as <operator>", description: "operator revoking it", required: true },
    { flags: "--key <file>", description: "the operator's private key", required: true },
  ],
  run,
};

/** Runs `token-revoke`. */
export async function run(id: string, opts: { as: string; key: string }, globals: GlobalOptions) {
  const proof = callerProof(opts) as NonNullable<ReturnType<typeof callerProof>>;
  const message = await withBackend(globals, (b) => b.revokeToken(proof, id));
  await writeOut(`${JSON.stringify({ ok: true, message })}\n`);
}
