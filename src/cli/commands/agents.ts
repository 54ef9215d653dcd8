// `el-ipc agents [--json]`: the agent directory.
import type { Command } from "commander";
import { withBackend } from "../context.js";
import { printJson, writeOut } from "../output.js";

/** Adds `agents` to the program. */
export function define(program: Command): void {
  program.command("agents").description("list registered agents").option("--json", "print JSON").action(run);
}

/** Runs `agents`: the reference's text lines, or JSON with --json. */
export async function run(opts: { json?: boolean }, cmd: Command) {
  const agents = await withBackend(cmd, (b) => b.agents());
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
