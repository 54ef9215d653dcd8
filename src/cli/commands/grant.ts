// `el-ipc grant <agent> <pattern> [--read] [--write] --as <operator> --key <file>`: allows an agent to read
// and/or write the channels a pattern matches (a name, or a prefix followed by *), signed by an operator.
// `deny` (deny.ts) and `unset` (unset.ts) share this file's code.
import { type PermissionList, signAccessRule } from "../../client/sign.js";
import type { CommandSpec } from "../command.js";
import { type GlobalOptions, keyOf, withBackend } from "../context.js";
import { writeOut } from "../output.js";

/** Options of `grant` and `deny`. */
export interface AccessOptions {
  read?: boolean;
  write?: boolean;
  as: string;
  key: string;
}

/** What each command does, for its help. */
const DESCRIPTIONS = {
  grant: ["allow an agent to read and/or write channels, signed by an operator", "allow"],
  deny: ["forbid an agent to read and/or write channels, signed by an operator", "forbid"],
  unset: [
    "remove a rule set by grant or deny on exactly that pattern, signed by an operator",
    "remove the rule on",
  ],
} as const;

/** The command line of `grant`, `deny` or `unset`. */
export function accessCommand(effect: "grant" | "deny" | "unset"): CommandSpec {
  const [description, verb] = DESCRIPTIONS[effect];
  return {
    name: effect,
    description,
    arguments: [
      { name: "<agent>", description: "the agent the rule is for" },
      { name: "<pattern>", description: "a channel name, or a prefix followed by * (quote it in the shell)" },
    ],
    options: [
      { flags: "--read", description: `${verb} reading (neither flag: both)` },
      { flags: "--write", description: `${verb} writing (neither flag: both)` },
      {
        flags: "--as <operator>",
        description: `operator ${effect === "unset" ? "removing" : "setting"} the rule`,
        required: true,
      },
      { flags: "--key <file>", description: "the operator's private key", required: true },
    ],
    run: (agent: string, pattern: string, opts: AccessOptions, globals: GlobalOptions) =>
      runAccess(effect, agent, pattern, opts, globals),
  };
}

/** Signs and applies one grant, deny or unset. */
export async function runAccess(
  effect: "grant" | "deny" | "unset",
  agent: string,
  pattern: string,
  opts: AccessOptions,
  globals: GlobalOptions,
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
  const message = await withBackend(globals, (b) => b.setAccess(effect, body));
  await writeOut(`${JSON.stringify({ ok: true, message })}\n`);
}

/** `grant`'s command line. */
export const command = accessCommand("grant");
