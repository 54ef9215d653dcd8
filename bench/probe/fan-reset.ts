// Reproduction of issue 14: per run, a fresh `el-ipc serve`, the warm-up of bench/lib/warm-up.ts, then one
// client process opening N long-polls at once and sending one message, for R rounds; prints each run's
// outcome and exits 1 if any waiter got an error instead of the message.
// Usage (after npm run build): node dist/bench/probe/fan-reset.js [runs=5] [n=2000] [rounds=1] [gap-ms=0]
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runClient, startServer } from "../lib/procs.js";
import { warmUp } from "../lib/warm-up.js";

const [runsArg, nArg, roundsArg, gapArg] = process.argv.slice(2);
const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, "..", "..", "lib", "cli.js");
const client = join(here, "..", "clients", "fan-burst.js");
const work = mkdtempSync(join(tmpdir(), "el-ipc-fan-reset-"));
let bad = 0;
/** TCP listen-queue counters of /proc/net/netstat (the whole network namespace). */
function tcpCounters(): Record<string, number> {
  const lines = readFileSync("/proc/net/netstat", "utf8").split("\n");
  const i = lines.findIndex((l) => l.startsWith("TcpExt:"));
  const names = (lines[i] ?? "").split(" ");
  const values = (lines[i + 1] ?? "").split(" ");
  const out: Record<string, number> = {};
  names.forEach((n, j) => {
    if (/ListenOverflows|ListenDrops|SyncookiesSent|SyncookiesFailed|TCPReqQFullDrop/.test(n))
      out[n] = Number(values[j]);
  });
  return out;
}
try {
  for (let run = 0; run < Number(runsArg ?? 5); run++) {
    const dbPath = join(work, `run-${run}.db`);
    const traceFile = join(work, `run-${run}.trace.json`);
    const s = await startServer({
      args: [cli, "serve", "0"],
      env: { IPC_DB_PATH: dbPath, TRACE_RESETS_FILE: traceFile },
      nodeFlags: ["--import", join(here, "trace-resets.js")],
    });
    let tcp0: Record<string, number> = {};
    try {
      if (process.env.FAN_NO_WARMUP !== "1") await warmUp({ url: s.url, cli, dbPath });
      tcp0 = tcpCounters();
      const r = await runClient<{ rounds: { delivered: number; errors: Record<string, number> }[] }>(
        client,
        [s.url, nArg ?? "2000", roundsArg ?? "1", "fan", "3000", gapArg ?? "0"],
        { timeoutMs: 600_000 },
      );
      if (r.rounds.some((x) => Object.keys(x.errors).length > 0)) bad++;
      process.stdout.write(`run ${run}: ${JSON.stringify(r.rounds)}\n`);
    } finally {
      await s.stop();
      const tcp1 = tcpCounters();
      const tcp = Object.fromEntries(Object.entries(tcp1).map(([k, v]) => [k, v - (tcp0[k] ?? v)]));
      const trace = existsSync(traceFile) ? readFileSync(traceFile, "utf8") : "{}";
      process.stdout.write(`run ${run}: server ${trace}; tcp ${JSON.stringify(tcp)}\n`);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.stdout.write(`runs with errors: ${bad}\n`);
process.exit(bad > 0 ? 1 : 0);
