// Figure 15: what metrics collection costs a send. Open-mode sends/s under wrk with metrics on (scraped
// every second, far more often than Prometheus' default 15 s) and with `serve --no-metrics`, alternated
// in one run so both see the same machine; compared as a ratio of rates and of server CPU per request.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type BenchContext, progress, startElIpc } from "../lib/context.js";
import type { Figure } from "../lib/figures.js";
import { cpuTicksOf } from "../lib/procs.js";
import { count } from "../lib/stats.js";
import { runWrk, staticPostScript, type WrkResult } from "../lib/wrk.js";

const WARMUP_S = 2;
/** Rounds of (with, without); the best round of each is compared, as noise only ever slows a run. */
const ROUNDS = 3;
const SEND_BODY = JSON.stringify({ channel: "bench", sender: "wrk", content: "hello from wrk" });

interface Run {
  perSecond: number;
  cpuUs: number;
  scrapes: number;
}

/** Figure 15: send rate and server CPU per send with and without metrics. */
export async function metricsCost(ctx: BenchContext): Promise<Figure> {
  const bodyFile = join(ctx.work, "metrics-send-body.json");
  writeFileSync(bodyFile, SEND_BODY);
  const script = staticPostScript(ctx.work, "metrics-send", "/send", bodyFile);
  const wrk = (url: string, durationS: number) =>
    runWrk({ url, script, threads: 2, connections: 16, durationS });

  async function measure(metrics: boolean, round: number): Promise<Run> {
    progress(
      `figure 15: metrics ${metrics ? "on" : "off"}, round ${round + 1}, wrk -t2 -c16 -d${ctx.durationS}s`,
    );
    const s = await startElIpc(ctx, `metrics-${metrics ? "on" : "off"}-${round}`, {
      args: metrics ? [] : ["--no-metrics"],
    });
    let scrapes = 0;
    let scraper: NodeJS.Timeout | undefined;
    try {
      await wrk(s.url, WARMUP_S);
      if (metrics) {
        scraper = setInterval(() => {
          fetch(`${s.url}/metrics`)
            .then(async (r) => {
              await r.text();
              if (r.status === 200) scrapes++;
            })
            .catch(() => undefined);
        }, 1000);
      }
      const before = cpuTicksOf(s.pid);
      const r: WrkResult = await wrk(s.url, ctx.durationS);
      const cpuUs = ((cpuTicksOf(s.pid) - before) * 10_000) / Math.max(1, r.requests);
      return { perSecond: r.okPerSecond, cpuUs, scrapes };
    } finally {
      clearInterval(scraper);
      await s.finish();
    }
  }

  const on: Run[] = [];
  const off: Run[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    off.push(await measure(false, i));
    on.push(await measure(true, i));
  }
  const best = (runs: Run[]) => runs.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
  const bestOn = best(on);
  const bestOff = best(off);
  const rateCost = 1 - bestOn.perSecond / bestOff.perSecond;
  const cpuOn = Math.min(...on.map((r) => r.cpuUs));
  const cpuOff = Math.min(...off.map((r) => r.cpuUs));
  const cpuCost = cpuOn / cpuOff - 1;
  const pct = (x: number, less: string, more: string) =>
    `${(Math.abs(x) * 100).toFixed(1)} % ${x >= 0 ? less : more}`;
  return {
    id: 15,
    figure: "cost of metrics collection: open-mode sends/s with metrics (scraped every 1 s) vs --no-metrics",
    target: "< 5 % of the send rate",
    measured: `${count(bestOn.perSecond)}/s with, ${count(bestOff.perSecond)}/s without: ${pct(rateCost, "fewer", "more")}`,
    pass: rateCost < 0.05,
    notes: [
      `server CPU per send: ${cpuOn.toFixed(1)} µs with, ${cpuOff.toFixed(1)} µs without (${pct(cpuCost, "more", "less")})`,
      `best of ${ROUNDS} alternated rounds each; rounds with: ${on.map((r) => count(r.perSecond)).join(", ")}/s, without: ${off.map((r) => count(r.perSecond)).join(", ")}/s; ${on.reduce((n, r) => n + r.scrapes, 0)} scrapes answered`,
    ],
    values: { on, off, rateCost, cpuCost },
  };
}
