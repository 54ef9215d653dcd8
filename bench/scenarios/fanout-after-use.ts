// Figure 9 (issue 14): one message fanned out to 2,000 waiters, 10 rounds in a row on one server after
// ordinary use (bench/lib/warm-up.ts), from one client process whose keep-alive agent reuses its pooled
// sockets, in every other round after they sat idle about 6 s. Every waiter must get the message.
import { join } from "node:path";
import { type BenchContext, progress, startElIpc } from "../lib/context.js";
import type { Figure } from "../lib/figures.js";
import { runClient } from "../lib/procs.js";
import { count, ms } from "../lib/stats.js";
import { warmUp } from "../lib/warm-up.js";

interface BurstRound {
  delivered: number;
  errors: Record<string, number>;
  wrong: Record<string, number>;
  early: number;
  pooled: number;
  allMs: number | null;
  p50Ms: number | null;
}

const WAITERS = 2000;
const ROUNDS = 10;
/** Pauses before rounds 2-10 (see bench/clients/fan-burst.ts): `i5990` = until pooled sockets idled 5.99 s. */
export const FANOUT_AFTER_USE_GAPS = ["0", "i5990", "0", "i5990", "0", "i5990", "0", "i5990", "0"];

/** Figure 9: 2,000-waiter fan-out after ordinary use, 10 rounds; the figure is the median round. */
export async function fanoutAfterUse(ctx: BenchContext): Promise<Figure> {
  progress(
    `figure 9: warm-up, then ${ROUNDS} rounds of ${count(WAITERS)} long-polls opened at once + one send`,
  );
  const s = await startElIpc(ctx, "fanout-after-use");
  let rounds: BurstRound[];
  try {
    await warmUp({ url: s.url, cli: ctx.cli, dbPath: s.dbPath });
    const args = [s.url, String(WAITERS), String(ROUNDS), "fan", "3000", FANOUT_AFTER_USE_GAPS.join(",")];
    const client = join(ctx.benchDir, "clients", "fan-burst.js");
    rounds = (await runClient<{ rounds: BurstRound[] }>(client, args, { timeoutMs: 300_000 })).rounds;
  } finally {
    await s.finish();
  }
  const times = rounds.map((r) => r.allMs ?? Number.POSITIVE_INFINITY).sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] ?? Number.POSITIVE_INFINITY;
  const lost = rounds.reduce((a, r) => a + (WAITERS - r.delivered), 0);
  const errors: Record<string, number> = {};
  for (const r of rounds) for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
  const notes = [
    `${ROUNDS} rounds on one server after sends, peeks and acks, paged reads, a multi-channel wait, a CLI 'read --wait' and a dropped SSE stream; each round opens ${count(WAITERS)} polls at once over one keep-alive agent (unlimited sockets), waits 3 s, sends one message; from the send to the last delivery: ${times.map(ms).join(", ")}`,
    `pooled sockets reused per round: ${rounds.map((r) => r.pooled).join(", ")} (rounds 3, 5, 7, 9 after 6 s idle)`,
  ];
  if (lost > 0)
    notes.push(`waiters without the message: ${lost}; connection errors ${JSON.stringify(errors)}`);
  return {
    id: 9,
    figure: "one message fanned out to 2,000 waiters after ordinary use, 10 rounds, none lost",
    target: "every waiter gets it",
    measured: `${ms(median)} median (range ${ms(times[0] ?? Number.NaN)}-${ms(times[times.length - 1] ?? Number.NaN)}); lost ${lost}`,
    pass: lost === 0,
    notes,
    values: { rounds } as unknown as Record<string, unknown>,
  };
}
