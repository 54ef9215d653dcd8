// `el-ipc agents [--json]`: the agent directory.
import type { CommandSpec } from "../command.js";
import {
  type CallerOptions,
  callerOptionSpecs,
  callerProof,
  type GlobalOptions,
  withBackend,
} from "../context.js";
import { printJson, writeOut } from "../output.js";

/** `agents`'s command line. */
export const command: CommandSpec = {
  name: "agents",
  description: "list registered agents",
  options: [{ flags: "--json", description: "print JSON" }, ...callerOptionSpecs("agent")],
  run,
};

/** Runs `agents`: the reference's text lines, or JSON with --json. */
export async function run(opts: { json?: boolean } & CallerOptions, globals: GlobalOptions) {
  const proof = callerProof(opts);
  const agents = await withBackend(globals, (b) => b.agents(proof));
  if (opts.json) return printJson(agents);
  if (agents.length === 0) return writeOut("No agents registered (open mode — anyone can send)\n");
  const lines = agents.map((a) => {
    const ident = a.identity ? ` id=${a.identity}` : "";
    const reg = a.registered_by ? ` (registered by ${a.registered_by})` : "";
    const revoked = a.revoked_at !== undefined ? " [revoked]" : "";
    return `  ${`[${a.role}]`.padEnd(10)} ${a.name}${ident}${reg}${revoked}`;
  });
  return writeOut(`${lines.join("\n")}\n`);
}
