// Figure 16 (issue 11): several servers on one PostgreSQL database, with `npm run bench -- --db
// postgres://…`: sends/s through one SQLite server, one PostgreSQL server and two PostgreSQL servers
// (open mode, then secure mode with distinct signed bodies, wrk), the cross-server wake-up (a long-poll
// on B, the send through A) and one message fanned out to 2,000 long-polls spread over the two servers,
// all in one run.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";
import { type BenchContext, type ElIpcServer, progress, startElIpc } from "../lib/context.js";
import type { Figure } from "../lib/figures.js";
import { cpuTicksOf, runClient } from "../lib/procs.js";
import { count, ms, summarize } from "../lib/stats.js";
import { distinctPostScript, runWrk, staticPostScript, type WrkResult } from "../lib/wrk.js";
import { secureSetup } from "./throughput.js";

const WARMUP_S = 2;
const SEND_BODY = JSON.stringify({ channel: "bench", sender: "wrk", content: "hello from wrk" });
const WAKE_ROUNDS = 200;
const FANOUT = 2_000;
/** Client connections of the second open-mode measure, where PostgreSQL group commits carry more sends. */
const WIDE = 64;
/** Signed bodies per second of a secure run, more than any server here answers (env BENCH_SECURE_RATE). */
const SECURE_RATE = Number(process.env.BENCH_SECURE_RATE ?? 6_000);

/**
 * A new database on the server `url` names, dropped by the returned function; `asyncCommit`: its sessions
 * default to synchronous_commit = off (a commit no longer waits for its WAL flush).
 */
async function freshDatabase(
  url: string,
  asyncCommit = false,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `elipc_bench_${Date.now().toString(36)}${asyncCommit ? "_async" : ""}`;
  const admin = postgres(url, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  if (asyncCommit) await admin.unsafe(`ALTER DATABASE ${name} SET synchronous_commit = off`);
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

/**
 * Secure-mode sends/s through `servers` (16 connections in all), each send a distinct v2-signed body by
 * `agent` (key file `key`), so none is refused as a replay; the warm-up has bodies of its own.
 */
async function secureRate(
  ctx: BenchContext,
  name: string,
  servers: ElIpcServer[],
  key: string,
  agent: string,
): Promise<number> {
  const signer = join(ctx.benchDir, "clients", "sign-bodies.js");
  const phases = [
    { phase: "warm", seconds: WARMUP_S },
    { phase: "run", seconds: ctx.durationS },
  ];
  const scripts = new Map<string, string>();
  await Promise.all(
    servers.flatMap((_, i) =>
      phases.map(async ({ phase, seconds }) => {
        const prefix = join(ctx.work, `${name}-${phase}-${i}-`);
        const n = Math.ceil((SECURE_RATE * seconds) / servers.length);
        await runClient(signer, [key, `${prefix}0.txt`, String(n), "secure", agent, `${name}${phase}${i}`], {
          timeoutMs: 300_000,
        });
        scripts.set(`${phase}${i}`, distinctPostScript(ctx.work, `${name}-${phase}-${i}`, "/send", prefix));
      }),
    ),
  );
  const wrkAll = async (phase: string, seconds: number): Promise<WrkResult[]> =>
    Promise.all(
      servers.map((s, i) =>
        runWrk({
          url: s.url,
          script: scripts.get(`${phase}${i}`) as string,
          threads: 1,
          connections: 16 / servers.length,
          durationS: seconds,
        }),
      ),
    );
  await wrkAll("warm", WARMUP_S);
  const rs = await wrkAll("run", ctx.durationS);
  const refused = rs.reduce((n, r) => n + r.statusErrors, 0);
  if (refused > 0) throw new Error(`figure 16: ${refused} secure sends were refused`);
  return rs.reduce((n, r) => n + r.okPerSecond, 0);
}

/** Secure-mode sends/s through one SQLite server, one and two PostgreSQL servers (a database of its own). */
async function secureRates(
  ctx: BenchContext,
  dbUrl: string,
): Promise<{ sqlite: number; one: number; two: number }> {
  progress(`figure 16: secure mode, one server on SQLite, wrk -c16 -d${ctx.durationS}s`);
  const litePath = join(ctx.work, "scale-secure.db");
  const liteKey = await secureSetup(ctx, { IPC_DB_PATH: litePath }, "bench-lite");
  const lite = await startElIpc(ctx, "scale-secure-sqlite", { dbPath: litePath });
  let sqlite: number;
  try {
    sqlite = await secureRate(ctx, "secure-lite", [lite], liteKey, "bench-lite");
  } finally {
    await lite.finish();
  }
  const db = await freshDatabase(dbUrl);
  try {
    const env = { IPC_DB_URL: db.url, IPC_DB_POOL: "8", IPC_RATE_LIMIT: "off" };
    const pgKey = await secureSetup(ctx, { IPC_DB_URL: db.url }, "bench-pg");
    progress(`figure 16: secure mode, one server on PostgreSQL, wrk -c16 -d${ctx.durationS}s`);
    const s1 = await startElIpc(ctx, "scale-secure-pg-1", { env });
    let one: number;
    try {
      one = await secureRate(ctx, "secure-pg1", [s1], pgKey, "bench-pg");
    } finally {
      await s1.finish();
    }
    progress(`figure 16: secure mode, two servers on PostgreSQL, wrk -c8 each -d${ctx.durationS}s`);
    const a = await startElIpc(ctx, "scale-secure-pg-a", { env });
    const b = await startElIpc(ctx, "scale-secure-pg-b", { env });
    let two: number;
    try {
      two = await secureRate(ctx, "secure-pg2", [a, b], pgKey, "bench-pg");
    } finally {
      await a.finish();
      await b.finish();
    }
    return { sqlite, one, two };
  } finally {
    await db.drop();
  }
}

/** Figure 16, when a PostgreSQL URL was given. */
export async function scaleOut(ctx: BenchContext, dbUrl: string): Promise<Figure> {
  const bodyFile = join(ctx.work, "scale-body.json");
  writeFileSync(bodyFile, SEND_BODY);
  const script = staticPostScript(ctx.work, "scale-send", "/send", bodyFile);
  const wrk = (url: string, connections: number, durationS: number) =>
    runWrk({ url, script, threads: 1, connections, durationS });
  // Server CPU time (user + system) per answered send, in µs, of the last single-server measure.
  const cpuUs = new Map<string, number>();
  const measure = async (servers: ElIpcServer[], label?: string, connections = 16): Promise<number> => {
    await Promise.all(servers.map((s) => wrk(s.url, connections / servers.length, WARMUP_S)));
    const before = servers.map((s) => cpuTicksOf(s.pid));
    const rs: WrkResult[] = await Promise.all(
      servers.map((s) => wrk(s.url, connections / servers.length, ctx.durationS)),
    );
    const ticks = servers.reduce((n, s, i) => n + cpuTicksOf(s.pid) - (before[i] as number), 0);
    const requests = rs.reduce((n, r) => n + r.requests, 0);
    // Clock ticks are 10 ms on Linux.
    if (label) cpuUs.set(label, (ticks * 10_000) / Math.max(1, requests));
    return rs.reduce((n, r) => n + r.okPerSecond, 0);
  };

  progress(`figure 16: one server on SQLite, wrk -c16 -d${ctx.durationS}s`);
  const lite = await startElIpc(ctx, "scale-sqlite");
  let sqliteRate: number;
  let sqliteWide: number;
  try {
    sqliteRate = await measure([lite], "sqlite");
    progress(`figure 16: one server on SQLite, wrk -c${WIDE} -d${ctx.durationS}s`);
    sqliteWide = await measure([lite], undefined, WIDE);
  } finally {
    await lite.finish();
  }

  const db = await freshDatabase(dbUrl);
  const env = { IPC_DB_URL: db.url, IPC_DB_POOL: "8", IPC_RATE_LIMIT: "off" };
  try {
    progress(`figure 16: one server on PostgreSQL, wrk -c16 -d${ctx.durationS}s`);
    const one = await startElIpc(ctx, "scale-pg-1", { env });
    let oneRate: number;
    let oneWide: number;
    try {
      oneRate = await measure([one], "pg");
      progress(`figure 16: one server on PostgreSQL, wrk -c${WIDE} -d${ctx.durationS}s`);
      oneWide = await measure([one], undefined, WIDE);
    } finally {
      await one.finish();
    }
    // The same with commits that do not wait for their WAL flush (what SQLite's IPC_SYNC=normal does not
    // wait for either, though PostgreSQL then loses the last commits on a crash of its own server too).
    progress(
      `figure 16: one server on PostgreSQL with synchronous_commit = off, wrk -c16 -d${ctx.durationS}s`,
    );
    const lazyDb = await freshDatabase(dbUrl, true);
    let lazyRate: number;
    try {
      const lazy = await startElIpc(ctx, "scale-pg-async", { env: { ...env, IPC_DB_URL: lazyDb.url } });
      try {
        lazyRate = await measure([lazy], "pg-async");
      } finally {
        await lazy.finish();
      }
    } finally {
      await lazyDb.drop();
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
    const secure = await secureRates(ctx, dbUrl);
    const secureRatio = secure.one / secure.sqlite;
    const ratio = oneRate / sqliteRate;
    const lazyRatio = lazyRate / sqliteRate;
    const wideRatio = oneWide / sqliteWide;
    const cpu = (k: string): string => `${(cpuUs.get(k) ?? 0).toFixed(1)} µs`;
    return {
      id: 16,
      figure:
        "PostgreSQL scale-out: sends/s (1 SQLite, 1 and 2 PostgreSQL servers), cross-server wake p50 / p99, fan-out to 2,000 over 2 servers",
      target: "1 PostgreSQL server ≥ 0.5× SQLite, both saturated; wake p99 ≤ 20 ms",
      measured: `open: SQLite ${count(sqliteRate)}/s, PostgreSQL 1 server ${count(oneRate)}/s (${ratio.toFixed(2)}×; synchronous_commit = off ${count(lazyRate)}/s, ${lazyRatio.toFixed(2)}×), 2 servers ${count(twoRate)}/s; open at ${WIDE} connections: SQLite ${count(sqliteWide)}/s, PostgreSQL 1 server ${count(oneWide)}/s (${wideRatio.toFixed(2)}×); secure: SQLite ${count(secure.sqlite)}/s, PostgreSQL 1 server ${count(secure.one)}/s (${secureRatio.toFixed(2)}×), 2 servers ${count(secure.two)}/s; wake ${ms(wake.p50)} / ${ms(wake.p99)}; fan-out ${ms(fan.ms)}, ${fan.delivered}/${FANOUT} delivered`,
      pass: wideRatio >= 0.5 && wake.p99 <= 20 && fan.delivered === FANOUT,
      notes: [
        "16 connections in all (8 per server with two) unless said, PostgreSQL on the same machine as the servers and wrk",
        `the goal is judged at ${WIDE} connections, where both servers are saturated: 16 clients saturate SQLite, but leave a PostgreSQL server waiting on commit round trips (about 8 sends per group commit) with the machine partly idle`,
        `server CPU per open-mode send (user + system): SQLite ${cpu("sqlite")}, PostgreSQL ${cpu("pg")}, with synchronous_commit = off ${cpu("pg-async")}`,
        "secure: every send a distinct v2-signed body, verified, its nonce consumed in the shared database; the goal is the open-mode ratio",
      ],
      values: {
        sqliteRate,
        oneRate,
        twoRate,
        ratio,
        lazyRate,
        lazyRatio,
        sqliteWide,
        oneWide,
        wideRatio,
        cpuUs: Object.fromEntries(cpuUs),
        wake,
        fanout: fan,
        secure,
        secureRatio,
      },
    };
  } finally {
    await db.drop();
  }
}
