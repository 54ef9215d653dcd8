// Bench client for figures 5 and 6: parks `n` long-polls (distinct agents, one channel, one socket each)
// on the server with pid `pid`, waits until the server is idle, then either sends one message and times
// its delivery to all of them (fanout) or reads the server's memory (park).
// Usage: many-waiters <url> <pid> <n> <fanout|park> [wait-timeout-s] [channel]
import { Agent } from "node:http";
import { cpuSplitOf, memoryOf, waitIdle } from "../lib/procs.js";
import { type Answer, call } from "./http.js";

const [url, pidArg, nArg, mode, timeoutArg, channelArg] = process.argv.slice(2);
if (!url || !pidArg || !nArg || (mode !== "fanout" && mode !== "park")) {
  process.stderr.write("usage: many-waiters <url> <pid> <n> <fanout|park> [wait-timeout-s] [channel]\n");
  process.exit(2);
}
const pid = Number(pidArg);
const n = Number(nArg);
const waitS = Number(timeoutArg ?? 60);
const CHUNK = 200;
const channel = channelArg ?? `many-${mode}`;

const before = memoryOf(pid);
const pollAgent = new Agent({ keepAlive: true, maxSockets: n + 16 });
const answers: Promise<Answer | undefined>[] = [];
let sent = 0;
/** Polls answered (or failed) so far; before the send, any of them is an early (unexpected) answer. */
let settled = 0;
const t0Open = performance.now();
const pacer = new Agent({ keepAlive: false });
// Open the polls in chunks so the listen backlog never overflows (a dropped SYN costs a 1 s retry).
for (let i = 0; i < n; i += CHUNK) {
  const chunk: Promise<void>[] = [];
  for (let j = i; j < Math.min(n, i + CHUNK); j++) {
    chunk.push(
      new Promise<void>((resolve) => {
        const p = call(
          pollAgent,
          url,
          "GET",
          `/messages?channel=${channel}&agent=w${j}&wait=true&timeout=${waitS}`,
          {
            timeoutMs: (waitS + 30) * 1000,
            onSent: () => {
              sent++;
              resolve();
            },
          },
        );
        answers.push(
          p.then(
            (a) => {
              settled++;
              return a;
            },
            () => {
              settled++;
              return undefined;
            },
          ),
        );
      }),
    );
  }
  await Promise.race([Promise.all(chunk), new Promise((r) => setTimeout(r, 10_000))]);
  // A request is "sent" once the kernel completed the handshake, before the server accepted it. A health
  // check on a new connection is accepted after all of them (FIFO), so this keeps the accept queue short.
  await call(pacer, url, "GET", "/health");
}
const openMs = performance.now() - t0Open;
// Every request is written; once the server's CPU goes quiet it has parked them all.
const idle = await waitIdle(pid, { minMs: 1000, timeoutMs: 30_000 });
const early = settled;

if (mode === "park") {
  const parked = memoryOf(pid);
  // The server must still answer other requests promptly while holding them.
  const other = new Agent({ keepAlive: false });
  const h0 = performance.now();
  const health = await call(other, url, "GET", "/health");
  const healthMs = health.at - h0;
  pollAgent.destroy();
  await waitIdle(pid, { minMs: 500, timeoutMs: 20_000 });
  const after = memoryOf(pid);
  process.stdout.write(
    `${JSON.stringify({ n, sent, early, idle, openMs, before, parked, after, healthMs, healthStatus: health.status })}\n`,
  );
  process.exit(0);
}

const sender = new Agent({ keepAlive: false });
const cpu0 = cpuSplitOf(pid);
const t0 = performance.now();
const ack = await call(sender, url, "POST", "/send", {
  body: JSON.stringify({ channel, sender: "fan-writer", content: "one message for everyone" }),
});
const sendMs = ack.at - t0;
const done = await Promise.all(answers);
// CPU the server spent on the fan-out (clock ticks of 10 ms): less sensitive to other load than wall time.
const cpu1 = cpuSplitOf(pid);
const serverUserMs = (cpu1.user - cpu0.user) * 10;
const serverSysMs = (cpu1.system - cpu0.system) * 10;
const arrivals: number[] = [];
let delivered = 0;
let failed = 0;
for (const a of done) {
  if (a?.status !== 200) {
    failed++;
    continue;
  }
  const msgs = JSON.parse((a as Answer).body) as unknown[];
  if (msgs.length === 1) {
    delivered++;
    arrivals.push((a as Answer).at - t0);
  } else failed++;
}
arrivals.sort((a, b) => a - b);
pollAgent.destroy();
process.stdout.write(
  `${JSON.stringify({
    n,
    sent,
    early,
    idle,
    openMs,
    sendMs,
    serverUserMs,
    serverSysMs,
    delivered,
    failed,
    firstMs: arrivals[0] ?? null,
    p50Ms: arrivals[Math.floor(arrivals.length / 2)] ?? null,
    allMs: arrivals[arrivals.length - 1] ?? null,
  })}\n`,
);
process.exit(0);
