// Figure 16 (issue 11): several servers on one PostgreSQL database, with `npm run bench -- --db
// postgres://…`: sends/s through one SQLite server, one PostgreSQL server and two PostgreSQL servers
// (open mode, wrk), the cross-server wake-up (a long-poll on B, the send through A) and one message
// fanned out to 2,000 long-polls spread over the two servers, all in one run.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";
import { type BenchContext, type ElIpcServer, progress, startElIpc } from "../lib/context.js";
import type { Figure } from "../lib/figures.js";
import { count, ms, summarize } from "../lib/stats.js";
import { runWrk, staticPostScript, type WrkResult } from "../lib/wrk.js";

const WARMUP_S = 2;
const SEND_BODY = JSON.stringify({ channel: "bench", sender: "wrk", content: "hello from wrk" });
const WAKE_ROUNDS = 200;
const FANOUT = 2_000;

/** A new database on the server `url` names, dropped by the returned function. */
async function freshDatabase(url: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `elipc_bench_${Date.now().toString(36)}`;
  const admin = postgres(url, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(url);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const a = postgres(url, { max: 1, onnotice: () => undefined });
      await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

async function post(url: string, body: unknown): Promise<void> {
  const r = await fetch(`${url}/send`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (r.status !== 200) throw new Error(`send answered ${r.status}`);
  await r.arrayBuffer();
}

/** Long-poll on `b`, send through `a`, WAKE_ROUNDS times: ms from the send to the answer. */
async function crossWake(a: string, b: string): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < WAKE_ROUNDS; i++) {
    const poll = fetch(`${b}/messages?channel=wake&agent=bob&wait=true&timeout=10`).then((r) => r.json());
    await new Promise((ok) => setTimeout(ok, 15));
    const t0 = performance.now();
    await post(a, { channel: "wake", sender: "alice", content: `w${i}` });
    const got = (await poll) as unknown[];
    times.push(performance.now() - t0);
    if (got.length !== 1) throw new Error(`round ${i}: ${got.length} messages`);
  }
  return times;
}

/** FANOUT long-polls split over the servers, one send: ms until the last got it, and how many did. */
async function fanout(urls: string[]): Promise<{ ms: number; delivered: number }> {
  const polls = Array.from({ length: FANOUT }, (_, i) =>
    fetch(`${urls[i % urls.length]}/messages?channel=fan&agent=r${i}&wait=true&timeout=60`).then(
      async (r) => ((await r.json()) as unknown[]).length,
    ),
  );
  await new Promise((ok) => setTimeout(ok, 3000));
  const t0 = performance.now();
  await post(urls[0] as string, { channel: "fan", sender: "alice", content: "to all" });
  const got = await Promise.all(polls);
  return { ms: performance.now() - t0, delivered: got.filter((n) => n === 1).length };
}

/** Figure 16, when a PostgreSQL URL was given. */
export async function scaleOut(ctx: BenchContext, dbUrl: string): Promise<Figure> {
  const bodyFile = join(ctx.work, "scale-body.json");
  writeFileSync(bodyFile, SEND_BODY);
  const script = staticPostScript(ctx.work, "scale-send", "/send", bodyFile);
  const wrk = (url: string, connections: number, durationS: number) =>
    runWrk({ url, script, threads: 1, connections, durationS });
  const measure = async (servers: ElIpcServer[]): Promise<number> => {
    await Promise.all(servers.map((s) => wrk(s.url, 16 / servers.length, WARMUP_S)));
    const rs: WrkResult[] = await Promise.all(
      servers.map((s) => wrk(s.url, 16 / servers.length, ctx.durationS)),
    );
    return rs.reduce((n, r) => n + r.okPerSecond, 0);
  };

  progress(`figure 16: one server on SQLite, wrk -c16 -d${ctx.durationS}s`);
  const lite = await startElIpc(ctx, "scale-sqlite");
  let sqliteRate: number;
  try {
    sqliteRate = await measure([lite]);
  } finally {
    await lite.finish();
  }

  const db = await freshDatabase(dbUrl);
  const env = { IPC_DB_URL: db.url, IPC_DB_POOL: "8", IPC_RATE_LIMIT: "off" };
  try {
    progress(`figure 16: one server on PostgreSQL, wrk -c16 -d${ctx.durationS}s`);
    const one = await startElIpc(ctx, "scale-pg-1", { env });
    let oneRate: number;
    try {
      oneRate = await measure([one]);
    } finally {
      await one.finish();
    }
    progress(`figure 16: two servers on PostgreSQL, wrk -c8 each -d${ctx.durationS}s`);
    const a = await startElIpc(ctx, "scale-pg-a", { env });
    const b = await startElIpc(ctx, "scale-pg-b", { env });
    let twoRate: number;
    let wake: ReturnType<typeof summarize>;
    let fan: { ms: number; delivered: number };
    try {
      twoRate = await measure([a, b]);
      progress(`figure 16: cross-server wake-up, ${WAKE_ROUNDS} rounds`);
      wake = summarize(await crossWake(a.url, b.url));
      progress(`figure 16: one message to ${FANOUT} long-polls over two servers`);
      fan = await fanout([a.url, b.url]);
    } finally {
      await a.finish();
      await b.finish();
    }
    const ratio = oneRate / sqliteRate;
    return {
      id: 16,
      figure:
        "PostgreSQL scale-out: sends/s (1 SQLite, 1 and 2 PostgreSQL servers), cross-server wake p50 / p99, fan-out to 2,000 over 2 servers",
      target: "1 PostgreSQL server ≥ 0.5× SQLite; wake p99 ≤ 20 ms",
      measured: `SQLite ${count(sqliteRate)}/s, PostgreSQL 1 server ${count(oneRate)}/s (${ratio.toFixed(2)}×), 2 servers ${count(twoRate)}/s; wake ${ms(wake.p50)} / ${ms(wake.p99)}; fan-out ${ms(fan.ms)}, ${fan.delivered}/${FANOUT} delivered`,
      pass: ratio >= 0.5 && wake.p99 <= 20 && fan.delivered === FANOUT,
      notes: [
        "open mode, 16 connections in all (8 per server with two), PostgreSQL on the same machine as the servers and wrk",
      ],
      values: { sqliteRate, oneRate, twoRate, ratio, wake, fanout: fan },
    };
  } finally {
    await db.drop();
  }
}
