// Bench client for issue 14: opens `n` long-polls at once (distinct agents, one channel) over one keep-alive
// agent with unlimited sockets, waits, sends one message, and counts the waiters that did not get it; repeats
// for `rounds` rounds on the same agent, so later rounds park on sockets reused from the keep-alive pool.
// Usage: fan-burst <url> <n> <rounds> [channel-prefix] [park-ms] [gaps]; gaps is a comma list of pauses before
// rounds 2, 3, ... (the last one repeats; default 0): `<ms>` pauses that long, `i<ms>` until the pooled socket
// freed last has been idle that long (so every pooled socket is reused after at least that idle time).
import { Agent } from "node:http";
import { type Answer, call, sleep } from "./http.js";

const [url, nArg, roundsArg, prefixArg, parkArg, gapArg] = process.argv.slice(2);
if (!url || !nArg || !roundsArg) {
  process.stderr.write("usage: fan-burst <url> <n> <rounds> [channel-prefix] [park-ms] [gaps-ms]\n");
  process.exit(2);
}
const n = Number(nArg);
const rounds = Number(roundsArg);
const prefix = prefixArg ?? "fan";
const parkMs = Number(parkArg ?? 3000);
const gaps = (gapArg ?? "0").split(",");

/** One round's outcome. */
interface BurstRound {
  delivered: number;
  /** Waiters with a connection error instead of an answer, by error code. */
  errors: Record<string, number>;
  /** Answers that were not 200 with exactly the one message, by status. */
  wrong: Record<string, number>;
  /** Polls that ended before the send. */
  early: number;
  /** Sockets the agent had pooled (idle, reusable) when the round began. */
  pooled: number;
  /** From the send to the last delivery, ms. */
  allMs: number | null;
  p50Ms: number | null;
}

const polls = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
/** When each socket last went back to the pool. */
const freedAt = new WeakMap<object, number>();
polls.on("free", (socket: object) => freedAt.set(socket, performance.now()));
const sender = new Agent({ keepAlive: false });
const bump = (t: Record<string, number>, k: string): void => {
  t[k] = (t[k] ?? 0) + 1;
};

async function round(channel: string): Promise<BurstRound> {
  const pooled = Object.values(polls.freeSockets).reduce((a, l) => a + (l?.length ?? 0), 0);
  let sent = false;
  let early = 0;
  const answers: Promise<Answer | Error>[] = [];
  for (let i = 0; i < n; i++) {
    const p = call(
      polls,
      url as string,
      "GET",
      `/messages?channel=${channel}&agent=w${i}&wait=true&timeout=60`,
      {
        timeoutMs: 90_000,
      },
    );
    answers.push(
      p.then(
        (a) => {
          if (!sent) early++;
          return a;
        },
        (e: Error) => {
          if (!sent) early++;
          return e;
        },
      ),
    );
  }
  await sleep(parkMs);
  sent = true;
  const t0 = performance.now();
  const ack = await call(sender, url as string, "POST", "/send", {
    body: JSON.stringify({ channel, sender: "fan-writer", content: "one message for everyone" }),
  });
  if (ack.status !== 200) throw new Error(`send answered ${ack.status}: ${ack.body}`);
  const done = await Promise.all(answers);
  const r: BurstRound = { delivered: 0, errors: {}, wrong: {}, early, pooled, allMs: null, p50Ms: null };
  const at: number[] = [];
  for (const a of done) {
    if (a instanceof Error) bump(r.errors, (a as NodeJS.ErrnoException).code ?? a.message);
    else if (a.status === 200 && (JSON.parse(a.body) as unknown[]).length === 1) {
      r.delivered++;
      at.push(a.at - t0);
    } else bump(r.wrong, String(a.status));
  }
  at.sort((a, b) => a - b);
  r.allMs = at[at.length - 1] ?? null;
  r.p50Ms = at[Math.floor(at.length / 2)] ?? null;
  return r;
}

const results: BurstRound[] = [];
for (let i = 0; i < rounds; i++) {
  const gap = i > 0 ? (gaps[Math.min(i - 1, gaps.length - 1)] ?? "0") : "0";
  if (gap.startsWith("i")) {
    const pooled = Object.values(polls.freeSockets).flatMap((l) => l ?? []);
    const last = Math.max(0, ...pooled.map((sk) => freedAt.get(sk) ?? 0));
    await sleep(Math.max(0, last + Number(gap.slice(1)) - performance.now()));
  } else if (Number(gap) > 0) await sleep(Number(gap));
  results.push(await round(`${prefix}-${i}`));
}
polls.destroy();
process.stdout.write(`${JSON.stringify({ n, rounds: results })}\n`);
process.exit(0);
