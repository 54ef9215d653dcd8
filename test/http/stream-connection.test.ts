// GET /stream connections on a real server: keep-alives, shutdown, server timeouts, the per-agent cap,
// backpressure from a client that does not read, and a client that leaves while the stream opens.
import * as assert from "node:assert/strict";
import { get } from "node:http";
import { describe, it } from "node:test";
import { createQueue } from "../../src/core/queue.js";
import { CLOSE_GRACE_MS, createHttpServer } from "../../src/http/server.js";
import { createSqliteStore } from "../../src/store/sqlite/index.js";
import { startServerProcess } from "../helpers/cli.js";
import { tempDir, testConfig, until } from "../helpers/http.js";
import { openSse, settled, streamServer, take } from "../helpers/sse.js";

describe("GET /stream, connection handling", () => {
  it("sends keep-alive comments while idle", async () => {
    const s = await streamServer(30);
    const c = await openSse(`${s.url}/stream?channel=idle&agent=bob`);
    try {
      assert.equal(await c.nextComment(), "keep-alive");
      assert.equal(await c.nextComment(), "keep-alive");
      assert.equal(c.buffered(), 0);
    } finally {
      c.disconnect();
      await s.close();
    }
  });

  it("server close ends open streams at once", async () => {
    const s = await streamServer();
    const c = await openSse(`${s.url}/stream?channel=bye&agent=bob`);
    assert.ok(await until(() => s.queue.waiting() === 1));
    const t0 = Date.now();
    await s.close();
    await c.ended;
    assert.ok(Date.now() - t0 < 2000, `close took ${Date.now() - t0} ms`);
  });

  it("serve stops at once even when a client aborted its fetch of a stream but kept the socket", async () => {
    const t = tempDir();
    const server = await startServerProcess({ ...process.env, IPC_DB_PATH: t.dbPath });
    try {
      const ac = new AbortController();
      const res = await fetch(`${server.url}/stream?channel=gone&agent=bob`, { signal: ac.signal });
      assert.equal(res.status, 200);
      const reading = res.body?.getReader().read();
      ac.abort();
      await reading?.catch(() => undefined);
      const t0 = Date.now();
      const r = await server.stop();
      assert.equal(r.code, 0, r.stderr);
      // The spare socket undici opens after an aborted stream used to hold the close for 60 s.
      assert.ok(Date.now() - t0 < CLOSE_GRACE_MS + 10_000, `stopping took ${Date.now() - t0} ms`);
    } finally {
      server.child.kill("SIGKILL");
      t.cleanup();
    }
  });

  it("outlives the server's request and header timeouts", async () => {
    const t = tempDir();
    const config = testConfig(t.dbPath);
    const queue = createQueue({ store: createSqliteStore({ path: t.dbPath }) });
    const app = createHttpServer({
      queue,
      config,
      logLevel: "silent",
      timeouts: { requestMs: 200, headersMs: 100, checkIntervalMs: 50 },
    });
    const url = await app.listen({ host: "127.0.0.1", port: 0 });
    try {
      const c = await openSse(`${url}/stream?channel=long&agent=bob`);
      await new Promise((r) => setTimeout(r, 600));
      const { id } = await queue.send({ channel: "long", sender: "alice", content: "still there" });
      assert.deepEqual(
        (await take(c, 1)).map((m) => m.id),
        [id],
      );
      c.disconnect();
    } finally {
      await app.close();
      await queue.close();
      t.cleanup();
    }
  });

  it("counts as one of the agent's waiting reads (IPC_MAX_WAITS_PER_AGENT)", async () => {
    const s = await streamServer(15_000, { IPC_MAX_WAITS_PER_AGENT: "1" });
    try {
      const first = await openSse(`${s.url}/stream?channel=capped&agent=bob`);
      assert.equal(first.status, 200);
      const second = await openSse(`${s.url}/stream?channel=capped&agent=bob`);
      assert.equal(second.status, 429, second.body);
      first.disconnect();
      assert.ok(await until(() => s.queue.waiting() === 0));
      const third = await openSse(`${s.url}/stream?channel=capped&agent=bob`);
      assert.equal(third.status, 200, third.body);
      third.disconnect();
    } finally {
      await s.close();
    }
  });

  it("stops reading while the client does not read (backpressure), and then delivers everything", async () => {
    const s = await streamServer();
    try {
      const n = 600;
      const content = "x".repeat(60_000);
      for (let i = 0; i < n; i += 100) {
        await s.queue.sendBatch(
          Array.from({ length: 100 }, () => ({ channel: "flood", sender: "alice", content })),
        );
      }
      // A raw request whose response is never read: the socket fills up and the server must wait.
      const res = await new Promise<import("node:http").IncomingMessage>((resolve, reject) => {
        get(`${s.url}/stream?channel=flood&agent=slow&autoack=true`, resolve).on("error", reject);
      });
      res.pause();
      let last = -1;
      let stable = 0;
      while (stable < 10) {
        await new Promise((r) => setTimeout(r, 30));
        const p = await s.pending("flood", "slow");
        stable = p === last ? stable + 1 : 0;
        last = p;
      }
      assert.ok(
        last > n / 3,
        `the server wrote ${n - last} of ${n} 60 kB events to a client that reads nothing`,
      );
      let buf = "";
      let events = 0;
      res.setEncoding("utf8");
      await new Promise<void>((resolve) => {
        res.on("data", (d: string) => {
          buf += d;
          for (let i = buf.indexOf("\n\n"); i >= 0; i = buf.indexOf("\n\n")) {
            if (buf.startsWith("id: ")) events++;
            buf = buf.slice(i + 2);
          }
          if (events === n) resolve();
        });
        res.resume();
      });
      assert.equal(await settled(() => s.pending("flood", "slow"), 0), 0);
      res.destroy();
    } finally {
      await s.close();
    }
  });

  it("a client that leaves while its stream is being opened leaves nothing waiting", async () => {
    const t = tempDir();
    const queue = createQueue({ store: createSqliteStore({ path: t.dbPath }) });
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let opening = false;
    // The same queue, except that opening a stream waits for the test.
    const slow = {
      ...queue,
      async stream(...args: Parameters<typeof queue.stream>) {
        opening = true;
        await gate;
        return queue.stream(...args);
      },
    };
    const app = createHttpServer({ queue: slow, config: testConfig(t.dbPath), logLevel: "silent" });
    const url = await app.listen({ host: "127.0.0.1", port: 0 });
    let socketClosed = false;
    app.server.on("connection", (socket) => socket.on("close", () => (socketClosed = true)));
    try {
      const ac = new AbortController();
      const res = fetch(`${url}/stream?channel=early&agent=bob`, { signal: ac.signal });
      assert.ok(await until(() => opening), "the request reached queue.stream");
      ac.abort();
      await assert.rejects(res);
      assert.ok(await until(() => socketClosed), "the server saw the client leave");
      release();
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(queue.waiting(), 0, "a stream nobody listens to is parked");
    } finally {
      await app.close();
      await queue.close();
      t.cleanup();
    }
  });
});
