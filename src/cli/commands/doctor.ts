// `el-ipc doctor`: checks the set-up and prints one line per check, with a mark and the fix. Exit 0 when
// nothing failed (warnings allowed), 1 otherwise. Reads the database read-only and never changes a file.
import { homedir } from "node:os";
import type { CommandSpec } from "../command.js";
import { configOf, type GlobalOptions } from "../context.js";
import { type CheckResult, formatReport } from "../doctor/check.js";
import { checkDatabase, checkKey } from "../doctor/local.js";
import { checkServer } from "../doctor/server.js";
import { checkMcpConfigs, checkTools } from "../doctor/setup.js";
import { printJson, writeOut } from "../output.js";

/** Options of `doctor`. */
interface DoctorOptions {
  key?: string;
  as?: string;
  json?: boolean;
}

/** `doctor`'s command line. */
export const command: CommandSpec = {
  name: "doctor",
  description: "check the database, keys, server, clock and agent set-up; one line each with the fix",
  options: [
    { flags: "--key <file>", description: "a private key to check (default IPC_KEY)" },
    { flags: "--as <name>", description: "the identity the key should be (default: whichever has it)" },
    { flags: "--json", description: "print {ok, checks: [{check, status, detail, fix?}]}" },
  ],
  run,
};

/** Runs every check; the server's when --server or IPC_URL names one. */
export async function runChecks(opts: DoctorOptions, globals: GlobalOptions): Promise<CheckResult[]> {
  const config = configOf(globals);
  // The file checks are SQLite's; a PostgreSQL database is the server's to keep.
  const { results, report } =
    config.store.kind === "sqlite" ? checkDatabase(config.store.path) : { results: [], report: undefined };
  const key = opts.key ?? (process.env.IPC_KEY || undefined);
  if (key) results.push(...checkKey(key, report, opts.as));
  if (config.serverUrl) results.push(...(await checkServer({ url: config.serverUrl })));
  const { parse } = await import("smol-toml");
  const setup = {
    env: process.env,
    cwd: process.cwd(),
    home: process.env.HOME || homedir(),
    parseToml: parse as (text: string) => Record<string, unknown>,
  };
  results.push(...checkTools(setup), ...checkMcpConfigs(setup));
  return results;
}

/** Runs `doctor`. */
export async function run(opts: DoctorOptions, globals: GlobalOptions) {
  const results = await runChecks(opts, globals);
  const ok = !results.some((r) => r.status === "fail");
  if (opts.json) await printJson({ ok, checks: results });
  else await writeOut(formatReport(results));
  if (!ok) process.exitCode = 1;
}
