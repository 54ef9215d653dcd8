// What every scenario needs: where the built CLI and bench clients are, a scratch folder, the run's
// settings, and a way to start and stop an el-ipc server (optionally under the CPU profiler).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type ServerProcess, startServer } from "./procs.js";
import { formatProfile, type ProfileSummary, summarizeProfileDir } from "./profile.js";

/** Settings and paths of one benchmark run. */
export interface BenchContext {
  /** Repository root. */
  root: string;
  /** Build output folder (holds src/ and bench/). */
  out: string;
  /** The built CLI entry point. */
  cli: string;
  /** Folder of the compiled bench scripts. */
  benchDir: string;
  /** Scratch folder for databases, keys, Lua scripts and bodies; removed at the end. */
  work: string;
  /** wrk duration per measurement, s. Env BENCH_DURATION, default 10. */
  durationS: number;
  /** Run servers under --cpu-prof and print where their time went. Env BENCH_PROFILE=1. */
  profile: boolean;
  /** Profiles collected in this run, by server name. */
  profiles: Record<string, ProfileSummary>;
}

/** A started el-ipc server and its database file. */
export interface ElIpcServer extends ServerProcess {
  dbPath: string;
  /** Stops the server; with profiling on, records and prints its profile. */
  finish(): Promise<void>;
}

/** Starts `node <cli> serve 0 [args]` on a fresh database named after the scenario. */
export async function startElIpc(
  ctx: BenchContext,
  name: string,
  o: { dbPath?: string; env?: Record<string, string>; args?: string[] } = {},
): Promise<ElIpcServer> {
  const dbPath = o.dbPath ?? join(ctx.work, `${name}.db`);
  const profDir = join(ctx.work, "profiles", name);
  if (ctx.profile) mkdirSync(profDir, { recursive: true });
  const s = await startServer({
    args: [ctx.cli, "serve", "0", ...(o.args ?? [])],
    env: { IPC_DB_PATH: dbPath, ...o.env },
    nodeFlags: ctx.profile ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`] : [],
  });
  return {
    ...s,
    dbPath,
    async finish() {
      await s.stop();
      if (!ctx.profile) return;
      const summary = summarizeProfileDir(profDir);
      if (summary) {
        ctx.profiles[name] = summary;
        process.stderr.write(`${formatProfile(`profile of server '${name}'`, summary)}\n`);
      }
    },
  };
}

/** Starts the bare node:http yardstick server. */
export function startBare(ctx: BenchContext): Promise<ServerProcess> {
  return startServer({ args: [join(ctx.benchDir, "bare-server.js"), "0"] });
}

/** Writes a progress line to stderr. */
export function progress(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}
