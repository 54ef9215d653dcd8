// Figures 4-7: waiting readers. Latency with one waiting reader, fan-out to 5,000 waiters, memory with
// 10,000 parked long-polls, and wake-up after a write by a separate CLI process. The load comes from
// client processes in bench/clients/.
import { join } from "node:path";
import { type BenchContext, progress, startElIpc } from "../lib/context.js";
import type { Figure } from "../lib/figures.js";
import { runClient } from "../lib/procs.js";
import { count, ms, summarize } from "../lib/stats.js";

function client(ctx: BenchContext, name: string): string {
  return join(ctx.benchDir, "clients", `${name}.js`);
}

/** Figure 4: send-to-receive latency with a waiting reader (1000 rounds). */
export async function latency(ctx: BenchContext): Promise<Figure> {
  const rounds = 1000;
  progress(`figure 4: ${rounds} rounds of long-poll + send`);
  const s = await startElIpc(ctx, "latency");
  let r: { wake: number[]; sendRtt: number[]; empty: number; ms: number };
  try {
    r = await runClient(client(ctx, "latency"), [s.url, String(rounds)], { timeoutMs: 90_000 });
  } finally {
    await s.finish();
  }
  const w = summarize(r.wake);
  const rtt = summarize(r.sendRtt);
  const notes = [
    `${w.n} rounds after 50 warm-up rounds; the reader parks, 2 ms later the send starts; max ${ms(w.max)}; the send's own round trip p50 ${ms(rtt.p50)}, p99 ${ms(rtt.p99)}`,
  ];
  if (r.empty > 0) notes.push(`${r.empty} long-polls answered empty`);
  return {
    id: 4,
    figure: "send-to-receive latency with a waiting reader, p50 / p99",
    target: "≤ 2 ms / ≤ 10 ms",
    measured: `${ms(w.p50)} / ${ms(w.p99)}`,
    pass: w.p50 <= 2 && w.p99 <= 10 && w.n >= rounds,
    notes,
    values: { wake: w, sendRtt: rtt, empty: r.empty },
  };
}

interface FanoutResult {
  n: number;
  sent: number;
  early: number;
  idle: boolean;
  openMs: number;
  sendMs: number;
  serverUserMs: number;
  serverSysMs: number;
  delivered: number;
  failed: number;
  firstMs: number | null;
  p50Ms: number | null;
  allMs: number | null;
}

/** Fan-out rounds measured after the warm-up round; the figure is their median. */
const FANOUT_ROUNDS = 3;

/**
 * Figure 5: one message fanned out to 5,000 waiting readers on one channel. One server, one warm-up
 * round (the first burst runs in V8's interpreter and is reported apart), then FANOUT_ROUNDS measured
 * rounds, each with 5,000 fresh polls; the figure is their median, with the range beside it.
 */
export async function fanout(ctx: BenchContext): Promise<Figure> {
  const n = 5000;
  progress(`figure 5: ${count(n)} parked long-polls, then one send; 1 warm-up + ${FANOUT_ROUNDS} rounds`);
  const s = await startElIpc(ctx, "fanout");
  const rounds: FanoutResult[] = [];
  try {
    for (let i = 0; i <= FANOUT_ROUNDS; i++) {
      const args = [s.url, String(s.pid), String(n), "fanout", "120", `fan-${i}`];
      rounds.push(await runClient<FanoutResult>(client(ctx, "many-waiters"), args, { timeoutMs: 180_000 }));
    }
  } finally {
    await s.finish();
  }
  const [cold, ...measured] = rounds as [FanoutResult, ...FanoutResult[]];
  const times = measured.map((r) => r.allMs ?? Number.POSITIVE_INFINITY).sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] ?? Number.POSITIVE_INFINITY;
  const r = measured.find((m) => (m.allMs ?? Number.POSITIVE_INFINITY) === median) ?? cold;
  const allDelivered = rounds.every((m) => m.delivered === n);
  const notes = [
    `median of ${FANOUT_ROUNDS} rounds, each ${count(n)} fresh polls on one server: ${times.map(ms).join(", ")}; the warm-up round before them (cold code): ${ms(cold.allMs ?? Number.NaN)}`,
    `median round: first delivery after ${ms(r.firstMs ?? Number.NaN)}, half after ${ms(r.p50Ms ?? Number.NaN)}; the send itself answered in ${ms(r.sendMs)}; from the send to the last delivery the server used ${ms(r.serverUserMs)} of user and ${ms(r.serverSysMs)} of kernel CPU time; opening the polls took ${ms(r.openMs)}`,
  ];
  const early = rounds.reduce((a, m) => a + m.early, 0);
  if (early > 0) notes.push(`${early} polls ended before the send`);
  if (!rounds.every((m) => m.idle))
    notes.push("the server never went idle before a send (were all polls parked?)");
  if (!allDelivered) notes.push(`delivered per round: ${rounds.map((m) => m.delivered).join(", ")}`);
  return {
    id: 5,
    figure: "one message fanned out to 5,000 waiting readers, all delivered",
    target: "≤ 500 ms",
    measured: `${ms(median)} median (range ${ms(times[0] ?? Number.NaN)}-${ms(times[times.length - 1] ?? Number.NaN)}; all ${count(n)} delivered in every round: ${allDelivered ? "yes" : "no"})`,
    pass: median <= 500 && allDelivered,
    notes,
    values: { cold, rounds: measured } as unknown as Record<string, unknown>,
  };
}

interface ParkResult {
  n: number;
  sent: number;
  early: number;
  idle: boolean;
  openMs: number;
  before: { rssKb: number; hwmKb: number };
  parked: { rssKb: number; hwmKb: number };
  after: { rssKb: number; hwmKb: number };
  healthMs: number;
  healthStatus: number;
}

/** Figure 6: server RSS while 10,000 long-polls are parked. */
export async function parkedMemory(ctx: BenchContext): Promise<Figure> {
  const n = 10_000;
  progress(`figure 6: ${count(n)} parked long-polls (timeout=300), server RSS`);
  const s = await startElIpc(ctx, "parked-memory");
  let r: ParkResult;
  try {
    r = await runClient(client(ctx, "many-waiters"), [s.url, String(s.pid), String(n), "park", "300"], {
      timeoutMs: 180_000,
    });
  } finally {
    await s.finish();
  }
  const mb = (kb: number): string => `${(kb / 1024).toFixed(0)} MB`;
  const notes = [
    `VmRSS from /proc/<pid>/status: ${mb(r.before.rssKb)} idle before, ${mb(r.parked.rssKb)} with ${count(n)} parked (peak ${mb(r.parked.hwmKb)}), ${mb(r.after.rssKb)} after they closed`,
    `while they were parked GET /health answered ${r.healthStatus} in ${ms(r.healthMs)}`,
  ];
  if (r.early > 0) notes.push(`${r.early} polls ended before the measurement`);
  const parkedMb = r.parked.rssKb / 1024;
  return {
    id: 6,
    figure: "server memory with 10,000 parked long-polls",
    target: "≤ 300 MB RSS",
    measured: `${mb(r.parked.rssKb)} RSS`,
    pass: parkedMb <= 300 && r.early === 0,
    notes,
    values: r as unknown as Record<string, unknown>,
  };
}

/** Figure 7: a write by a separate `el-ipc send` process wakes an HTTP long-poll (50 rounds). */
export async function cliWake(ctx: BenchContext): Promise<Figure> {
  const rounds = 50;
  progress(`figure 7: ${rounds} rounds of long-poll + separate 'el-ipc send' process`);
  const s = await startElIpc(ctx, "cli-wake");
  let r: { fromCommit: number[]; fromExit: number[] };
  try {
    r = await runClient(client(ctx, "cli-wake"), [s.url, ctx.cli, s.dbPath, String(rounds)], {
      timeoutMs: 120_000,
    });
  } finally {
    await s.finish();
  }
  const c = summarize(r.fromCommit);
  const e = summarize(r.fromExit);
  return {
    id: 7,
    figure: "CLI write to HTTP long-poll wake-up, p99",
    target: "≤ 100 ms",
    measured: `${ms(c.p99)} (p50 ${ms(c.p50)})`,
    pass: c.p99 <= 100 && c.n >= rounds,
    notes: [
      `${c.n} rounds, from the message's stored timestamp (taken just before its commit) to the long-poll answer; measured from the CLI process's exit instead: p50 ${ms(e.p50)}, p99 ${ms(e.p99)} (negative = the answer came before the exit was seen)`,
    ],
    values: { fromCommit: c, fromExit: e },
  };
}
