// `el-ipc token <agent> --as <operator> --key <file> [--ttl 24h]`: an operator issues a bearer token that
// acts as <agent> (MCP over HTTP, A2A). The token is printed once; the server keeps only its hash.
import { IpcError } from "../../core/errors.js";
import { DEFAULT_TOKEN_TTL_SECONDS } from "../../core/tokens.js";
import type { CommandSpec } from "../command.js";
import { callerProof, type GlobalOptions, withBackend } from "../context.js";
import { writeOut } from "../output.js";

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Parses a lifetime such as 90s, 30m, 24h or 7d (a bare number is seconds) into seconds. */
export function parseTtl(text: string): number {
  const m = /^(\d{1,9})([smhd]?)$/.exec(text);
  if (!m)
    throw new IpcError("invalid_argument", `--ttl takes a lifetime such as 30m, 24h or 7d, got '${text}'`);
  return Number(m[1]) * (UNIT_SECONDS[m[2] || "s"] as number);
}

/** `token`'s command line. */
export const command: CommandSpec = {
  name: "token",
  description: "issue a bearer token acting as an agent (MCP over HTTP), signed by an operator",
  arguments: [{ name: "<agent>", description: "the agent the token acts as" }],
  options: [
    { flags: "--as <operator>", description: "operator issuing it", required: true },
    { flags: "--key <file>", description: "the operator's private key", required: true },
    {
      flags: "--ttl <lifetime>",
      description: `how long it is valid: 30m, 24h, 7d, ... (default ${DEFAULT_TOKEN_TTL_SECONDS / 3600}h, at most 90d)`,
      parse: parseTtl,
    },
  ],
  run,
};

/** Runs `token`. */
export async function run(
  agent: string,
  opts: { as: string; key: string; ttl?: number },
  globals: GlobalOptions,
) {
  const proof = callerProof(opts) as NonNullable<ReturnType<typeof callerProof>>;
  const issued = await withBackend(globals, (b) => b.issueToken(proof, agent, opts.ttl));
  await writeOut(`${JSON.stringify({ ok: true, ...issued })}\n`);
}
