// Ordinary use of a server before a fan-out (issue 14): sends, peeks and acks, paged reads, a multi-channel
// wait, a CLI `read --wait` from another process on the same database, and an SSE stream the client drops.
import { spawn } from "node:child_process";
import { Agent, request } from "node:http";
import { type Answer, call, sleep } from "../clients/http.js";
import { cleanEnv } from "./procs.js";

/** Where the warm-up runs: the server's URL, the built CLI and the server's database file. */
export interface WarmUpTarget {
  url: string;
  cli: string;
  dbPath: string;
}

function ok(a: Answer, what: string): Answer {
  if (a.status !== 200) throw new Error(`warm-up: ${what} answered ${a.status}: ${a.body.slice(0, 200)}`);
  return a;
}

/** Opens GET /stream, waits for its first event, then drops the connection without reading further. */
function dropStream(url: string, path: string, wake: () => Promise<unknown>): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, url), (res) => {
      res.once("data", () => {
        req.destroy();
        resolve();
      });
      void wake().catch(reject);
    });
    req.on("error", (e: NodeJS.ErrnoException) => {
      if (req.destroyed && e.code === "ECONNRESET") resolve();
      else reject(e);
    });
    req.setTimeout(15_000, () => req.destroy(new Error("warm-up: the stream sent nothing")));
    req.end();
  });
}

/** Runs the warm-up once; throws if any step did not answer as it should. */
export async function warmUp(t: WarmUpTarget): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const send = (channel: string, content: string): Promise<Answer> =>
    call(agent, t.url, "POST", "/send", { body: JSON.stringify({ channel, sender: "warm", content }) }).then(
      (a) => ok(a, "send"),
    );
  try {
    for (let i = 0; i < 30; i++) await send(i % 2 ? "warm-a" : "warm-b", `hello ${i}`);
    // Peek, then ack what was peeked.
    const peeked = JSON.parse(
      ok(await call(agent, t.url, "GET", "/messages?channel=warm-a&agent=r1&peek=true&limit=5"), "peek").body,
    ) as { id: number }[];
    const last = peeked[peeked.length - 1];
    if (last) {
      const body = JSON.stringify({ channel: "warm-a", agent: "r1", id: last.id });
      ok(await call(agent, t.url, "POST", "/ack", { body }), "ack");
    }
    // Paged reads until empty.
    for (let page = 0; page < 20; page++) {
      const a = ok(
        await call(agent, t.url, "GET", "/messages?channel=warm-a,warm-b&agent=r2&limit=4"),
        "read",
      );
      if ((JSON.parse(a.body) as unknown[]).length === 0) break;
    }
    // A multi-channel wait, answered by a send on the second channel.
    const waiting = call(
      agent,
      t.url,
      "GET",
      "/messages?channel=warm-c,warm-d&agent=r3&wait=true&timeout=20",
    );
    await sleep(100);
    await send("warm-d", "wake the multi-channel wait");
    ok(await waiting, "multi-channel wait");
    // A CLI reader in another process on the same database, woken by an HTTP send.
    const reader = spawn(
      process.execPath,
      [t.cli, "read", "warm-cli", "cli-reader", "--wait", "--timeout", "20"],
      {
        env: cleanEnv({ IPC_DB_PATH: t.dbPath }),
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    reader.stdout.on("data", (d: Buffer) => {
      out += d;
    });
    const exited = new Promise<number | null>((r) => reader.once("exit", r));
    await sleep(500);
    await send("warm-cli", "wake the CLI reader");
    if ((await exited) !== 0 || !out.includes("wake the CLI reader"))
      throw new Error(`warm-up: the CLI reader did not get its message: ${out.slice(0, 200)}`);
    // An SSE stream that the client drops after its first event.
    await dropStream(t.url, "/stream?channel=warm-e&agent=r4", () => send("warm-e", "one event"));
  } finally {
    agent.destroy();
  }
}
