// A remote `read --wait` (IPC_URL) behaves like a local one: signals end it quietly with 128 + signal,
// a server restart or dropped connection does not wake it, and only permanent answers end it with an error.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { cliJson, delay, finished, runCli, spawnCli, startServerProcess, tempDb } from "../helpers/cli.js";

interface Msg {
  id: number;
  content: string;
}

const portOf = (url: string): string => new URL(url).port;

describe("remote read --wait", () => {
  const t = tempDb();
  after(() => t.cleanup());

  for (const stop of ["SIGTERM", "SIGKILL"] as const) {
    it(`outlives a server restart (${stop}) and prints the message sent after it`, async () => {
      const first = await startServerProcess(t.env);
      const remote = { ...t.env, IPC_URL: first.url, IPC_DB_PATH: "/nonexistent/never/ipc.db" };
      const channel = `restart-${stop.toLowerCase()}`;
      const reader = spawnCli(["read", channel, "rita", "--wait"], remote);
      const done = finished(reader);
      await delay(700);
      const gone = new Promise((resolve) => first.child.once("exit", resolve));
      first.child.kill(stop);
      await gone;
      // The reader now meets a closed port for a while; it must keep waiting, not fail.
      await delay(1500);
      assert.equal(reader.exitCode, null, "the reader gave up while the server was down");
      const second = await startServerProcess(t.env, [], portOf(first.url));
      try {
        assert.equal(second.url, first.url);
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
      }
    });
  }

  it("exits 143 on SIGTERM and 130 on SIGINT without printing, waiting or retrying", async () => {
    const server = await startServerProcess(t.env);
    const remote = { ...t.env, IPC_URL: server.url, IPC_DB_PATH: "/nonexistent/never/ipc.db" };
    try {
      for (const [signal, code] of [
        ["SIGTERM", 143],
        ["SIGINT", 130],
      ] as const) {
        const reader = spawnCli(["read", "quiet", "quinn", "--wait"], remote);
        const done = finished(reader);
        await delay(600);
        reader.kill(signal);
        const r = await done;
        assert.deepEqual([r.code, r.stdout, r.stderr], [code, "", ""], `${signal} while waiting`);
      }
      // While the server is down the reader is between retries: a signal ends it the same way.
      const reader = spawnCli(["read", "quiet", "quinn", "--wait"], {
        ...remote,
        IPC_URL: "http://127.0.0.1:1",
      });
      const done = finished(reader);
      await delay(900);
      reader.kill("SIGTERM");
      const r = await done;
      assert.deepEqual([r.code, r.stdout], [143, ""], r.stderr);
      // Nothing was acknowledged by the stopped readers.
      await cliJson(["send", "quiet", "sam", "kept"], remote);
      const left = await cliJson<Msg[]>(["read", "quiet", "quinn"], remote);
      assert.deepEqual(
        left.map((m) => m.content),
        ["kept"],
      );
    } finally {
      await server.stop();
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
