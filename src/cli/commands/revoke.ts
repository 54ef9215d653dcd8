// `el-ipc revoke <name> --as <operator> --key <file>`: the operator signs the revocation here, where its
// key lives; a revoked agent can no longer send, read or acknowledge, and its name is never reused.
import { signRevocation } from "../../client/sign.js";
import type { CommandSpec } from "../command.js";
import { type GlobalOptions, keyOf, withBackend } from "../context.js";
import { writeOut } from "../output.js";

/** Options of `revoke`. */
interface RevokeOptions {
  as: string;
  key: string;
}

/** `revoke`'s command line. */
export const command: CommandSpec = {
  name: "revoke",
  description: "revoke an agent (or another operator), signed by an operator",
  arguments: [{ name: "<name>", description: "agent to revoke" }],
  options: [
    { flags: "--as <operator>", description: "operator revoking it", required: true },
    { flags: "--key <file>", description: "the operator's private key", required: true },
  ],
  run,
};

/** Runs `revoke`. */
export async function run(name: string, opts: RevokeOptions, globals: GlobalOptions) {
  const operatorKey = keyOf(opts.key);
  const body = signRevocation(operatorKey as NonNullable<typeof operatorKey>, { operator: opts.as, name });
  const message = await withBackend(globals, (b) => b.revoke(body));
  await writeOut(`${JSON.stringify({ ok: true, message })}\n`);
}
