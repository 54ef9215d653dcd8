// `el-ipc tail`: one JSON line per message, acknowledged after printing, through a real server that is
// stopped and started again on the same port in the middle: every message arrives at least once.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { after, describe, it } from "node:test";
import { cliJson, freePort, runCli, spawnCli, startServerProcess, tempDb } from "../helpers/cli.js";

/** Collects the JSON lines a child prints. */
function lines(child: ChildProcess): { ids: () => number[]; until(n: number, ms?: number): Promise<void> } {
  const seen: number[] = [];
  let buf = "";
  const waiters: (() => void)[] = [];
  child.stdout?.on("data", (d) => {
    buf += d;
    let nl = buf.indexOf("\n");
    while (nl >= 0) {
      seen.push((JSON.parse(buf.slice(0, nl)) as { id: number }).id);
      buf = buf.slice(nl + 1);
      nl = buf.indexOf("\n");
    }
    for (const w of waiters.splice(0)) w();
  });
  return {
    ids: () => [...seen],
    until(n, ms = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${seen.length} of ${n} lines: ${seen}`)), ms);
        const check = () => {
          if (new Set(seen).size >= n) {
            clearTimeout(timer);
            resolve();
          } else waiters.push(check);
        };
        check();
      });
    },
  };
}

describe("el-ipc tail", () => {
  const t = tempDb();
  const children: ChildProcess[] = [];
  after(() => {
    for (const c of children) c.kill("SIGKILL");
    t.cleanup();
  });

  it("prints each message on its own line as it arrives, locally, and acknowledges it", async () => {
    const tail = spawnCli(["tail", "local-a,local-b", "watcher"], t.env);
    children.push(tail);
    const out = lines(tail);
    await cliJson(["send", "local-a", "alice", "one"], t.env);
    await cliJson(["send", "local-b", "alice", "two"], t.env);
    await out.until(2);
    tail.kill("SIGTERM");
    await new Promise((r) => tail.once("close", r));
    assert.deepEqual(await cliJson(["read", "local-a,local-b", "watcher"], t.env), []);
  });

  it("survives a server restart: every message is printed at least once", async () => {
    const port = String(await freePort());
    let server = await startServerProcess(t.env, [], port);
    const remote = { ...t.env, IPC_URL: server.url, IPC_DB_PATH: "/nonexistent/never/ipc.db" };
    const tail = spawnCli(["tail", "jobs", "worker"], remote);
    children.push(tail);
    const out = lines(tail);
    const sent: number[] = [];
    const send = async (env: NodeJS.ProcessEnv, text: string) =>
      sent.push((await cliJson<{ id: number }>(["send", "jobs", "boss", text], env)).id);
    for (const n of [1, 2, 3]) await send(remote, `before ${n}`);
    await out.until(3);
    await server.stop();
    // While the server is down, messages still reach the database.
    for (const n of [4, 5]) await send(t.env, `during ${n}`);
    server = await startServerProcess(t.env, [], port);
    try {
      for (const n of [6, 7]) await send(remote, `after ${n}`);
      await out.until(7, 30_000);
      assert.deepEqual(
        [...new Set(out.ids())].sort((a, b) => a - b),
        sent,
      );
      tail.kill("SIGTERM");
      await new Promise((r) => tail.once("close", r));
      // Everything printed was acknowledged: nothing is left unread for the worker.
      assert.deepEqual(await cliJson(["read", "jobs", "worker"], t.env), []);
    } finally {
      await server.stop();
    }
  });

  it("a bad channel name is a one-line usage error", async () => {
    const r = await runCli(["tail", "bad name", "worker"], t.env);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^el-ipc: [^\n]+\n$/);
  });
});
