// A remote `read --wait` (IPC_URL) behaves like a local one: signals end it quietly with 128 + signal,
// a server restart or dropped connection does not wake it, and only permanent answers end it with an error.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { cliJson, delay, finished, runCli, spawnCli, startServerProcess, tempDb } from "../helpers/cli.js";
import { startRelay } from "../helpers/relay.js";

interface Msg {
  id: number;
  content: string;
}

/** The head of a waiting read's request (`read --wait` long-polls GET /messages). */
const WAITING_READ = /^GET \/messages\?[^ ]*wait=true/;

describe("remote read --wait", () => {
  const t = tempDb();
  after(() => t.cleanup());

  for (const stop of ["SIGTERM", "SIGKILL"] as const) {
    it(`outlives a server restart (${stop}) and prints the message sent after it`, async () => {
      const first = await startServerProcess(t.env);
      // The reader talks to a relay, so the test knows when its wait reached the server and can put the
      // second server behind the same address.
      const relay = await startRelay(first.url);
      const remote = { ...t.env, IPC_URL: relay.url, IPC_DB_PATH: "/nonexistent/never/ipc.db" };
      const channel = `restart-${stop.toLowerCase()}`;
      const reader = spawnCli(["read", channel, "rita", "--wait"], remote);
      const done = finished(reader);
      await relay.waitForRequest(WAITING_READ);
      const gone = new Promise((resolve) => first.child.once("exit", resolve));
      // Nothing behind the relay until the second server is up (the old port could be taken by another).
      relay.retarget(undefined);
      first.child.kill(stop);
      await gone;
      // The reader now meets a closed port for a while; it must keep waiting, not fail.
      await delay(1500);
      assert.equal(reader.exitCode, null, "the reader gave up while the server was down");
      const second = await startServerProcess(t.env);
      relay.retarget(second.url);
      try {
        await cliJson(["send", channel, "sam", "after", "restart"], remote);
        const r = await done;
        assert.equal(r.code, 0, r.stderr);
        const msgs = JSON.parse(r.stdout) as Msg[];
        assert.deepEqual(
          msgs.map((m) => m.content),
          ["after restart"],
        );
        assert.match(r.stderr, /waiting for the server to come back/);
        // The watermark moved once, after printing: nothing is left unread.
        assert.deepEqual(await cliJson(["read", channel, "rita"], remote), []);
      } finally {
        reader.kill("SIGKILL");
        await second.stop();
        await relay.close();
      }
    });
  }

  it("exits 143 on SIGTERM and 130 on SIGINT without printing, waiting or retrying", async () => {
    const server = await startServerProcess(t.env);
    const relay = await startRelay(server.url);
    const remote = { ...t.env, IPC_URL: relay.url, IPC_DB_PATH: "/nonexistent/never/ipc.db" };
    const readers: ReturnType<typeof spawnCli>[] = [];
    try {
      let waits = 0;
      for (const [signal, code] of [
        ["SIGTERM", 143],
        ["SIGINT", 130],
      ] as const) {
        const reader = spawnCli(["read", "quiet", "quinn", "--wait"], remote);
        readers.push(reader);
        const done = finished(reader);
        await relay.waitForRequest(WAITING_READ, ++waits);
        reader.kill(signal);
        const r = await done;
        assert.deepEqual([r.code, r.stdout, r.stderr], [code, "", ""], `${signal} while waiting`);
      }
      // While the server is down the reader is between retries: a signal ends it the same way.
      const dead = await startRelay("http://127.0.0.1:1");
      const reader = spawnCli(["read", "quiet", "quinn", "--wait"], { ...remote, IPC_URL: dead.url });
      readers.push(reader);
      const done = finished(reader);
      await dead.waitForRequest(WAITING_READ);
      reader.kill("SIGTERM");
      const r = await done;
      assert.deepEqual([r.code, r.stdout], [143, ""], r.stderr);
      await dead.close();
      // Nothing was acknowledged by the stopped readers.
      await cliJson(["send", "quiet", "sam", "kept"], remote);
      const left = await cliJson<Msg[]>(["read", "quiet", "quinn"], remote);
      assert.deepEqual(
        left.map((m) => m.content),
        ["kept"],
      );
    } finally {
      for (const r of readers) r.kill("SIGKILL");
      await server.stop();
      await relay.close();
    }
  });

  it("ends with an error on permanent answers (404, 401)", async () => {
    const server = await startServerProcess({ ...t.env, IPC_API_KEY: "s3cret-token" });
    try {
      const base = { ...t.env, IPC_DB_PATH: "/nonexistent/never/ipc.db" };
      const notFound = await runCli(["read", "x", "quinn", "--wait"], {
        ...base,
        IPC_URL: `${server.url}/no/such/prefix`,
        IPC_API_KEY: "s3cret-token",
      });
      assert.equal(notFound.code, 1, notFound.stderr);
      assert.match(notFound.stderr, /^el-ipc: /);
      const unauthorized = await runCli(["read", "x", "quinn", "--wait"], { ...base, IPC_URL: server.url });
      assert.equal(unauthorized.code, 1, unauthorized.stderr);
      assert.match(unauthorized.stderr, /^el-ipc: /);
    } finally {
      await server.stop();
    }
  });
});
