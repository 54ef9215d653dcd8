// `el-ipc revoke <name> --as <operator> --key <file>`: the operator signs the revocation here, where its
// key lives; a revoked agent can no longer send, read or acknowledge, and its name is never reused.
import type { Command } from "commander";
import { signRevocation } from "../../client/sign.js";
import { keyOf, withBackend } from "../context.js";
import { writeOut } from "../output.js";

/** Options of `revoke`. */
interface RevokeOptions {
  as: string;
  key: string;
}

/** Adds `revoke` to the program. */
export function define(program: Command): void {
  program
    .command("revoke")
    .description("revoke an agent (or another operator), signed by an operator")
    .argument("<name>", "agent to revoke")
    .requiredOption("--as <operator>", "operator revoking it")
    .requiredOption("--key <file>", "the operator's private key")
    .action(run);
}

/** Runs `revoke`. */
export async function run(name: string, opts: RevokeOptions, cmd: Command) {
  const operatorKey = keyOf(opts.key);
  const body = signRevocation(operatorKey as NonNullable<typeof operatorKey>, { operator: opts.as, name });
  const message = await withBackend(cmd, (b) => b.revoke(body));
  await writeOut(`${JSON.stringify({ ok: true, message })}\n`);
}
