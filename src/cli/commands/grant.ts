// `el-ipc grant <agent> <pattern> [--read] [--write] --as <operator> --key <file>`: allows an agent to read
// and/or write the channels a pattern matches (a name, or a prefix followed by *), signed by an operator.
// `deny` (deny.ts) shares this file's code.
import type { Command } from "commander";
import { type PermissionList, signAccessRule } from "../../client/sign.js";
import { keyOf, withBackend } from "../context.js";
import { writeOut } from "../output.js";

/** Options of `grant` and `deny`. */
export interface AccessOptions {
  read?: boolean;
  write?: boolean;
  as: string;
  key: string;
}

/** Adds `grant` or `deny` to the program. */
export function defineAccessCommand(program: Command, effect: "grant" | "deny"): void {
  const verb = effect === "grant" ? "allow" : "forbid";
  program
    .command(effect)
    .description(`${verb} an agent to read and/or write channels, signed by an operator`)
    .argument("<agent>", "the agent the rule is for")
    .argument("<pattern>", "a channel name, or a prefix followed by * (quote it in the shell)")
    .option("--read", `${verb} reading (neither flag: both)`)
    .option("--write", `${verb} writing (neither flag: both)`)
    .requiredOption("--as <operator>", "operator setting the rule")
    .requiredOption("--key <file>", "the operator's private key")
    .action((agent: string, pattern: string, opts: AccessOptions, cmd: Command) =>
      runAccess(effect, agent, pattern, opts, cmd),
    );
}

/** Signs and applies one grant or deny. */
export async function runAccess(
  effect: "grant" | "deny",
  agent: string,
  pattern: string,
  opts: AccessOptions,
  cmd: Command,
) {
  const operatorKey = keyOf(opts.key);
  const both = !opts.read && !opts.write;
  const permissions = [...(both || opts.read ? ["read"] : []), ...(both || opts.write ? ["write"] : [])].join(
    ",",
  ) as PermissionList;
  const body = signAccessRule(operatorKey as NonNullable<typeof operatorKey>, {
    effect,
    operator: opts.as,
    agent,
    pattern,
    permissions,
  });
  const message = await withBackend(cmd, (b) => b.setAccess(effect, body));
  await writeOut(`${JSON.stringify({ ok: true, message })}\n`);
}

/** Adds `grant` to the program. */
export function define(program: Command): void {
  defineAccessCommand(program, "grant");
}
