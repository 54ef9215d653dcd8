// `el-ipc agents [--json]`: the agent directory.
import type { Command } from "commander";
import { type CallerOptions, callerProof, withBackend } from "../context.js";
import { printJson, writeOut } from "../output.js";

/** Adds `agents` to the program. */
export function define(program: Command): void {
  program
    .command("agents")
    .description("list registered agents")
    .option("--json", "print JSON")
    .option("--key <file>", "your private key (a secure server needs it; the local database does not)")
    .option("--as <agent>", "the agent whose key --key is")
    .action(run);
}

/** Runs `agents`: the reference's text lines, or JSON with --json. */
export async function run(opts: { json?: boolean } & CallerOptions, cmd: Command) {
  const proof = callerProof(opts);
  const agents = await withBackend(cmd, (b) => b.agents(proof));
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
