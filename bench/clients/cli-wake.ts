// Bench client for figure 7: a long-poll waits on the server while a separate `el-ipc send` process writes
// the same database; wake-up = long-poll answer arrived − the message's stored timestamp (taken just
// before its commit). Usage: cli-wake <url> <cli> <db> <rounds>
import { spawn } from "node:child_process";
import { Agent } from "node:http";
import { cleanEnv } from "../lib/procs.js";
import { call, sleep } from "./http.js";

const [url, cli, db, roundsArg] = process.argv.slice(2);
if (!url || !cli || !db) {
  process.stderr.write("usage: cli-wake <url> <cli> <db> [rounds]\n");
  process.exit(2);
}
const cliPath: string = cli;
const rounds = Number(roundsArg ?? 50);
const budgetMs = 90_000;
const env = cleanEnv({ IPC_DB_PATH: db });
const reader = new Agent({ keepAlive: true, maxSockets: 1 });

function cliSend(text: string): Promise<{ code: number | null; exitedAt: number }> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [cliPath, "send", "cli-wake", "cli-writer", text], {
      env,
      stdio: "ignore",
    });
    c.once("error", reject);
    c.once("exit", (code) => resolve({ code, exitedAt: performance.timeOrigin + performance.now() }));
  });
}

const fromCommit: number[] = [];
const fromExit: number[] = [];
const start = performance.now();
for (let i = 0; i < rounds && performance.now() - start < budgetMs; i++) {
  const poll = call(reader, url, "GET", "/messages?channel=cli-wake&agent=cli-reader&wait=true&timeout=30");
  await sleep(20);
  const [got, sent] = await Promise.all([poll, cliSend(`wake ${i}`)]);
  if (sent.code !== 0) throw new Error(`el-ipc send exited ${sent.code}`);
  const msgs = JSON.parse(got.body) as { timestamp: number }[];
  const m = msgs[0];
  if (got.status !== 200 || !m)
    throw new Error(`long-poll answered ${got.status}: ${got.body.slice(0, 200)}`);
  const arrived = performance.timeOrigin + got.at;
  fromCommit.push(arrived - m.timestamp * 1000);
  fromExit.push(arrived - sent.exitedAt);
}
reader.destroy();
process.stdout.write(`${JSON.stringify({ fromCommit, fromExit })}\n`);
