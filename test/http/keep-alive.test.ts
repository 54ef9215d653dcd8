// Idle keep-alive connections (issue 14): a busy server must not reset a connection whose new request
// arrived while it was busy, just because the idle timer expired meanwhile; idle ones still close, cleanly.
import * as assert from "node:assert/strict";
import { connect, createServer, type Server, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import { queueOptionsOf } from "../../src/config.js";
import { createQueue, type Queue } from "../../src/core/queue.js";
import { createHttpServer } from "../../src/http/server.js";
import { createSqliteStore } from "../../src/store/sqlite/index.js";
import { tempDir, testConfig } from "../helpers/http.js";

/** Keep-alive timeout of the test server; Node closes idle sockets 1 s after it. */
const KEEP_ALIVE_MS = 200;
const CLOSES_AFTER_MS = KEEP_ALIVE_MS + 1000;
const REQUEST = "GET /health HTTP/1.1\r\nHost: test\r\n\r\n";

/** Reads one response (headers and content-length body) from `socket`, or how the socket ended. */
function nextResponse(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    const done = (what: string): void => {
      socket.off("data", onData);
      socket.off("error", onError);
      socket.off("end", onEnd);
      resolve(what);
    };
    const onData = (d: Buffer): void => {
      text += d.toString("latin1");
      const end = text.indexOf("\r\n\r\n");
      const len = Number(/content-length: (\d+)/i.exec(text)?.[1] ?? Number.NaN);
      if (end >= 0 && text.length >= end + 4 + len) done(text.split("\r\n", 1)[0] ?? "");
    };
    const onError = (e: NodeJS.ErrnoException): void => done(`error ${e.code}`);
    const onEnd = (): void => done("end");
    socket.on("data", onData);
    socket.on("error", onError);
    socket.on("end", onEnd);
  });
}

function busyUntil(t: number): void {
  while (performance.now() < t) {
    // the server's event loop is held, as by a burst of thousands of connections
  }
}

describe("idle keep-alive connections", () => {
  const t = tempDir();
  let queue: Queue;
  let app: FastifyInstance;
  let port = 0;
  before(async () => {
    const config = testConfig(t.dbPath);
    queue = createQueue({ ...queueOptionsOf(config), store: createSqliteStore({ path: t.dbPath }) });
    app = createHttpServer({
      queue,
      config,
      logLevel: "silent",
      timeouts: { keepAliveMs: KEEP_ALIVE_MS, requestMs: 1000, headersMs: 500, checkIntervalMs: 100 },
    });
    await app.listen({ host: "127.0.0.1", port: 0 });
    port = (app.server.address() as { port: number }).port;
  });
  after(async () => {
    await app.close();
    await queue.close();
    t.cleanup();
  });

  it("answers a request that arrived while the server was busy past the idle timeout", async () => {
    const socket = connect(port, "127.0.0.1");
    socket.write(REQUEST);
    assert.equal(await nextResponse(socket), "HTTP/1.1 200 OK");
    const answered = performance.now();
    // Busy inside an I/O callback (the poll phase), so the next loop turn runs the expired idle timer
    // before it reads the request that is already waiting in the socket.
    const helper: Server = createServer((s) => {
      s.once("data", () => {
        socket.write(REQUEST);
        busyUntil(answered + CLOSES_AFTER_MS + 300);
      });
    });
    await new Promise<void>((r) => helper.listen(0, "127.0.0.1", r));
    const poke = connect((helper.address() as { port: number }).port, "127.0.0.1");
    await new Promise((r) => poke.once("connect", r));
    setTimeout(() => poke.write("x"), Math.max(0, answered + CLOSES_AFTER_MS - 100 - performance.now()));
    const second = await nextResponse(socket);
    poke.destroy();
    socket.destroy();
    helper.close();
    assert.equal(second, "HTTP/1.1 200 OK");
  });

  it("still closes a connection that stays idle, with a FIN rather than a reset", async () => {
    const socket = connect(port, "127.0.0.1");
    socket.write(REQUEST);
    assert.equal(await nextResponse(socket), "HTTP/1.1 200 OK");
    const t0 = performance.now();
    assert.equal(await nextResponse(socket), "end");
    assert.ok(performance.now() - t0 >= CLOSES_AFTER_MS - 50, "not before the idle timeout");
    socket.destroy();
  });

  it("a long-poll parked on a reused connection outlives the request and header timeouts", async () => {
    const socket = connect(port, "127.0.0.1");
    socket.write(REQUEST);
    assert.equal(await nextResponse(socket), "HTTP/1.1 200 OK");
    // Parked 2 s, twice the request timeout, on the socket of the request before.
    const t0 = performance.now();
    socket.write("GET /messages?channel=ka&agent=a&wait=true&timeout=2 HTTP/1.1\r\nHost: test\r\n\r\n");
    assert.equal(await nextResponse(socket), "HTTP/1.1 200 OK");
    assert.ok(performance.now() - t0 >= 1900, "answered at the wait's end, not cut off");
    socket.destroy();
  });
});

describe("closing with a connection that never sent a request", () => {
  it("does not wait for the headers timeout (undici opens such spares after an aborted stream)", async () => {
    const t = tempDir();
    const config = testConfig(t.dbPath);
    const q = createQueue({ ...queueOptionsOf(config), store: createSqliteStore({ path: t.dbPath }) });
    const app = createHttpServer({ queue: q, config, logLevel: "silent" });
    await app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = app.server.address() as { port: number };
    const silent = connect(port, "127.0.0.1");
    await new Promise((r) => silent.once("connect", r));
    const ended = new Promise((r) => silent.once("close", r));
    const started = Date.now();
    await app.close();
    await ended;
    assert.ok(Date.now() - started < 5000, `close took ${Date.now() - started} ms`);
    await q.close();
    t.cleanup();
  });
});
