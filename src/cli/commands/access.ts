// `el-ipc access [agent] [--json]`: the channel access rules operators set with grant and deny.
import type { AccessRuleInfo } from "../../core/types.js";
import type { CommandSpec } from "../command.js";
import {
  type CallerOptions,
  callerOptionSpecs,
  callerProof,
  type GlobalOptions,
  withBackend,
} from "../context.js";
import { isoSeconds, printJson, writeOut } from "../output.js";

/** `access`'s command line. */
export const command: CommandSpec = {
  name: "access",
  description: "list the access rules set by grant and deny (operators only on a secure server)",
  arguments: [{ name: "[agent]", description: "only this agent's rules (default: every agent's)" }],
  options: [{ flags: "--json", description: "print JSON" }, ...callerOptionSpecs("operator")],
  run,
};

/** One text line per rule: effect, permission, agent, pattern, who set it and when. */
export function formatRules(rules: AccessRuleInfo[]): string {
  const agentWidth = Math.max(0, ...rules.map((r) => r.agent.length));
  const patternWidth = Math.max(0, ...rules.map((r) => r.pattern.length));
  return rules
    .map(
      (r) =>
        `  ${r.effect.padEnd(5)} ${r.permission.padEnd(5)} ${r.agent.padEnd(agentWidth)}  ` +
        `${r.pattern.padEnd(patternWidth)}  (set by ${r.set_by} at ${isoSeconds(r.set_at)})\n`,
    )
    .join("");
}

/** Runs `access`: one line per rule, or the JSON array with --json. */
export async function run(
  agent: string | undefined,
  opts: { json?: boolean } & CallerOptions,
  globals: GlobalOptions,
) {
  const proof = callerProof(opts);
  const rules = await withBackend(globals, (b) => b.accessRules(proof, agent));
  if (opts.json) return printJson(rules);
  if (rules.length === 0)
    return writeOut(`No access rules set${agent === undefined ? "" : ` for ${agent}`}\n`);
  return writeOut(formatRules(rules));
}
