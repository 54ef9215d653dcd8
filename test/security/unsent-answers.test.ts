// Answers cannot make the server hold unbounded memory: a page is bounded in bytes (IPC_MAX_PAGE_BYTES),
// answers are written with backpressure, and the bytes held for unsent answers are capped server-wide
// (IPC_MAX_UNSENT_BYTES, half of it per client address): clients that ask for large pages and never read
// their sockets get 503 with Retry-After beyond it, while other clients are still served.

import * as assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import { queueOptionsOf } from "../../src/config.js";
import { ANONYMOUS } from "../../src/core/caller.js";
import { createQueue, type Queue } from "../../src/core/queue.js";
import { createAnswerBudget, type ServerAnswerBudget } from "../../src/http/answer-budget.js";
import { createHttpServer } from "../../src/http/server.js";
import { createSqliteStore } from "../../src/store/sqlite/index.js";
import { tempDir, testConfig } from "../helpers/http.js";

const MIB = 1024 * 1024;
// Larger than what the kernel buffers for a socket nobody reads (tcp_wmem up to 4 MiB here).
const PAGE = 16 * MIB;
const CONTENT = "x".repeat(60_000);

describe("bytes held for unsent answers", () => {
  const t = tempDir();
  let app: FastifyInstance;
  let queue: Queue;
  let budget: ServerAnswerBudget;
  let port = 0;
  const serverSockets = new Set<Socket>();

  before(async () => {
    const config = testConfig(t.dbPath, { IPC_MAX_PAGE_BYTES: String(PAGE) });
    queue = createQueue({ ...queueOptionsOf(config), store: createSqliteStore({ path: t.dbPath }) });
    budget = createAnswerBudget(2 * PAGE);
    app = createHttpServer({ queue, config, answerBudget: budget });
    app.server.on("connection", (s: Socket) => {
      serverSockets.add(s);
      s.on("close", () => serverSockets.delete(s));
    });
    const url = await app.listen({ host: "127.0.0.1", port: 0 });
    port = Number(new URL(url).port);
    // A backlog of 400 messages of 60 KB: 24 MB.
    await queue.sendBatch(
      Array.from({ length: 400 }, () => ({ channel: "big", sender: "w", content: CONTENT })),
    );
  });
  after(async () => {
    await app.close();
    await queue.close();
    t.cleanup();
  });

  it("bounds a page in bytes (IPC_MAX_PAGE_BYTES), and always gives at least one message", async () => {
    const r = await app.inject({ url: "/messages?channel=big&agent=pager&limit=1000&peek=true" });
    assert.equal(r.statusCode, 200, r.body.slice(0, 200));
    const page = r.json() as unknown[];
    assert.ok(page.length >= 1 && page.length < 400, `${page.length} messages`);
    assert.ok(r.rawPayload.length <= PAGE + 64 * 1024, `${r.rawPayload.length} bytes`);
    const tiny = createQueue({
      store: createSqliteStore({ path: t.dbPath }),
      limits: { pageBytes: 10 },
    });
    try {
      const one = await tiny.read(ANONYMOUS, { channels: ["big"], agent: "tiny", limit: 1000 });
      assert.equal(one.length, 1);
    } finally {
      await tiny.close();
    }
  });

  it("keeps what it holds for clients that never read bounded, answers 503 beyond, and serves others", async (t) => {
    const stalled: Socket[] = [];
    for (let i = 0; i < 8; i++) {
      const s = connect(port, "127.0.0.1");
      s.pause();
      s.write(`GET /messages?channel=big&agent=stalled${i}&limit=1000 HTTP/1.1\r\nHost: x\r\n\r\n`);
      stalled.push(s);
    }
    try {
      await new Promise((r) => setTimeout(r, 1_000));
      const queued = [...serverSockets].reduce((n, s) => n + s.writableLength, 0);
      t.diagnostic(`held for unsent answers: ${budget.held()} bytes; queued on sockets: ${queued} bytes`);
      assert.ok(budget.held() <= budget.maxBytes, `held ${budget.held()}`);
      assert.ok(queued <= MIB, `the server queued ${queued} bytes for sockets nobody reads`);

      // The same address is over its share: 503 with Retry-After, and its watermark stays.
      const refused = await app.inject({ url: "/messages?channel=big&agent=same&limit=1000" });
      assert.equal(refused.statusCode, 503, refused.body.slice(0, 200));
      assert.equal(refused.json().code, "unavailable");
      assert.equal(refused.headers["retry-after"], "1");
      assert.equal(
        (await queue.read(ANONYMOUS, { channels: ["big"], agent: "same", limit: 1, peek: true }))[0]?.id,
        1,
      );
      // Another address still gets its page; /health and sends are served.
      const other = await app.inject({
        url: "/messages?channel=big&agent=other&limit=1000",
        remoteAddress: "10.0.0.9",
      });
      assert.equal(other.statusCode, 200, other.body.slice(0, 200));
      assert.ok((other.json() as unknown[]).length >= 1);
      assert.equal((await app.inject({ url: "/health" })).statusCode, 200);
    } finally {
      for (const s of stalled) s.destroy();
    }
    // Once those clients are gone, what they held is given back.
    const deadline = Date.now() + 5_000;
    while (budget.held() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(budget.held(), 0);
    const again = await app.inject({ url: "/messages?channel=big&agent=same&limit=1000" });
    assert.equal(again.statusCode, 200);
  });
});
