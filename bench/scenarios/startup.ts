// Figure 8: wall time of a whole `el-ipc send` process against the reference's `send` and `node -e ''`
// (hyperfine), plus a start-up breakdown and the list of modules the send path loads.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type BenchContext, progress } from "../lib/context.js";
import type { Figure } from "../lib/figures.js";
import { cleanEnv, run } from "../lib/procs.js";
import { ms, percentile, summarize } from "../lib/stats.js";

/** The reference's send median (ms) recorded in docs/PERFORMANCE.md, used when it cannot be run. */
const RECORDED_MARKER = /<!--\s*reference-send-median-ms:\s*([\d.]+)\s*-->/;
/** The figure issue 4 quotes for the reference on this machine, if the docs hold none. */
const ISSUE_REFERENCE_MS = 66;

/** What hyperfine's JSON export says about one command (seconds). */
interface HyperfineResult {
  command: string;
  times: number[];
  user: number;
  system: number;
}

/** Timing of one command over all rounds, in ms. */
export interface Timing {
  n: number;
  median: number;
  min: number;
  mean: number;
  /** Mean CPU time per run in user and kernel mode. */
  user: number;
  system: number;
}

/** One command for hyperfine: a display name and argv (run without a shell, -N). */
export interface Cmd {
  name: string;
  argv: string[];
}

function quote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'"'"'`)}'`;
}

/**
 * Runs hyperfine `rounds` times with the commands in rotated order, `runs / rounds` runs each, and pools
 * the times: load from other processes then falls on every command alike instead of on whichever ran
 * while it lasted.
 */
export async function hyperfine(
  ctx: BenchContext,
  label: string,
  cmds: Cmd[],
  runs: number,
  warmup: number,
  rounds = 3,
): Promise<Map<string, Timing>> {
  const pooled = new Map<string, { times: number[]; user: number; system: number }>(
    cmds.map((c) => [c.name, { times: [], user: 0, system: 0 }]),
  );
  const per = Math.ceil(runs / rounds);
  for (let round = 0; round < rounds; round++) {
    const order = cmds.map((_, i) => cmds[(i + round) % cmds.length] as Cmd);
    const json = join(ctx.work, `hyperfine-${label}-${round}.json`);
    const args = ["-N", "--warmup", String(warmup), "--runs", String(per), "--style", "none"];
    args.push("--export-json", json);
    for (const c of order) args.push("-n", c.name, c.argv.map(quote).join(" "));
    const r = await run("hyperfine", args, { cwd: ctx.root, timeoutMs: 240_000 });
    if (r.code !== 0) throw new Error(`hyperfine failed: ${(r.stderr || r.stdout).trim().slice(-600)}`);
    const results = (JSON.parse(readFileSync(json, "utf8")) as { results: HyperfineResult[] }).results;
    order.forEach((c, i) => {
      const h = results[i] as HyperfineResult;
      const p = pooled.get(c.name) as { times: number[]; user: number; system: number };
      p.times.push(...h.times.map((t) => t * 1000));
      p.user += h.user * 1000 * h.times.length;
      p.system += h.system * 1000 * h.times.length;
    });
  }
  const out = new Map<string, Timing>();
  for (const [name, p] of pooled) {
    const st = summarize(p.times);
    out.set(name, {
      n: st.n,
      median: percentile(p.times, 50),
      min: st.min,
      mean: st.mean,
      user: p.user / st.n,
      system: p.system / st.n,
    });
  }
  return out;
}

/** The real interpreter behind `python3` (a pyenv shim would add its own start-up to every run). */
async function realPython(): Promise<string | undefined> {
  try {
    const r = await run("python3", ["-c", "import sys; print(sys.executable)"], { timeoutMs: 20_000 });
    const exe = r.stdout.trim();
    return r.code === 0 && exe ? exe : undefined;
  } catch {
    return undefined;
  }
}

function recordedReference(ctx: BenchContext): { ms: number; source: string } {
  const doc = join(ctx.root, "docs", "PERFORMANCE.md");
  const m = existsSync(doc) ? RECORDED_MARKER.exec(readFileSync(doc, "utf8")) : null;
  if (m?.[1]) return { ms: Number(m[1]), source: "recorded in docs/PERFORMANCE.md" };
  return { ms: ISSUE_REFERENCE_MS, source: "quoted in issue 4" };
}

/** Which modules `el-ipc send` loads, traced with a resolve hook and require.cache. */
export async function tracedModules(ctx: BenchContext): Promise<{
  files: number;
  elIpcModules: string[];
  packages: string[];
  builtins: number;
  forbidden: string[];
}> {
  const traceFile = join(ctx.work, "send-modules.txt");
  const r = await run(
    process.execPath,
    ["--import", join(ctx.benchDir, "probe", "trace-loads.js"), ctx.cli, "send", "bench", "trace", "x"],
    { env: cleanEnv({ IPC_DB_PATH: join(ctx.work, "trace.db"), BENCH_TRACE_FILE: traceFile }) },
  );
  if (r.code !== 0) throw new Error(`traced send failed: ${r.stderr.trim()}`);
  const urls = new Set(
    readFileSync(traceFile, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => l.slice(4).replace(/^file:\/\//, "")),
  );
  const builtins = [...urls].filter((u) => u.startsWith("node:")).length;
  const files = [...urls].filter((u) => !u.startsWith("node:") && !u.includes("/bench/probe/"));
  const packages = new Set<string>();
  const elIpcModules: string[] = [];
  for (const f of files) {
    const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f);
    if (nm?.[1]) packages.add(nm[1]);
    else if (f.startsWith(ctx.out)) elIpcModules.push(f.slice(ctx.out.length + 1));
  }
  const heavy = ["fastify", "pino", "zod", "@fastify/ajv-compiler", "find-my-way", "avvio"];
  return {
    files: files.length,
    elIpcModules: elIpcModules.sort(),
    packages: [...packages].sort(),
    builtins,
    forbidden: heavy.filter((p) => packages.has(p)),
  };
}

/** Figure 8 and the start-up breakdown. */
export async function sendWallTime(ctx: BenchContext): Promise<Figure> {
  const node = process.execPath;
  const refPath = process.env.EL_IPC_REFERENCE;
  const python = refPath && existsSync(refPath) ? await realPython() : undefined;
  const hasReference = !!(refPath && python);
  const elDb = join(ctx.work, "hyperfine-el-ipc.db");
  const refDb = join(ctx.work, "hyperfine-reference.db");
  const cmds: Cmd[] = [
    {
      name: "el-ipc send",
      argv: ["env", `IPC_DB_PATH=${elDb}`, node, ctx.cli, "send", "bench", "hyper", "x"],
    },
    { name: "node -e ''", argv: [node, "-e", ""] },
  ];
  if (hasReference) {
    cmds.push({
      name: "reference send",
      argv: [
        "env",
        `IPC_DB_PATH=${refDb}`,
        python as string,
        refPath as string,
        "send",
        "bench",
        "hyper",
        "x",
      ],
    });
  }
  progress("figure 8: hyperfine --warmup 3 --runs 30 over el-ipc send, node -e '' and the reference");
  const main = await hyperfine(ctx, "send", cmds, 30, 3);
  const el = main.get("el-ipc send") as Timing;
  const bare = main.get("node -e ''") as Timing;
  const ref = main.get("reference send");
  const recorded = recordedReference(ctx);
  const refMs = ref ? ref.median : recorded.ms;
  const elMs = el.median;
  const ratio = elMs / refMs;

  progress("figure 8: start-up breakdown (hyperfine --runs 15) and modules loaded by send");
  const steps: Cmd[] = [
    { name: "node -e ''", argv: [node, "-e", ""] },
    { name: "el-ipc --version (CLI and command modules, no database)", argv: [node, ctx.cli, "--version"] },
    {
      name: "open better-sqlite3 (:memory:)",
      argv: [node, "-e", "new (require('better-sqlite3'))(':memory:').close()"],
    },
    {
      name: "el-ipc send (whole)",
      argv: ["env", `IPC_DB_PATH=${elDb}`, node, ctx.cli, "send", "bench", "hyper", "x"],
    },
  ];
  if (python) {
    steps.push({ name: "python3 -c ''", argv: [python, "-c", ""] });
    steps.push({
      name: "python3 import sqlite3 + cryptography ed25519",
      argv: [
        python,
        "-c",
        "import sqlite3; from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey",
      ],
    });
  }
  const breakdown = await hyperfine(ctx, "breakdown", steps, 15, 2);
  const modules = await tracedModules(ctx);

  const fmt = (h: Timing): string =>
    `median ${ms(h.median)}, min ${ms(h.min)} (CPU: user ${ms(h.user)} + sys ${ms(h.system)})`;
  const notes = [
    `hyperfine -N, 30 runs in 3 rotated rounds of 10 (--warmup 3 each), separate databases: el-ipc send ${fmt(el)}; node -e '' ${fmt(bare)}${ref ? `; reference send ${fmt(ref)}` : ""}`,
    `start-up breakdown (medians): ${[...breakdown.entries()].map(([n, h]) => `${n} ${ms(h.median)}`).join("; ")}`,
    `send loads ${modules.files} files: ${modules.elIpcModules.length} el-ipc modules, packages ${modules.packages.join(", ") || "none"}; ${modules.forbidden.length === 0 ? "no fastify, pino or zod" : `ALSO ${modules.forbidden.join(", ")}`}`,
  ];
  if (ref) {
    const cpu = (h: Timing): number => h.user + h.system;
    notes.push(
      `CPU time per run (less sensitive to other load than wall time): el-ipc ${ms(cpu(el))}, reference ${ms(cpu(ref))} (${(cpu(el) / cpu(ref)).toFixed(2)}×); fastest runs: ${ms(el.min)} vs ${ms(ref.min)} (${(el.min / ref.min).toFixed(2)}×)`,
    );
  } else notes.push(`reference not run: judged against ${ms(refMs)} ${recorded.source}`);
  return {
    id: 8,
    figure: "`el-ipc send` wall time (whole process, median)",
    target: "≤ 1.2× the reference's",
    measured: ref
      ? `${ms(elMs)} vs reference ${ms(refMs)} (${ratio.toFixed(2)}×); node -e '' ${ms(bare.median)}`
      : `${ms(elMs)} vs reference not available (set EL_IPC_REFERENCE); ${ratio.toFixed(2)}× its recorded ${ms(refMs)}; node -e '' ${ms(bare.median)}`,
    pass: ratio <= 1.2,
    notes,
    values: {
      elIpc: el,
      nodeE: bare,
      reference: ref ?? null,
      referenceMs: refMs,
      referenceSource: ref ? "measured" : recorded.source,
      ratio,
      breakdown: Object.fromEntries(breakdown),
      modules,
    },
  };
}
