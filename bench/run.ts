// `npm run bench`: starts real el-ipc servers as separate processes, loads them from separate processes
// (wrk, hyperfine, bench/clients/*), prints one table against issue 4's targets and writes it as JSON.
// Env: BENCH_ONLY=1,4 (figures to run), BENCH_DURATION=10 (wrk seconds), BENCH_PROFILE=1 (servers under
// --cpu-prof, with a summary of where their time went), EL_IPC_REFERENCE=<path to the reference's
// ipc-server.py> (figure 8), BENCH_KEEP=1 (keep the scratch folder). `-- --db postgres://…` adds figure 16
// (several servers on one PostgreSQL database, against SQLite in the same run).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, release, tmpdir, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchContext } from "./lib/context.js";
import { type Figure, formatMarkdown, formatTable, notMeasured } from "./lib/figures.js";
import { hasProgram, killAll, machineBusy, markLoad, othersLoad } from "./lib/procs.js";
import { fanoutAfterUse } from "./scenarios/fanout-after-use.js";
import { hookTime } from "./scenarios/hook.js";
import { mcpRoundTrip } from "./scenarios/mcp.js";
import { metricsCost } from "./scenarios/metrics.js";
import { scaleOut } from "./scenarios/scale-out.js";
import { sendWallTime } from "./scenarios/startup.js";
import { batchSends, openSends, secureSends } from "./scenarios/throughput.js";
import { cliWake, fanout, latency, parkedMemory } from "./scenarios/waits.js";

interface Scenario {
  id: number;
  figure: string;
  target: string;
  /** Program the scenario cannot run without. */
  needs?: "wrk" | "hyperfine";
  run(ctx: BenchContext): Promise<Figure>;
}

const SCENARIOS: Scenario[] = [
  {
    id: 1,
    figure: "HTTP sends/s, 16 connections, open mode",
    target: "≥ 15,000 and ≥ 0.6× bare node:http",
    needs: "wrk",
    run: openSends,
  },
  {
    id: 2,
    figure: "HTTP sends/s, 16 connections, secure mode (every send verified)",
    target: "≥ 6,000",
    needs: "wrk",
    run: secureSends,
  },
  {
    id: 3,
    figure: "batch send, messages/s (1000 per request)",
    target: "≥ 100,000",
    needs: "wrk",
    run: batchSends,
  },
  {
    id: 4,
    figure: "send-to-receive latency with a waiting reader, p50 / p99",
    target: "≤ 2 ms / ≤ 10 ms",
    run: latency,
  },
  {
    id: 5,
    figure: "one message fanned out to 5,000 waiting readers, all delivered",
    target: "≤ 500 ms",
    run: fanout,
  },
  {
    id: 6,
    figure: "server memory with 10,000 parked long-polls",
    target: "≤ 300 MB RSS",
    run: parkedMemory,
  },
  { id: 7, figure: "CLI write to HTTP long-poll wake-up, p99", target: "≤ 100 ms", run: cliWake },
  {
    id: 8,
    figure: "`el-ipc send` wall time (whole process, median)",
    target: "≤ 1.2× the reference's",
    needs: "hyperfine",
    run: sendWallTime,
  },
  {
    id: 9,
    figure: "one message fanned out to 2,000 waiters after ordinary use, 10 rounds, none lost",
    target: "every waiter gets it",
    run: fanoutAfterUse,
  },
  {
    id: 12,
    figure: "`el-ipc hook` before a prompt (whole process, median)",
    target: "≤ 1.2× `el-ipc read --peek`",
    needs: "hyperfine",
    run: hookTime,
  },
  {
    id: 14,
    figure:
      "MCP tool call round trip: send_message, then another agent's wait_for_messages returns, p50 / p99",
    target: "recorded; every round delivered",
    run: mcpRoundTrip,
  },
  {
    id: 15,
    figure: "cost of metrics collection: open-mode sends/s with metrics (scraped every 1 s) vs --no-metrics",
    target: "< 5 % of the send rate",
    needs: "wrk",
    run: metricsCost,
  },
];

const INSTALL = "install it with: apt-get install -y wrk hyperfine";
/** Above this share of busy CPU (other processes) before a figure, wait for quiet. */
const QUIET_SHARE = 0.15;
/** Above this share of CPU used by other processes during a figure, its notes say so. */
const OTHERS_NOTE_SHARE = 0.1;
/** Longest wait for quiet before each figure, ms. Env BENCH_QUIET_WAIT (s), default 10. */
const QUIET_WAIT_MS = Number(process.env.BENCH_QUIET_WAIT ?? 10) * 1000;

function machine(): Record<string, string | number> {
  const cpuinfo = existsSync("/proc/cpuinfo") ? readFileSync("/proc/cpuinfo", "utf8") : "";
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? "unknown";
  const osRelease = existsSync("/etc/os-release") ? readFileSync("/etc/os-release", "utf8") : "";
  const os = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(osRelease)?.[1] ?? process.platform;
  return {
    cpus: availableParallelism(),
    cpuModel: model.trim(),
    ramGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${os}, kernel ${release()}`,
  };
}

async function main(): Promise<number> {
  const benchDir = dirname(fileURLToPath(import.meta.url));
  const out = dirname(benchDir);
  const root = existsSync(join(dirname(out), "package.json")) ? dirname(out) : process.cwd();
  const cli = join(out, "lib", "cli.js");
  if (!existsSync(cli)) {
    console.error(`bench: ${cli} is missing; build first (npm run build)`);
    return 1;
  }
  const only = (process.env.BENCH_ONLY ?? "")
    .split(",")
    .map((s) => Number(s.trim()))
    .filter((n) => n > 0);
  const dbAt = process.argv.indexOf("--db");
  const pgUrl = dbAt > 0 ? process.argv[dbAt + 1] : undefined;
  if (pgUrl !== undefined && !/^postgres(ql)?:\/\//.test(pgUrl)) {
    console.error(`bench: --db takes a postgres:// URL, got '${pgUrl}'`);
    return 1;
  }
  const all: Scenario[] = pgUrl
    ? [
        ...SCENARIOS,
        {
          id: 16,
          figure:
            "PostgreSQL scale-out (sends/s on 1 and 2 servers against SQLite, cross-server wake, fan-out)",
          target: "1 PostgreSQL server ≥ 0.5× SQLite, both saturated; wake p99 ≤ 20 ms",
          needs: "wrk",
          run: (ctx) => scaleOut(ctx, pgUrl),
        },
      ]
    : SCENARIOS;
  const chosen = all.filter((s) => only.length === 0 || only.includes(s.id));
  const tools = { wrk: await hasProgram("wrk", "-v"), hyperfine: await hasProgram("hyperfine") };
  for (const [tool, ok] of Object.entries(tools)) {
    if (!ok && chosen.some((s) => s.needs === tool)) {
      console.error(`bench: '${tool}' is not installed; its figures are skipped (${INSTALL})`);
    }
  }
  if (!process.env.EL_IPC_REFERENCE || !existsSync(process.env.EL_IPC_REFERENCE)) {
    if (chosen.some((s) => s.id === 8)) {
      console.error(
        "bench: EL_IPC_REFERENCE is not set (or missing): figure 8 is judged against the recorded reference figure",
      );
    }
  }

  const ctx: BenchContext = {
    root,
    out,
    cli,
    benchDir,
    work: mkdtempSync(join(tmpdir(), "el-ipc-bench-")),
    durationS: Number(process.env.BENCH_DURATION ?? 10),
    profile: process.env.BENCH_PROFILE === "1",
    profiles: {},
  };
  const cleanup = (): void => {
    killAll();
    if (process.env.BENCH_KEEP !== "1") rmSync(ctx.work, { recursive: true, force: true });
  };
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => {
      cleanup();
      process.exit(130);
    });
  }

  const started = new Date();
  const t0 = performance.now();
  const figures: Figure[] = [];
  let failed = false;
  for (const s of chosen) {
    if (s.needs && !tools[s.needs]) {
      figures.push(notMeasured(s.id, s.figure, s.target, `${s.needs} not installed (${INSTALL})`));
      continue;
    }
    // Other processes on the machine (tests, builds) would take CPU from the server and the load generator.
    let busy = await machineBusy(1000);
    const waitUntil = performance.now() + QUIET_WAIT_MS;
    while (busy > QUIET_SHARE && performance.now() < waitUntil) {
      console.error(`bench: machine ${(busy * 100).toFixed(0)}% busy with other work; waiting for quiet`);
      busy = await machineBusy(2000);
    }
    try {
      const mark = markLoad();
      const f = await s.run(ctx);
      const others = othersLoad(mark);
      f.values.machineBusyBefore = busy;
      f.values.othersLoad = others;
      if (others > OTHERS_NOTE_SHARE) {
        f.notes.push(
          `other processes used about ${(others * 100).toFixed(0)}% of the machine's CPU time while this figure ran (${(busy * 100).toFixed(0)}% just before); it may read worse than on a quiet machine`,
        );
      }
      figures.push(f);
    } catch (e) {
      failed = true;
      console.error(`bench: figure ${s.id} failed: ${(e as Error).message}`);
      figures.push(notMeasured(s.id, s.figure, s.target, `error: ${(e as Error).message.slice(0, 200)}`));
    }
  }
  cleanup();
  const seconds = (performance.now() - t0) / 1000;

  const m = machine();
  console.log(
    `\nel-ipc benchmark, ${started.toISOString()}, ${m.cpus} × ${m.cpuModel}, ${m.ramGb} GB, Node ${m.node}, ${m.os}; ${seconds.toFixed(0)} s\n`,
  );
  console.log(formatTable(figures));
  const result = {
    date: started.toISOString(),
    seconds,
    machine: m,
    settings: { durationS: ctx.durationS, profile: ctx.profile, only: chosen.map((s) => s.id) },
    figures,
    profiles: ctx.profiles,
  };
  const jsonFile = join(out, "bench-results.json");
  writeFileSync(jsonFile, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(out, "bench-results.md"), `${formatMarkdown(figures)}\n`);
  console.log(`\nwritten: ${jsonFile}`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    killAll();
    console.error(`bench: ${(e as Error).stack ?? String(e)}`);
    process.exit(1);
  },
);
