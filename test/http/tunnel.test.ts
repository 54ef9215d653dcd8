// serve --ngrok: the refusals (open mode, no NGROK_AUTHTOKEN, a missing package) and the wiring, with the
// tunnel opener injected: the public URL reaches the agent card, /mcp accepts its Host, the log has it and
// every loss and return of the connection. The ngrok service cannot be reached from this machine, so the
// live test runs only where EL_IPC_NGROK_LIVE=1 and NGROK_AUTHTOKEN are set.
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { LOCAL } from "../../src/core/caller.js";
import { createQueue } from "../../src/core/queue.js";
import { startHttpServer } from "../../src/http/server.js";
import { exposeServer, ngrokAuthtoken, openNgrokTunnel, type TunnelRequest } from "../../src/http/tunnel.js";
import { createSqliteStore } from "../../src/store/sqlite/index.js";
import { runCli, tempDb } from "../helpers/cli.js";
import { injectServer, type ListeningServer, listeningServer, tempDir, testConfig } from "../helpers/http.js";
import { recordingLogger } from "../security/helpers.js";

const PUBLIC = "https://el-ipc-test.ngrok.app";

describe("serve --ngrok refusals", () => {
  it("needs NGROK_AUTHTOKEN and says where to get it", () => {
    assert.throws(() => ngrokAuthtoken({}), /NGROK_AUTHTOKEN.*dashboard\.ngrok\.com/);
    assert.throws(() => ngrokAuthtoken({ NGROK_AUTHTOKEN: "  " }), /NGROK_AUTHTOKEN/);
    assert.equal(ngrokAuthtoken({ NGROK_AUTHTOKEN: "tok" }), "tok");
  });

  it("refuses an open-mode server before it listens, with the commands that fix it", async () => {
    const t = tempDir();
    try {
      await assert.rejects(
        startHttpServer(testConfig(t.dbPath), {
          logLevel: "silent",
          exposedThrough: "through ngrok",
          allowOpen: true,
        }),
        (e: Error) =>
          /refusing to expose an open-mode server through ngrok/.test(e.message) &&
          /el-ipc seed op-main --out op-main\.key/.test(e.message) &&
          /IPC_API_KEY/.test(e.message),
      );
    } finally {
      t.cleanup();
    }
  });

  it("exposes a server with an API key or an operator", async () => {
    const keyed = await listeningServer({ IPC_API_KEY: "k".repeat(32) });
    await keyed.close();
    const t = tempDir();
    const queue = createQueue({ store: createSqliteStore({ path: t.dbPath }) });
    await queue.seed(LOCAL, "op");
    await queue.close();
    const secure = await startHttpServer(testConfig(t.dbPath), {
      logLevel: "silent",
      exposedThrough: "through ngrok",
    });
    await secure.close();
    t.cleanup();
  });

  it("el-ipc serve --ngrok fails at once without NGROK_AUTHTOKEN, and in open mode with it", async () => {
    const db = tempDb();
    try {
      const env = { ...db.env };
      delete env.NGROK_AUTHTOKEN;
      const started = Date.now();
      const none = await runCli(["serve", "0", "--ngrok"], env);
      assert.equal(none.code, 2, none.stderr);
      assert.match(none.stderr, /^el-ipc: --ngrok needs NGROK_AUTHTOKEN/);
      assert.ok(Date.now() - started < 5000);
      const open = await runCli(["serve", "0", "--ngrok"], { ...env, NGROK_AUTHTOKEN: "not-used" });
      assert.equal(open.code, 1, open.stderr);
      assert.match(open.stderr, /refusing to expose an open-mode server through ngrok/);
      assert.doesNotMatch(open.stderr, /Listening on/);
      const domainAlone = await runCli(["serve", "0", "--ngrok-domain", "x.ngrok.app"], env);
      assert.equal(domainAlone.code, 2, domainAlone.stderr);
    } finally {
      db.cleanup();
    }
  });
});

describe("serve --ngrok wiring", () => {
  let s: ListeningServer;
  const lines: Record<string, unknown>[] = [];
  const asked: TunnelRequest[] = [];
  let closed = 0;
  before(async () => {
    s = await listeningServer({ IPC_API_KEY: "k".repeat(32) });
  });
  after(() => s.close());

  it("forwards the tunnel to the server, puts its URL in the agent card and the log", async () => {
    const tunnel = await exposeServer(s, {
      authtoken: "tok",
      domain: "el-ipc-test.ngrok.app",
      log: recordingLogger(lines),
      open: async (r) => {
        asked.push(r);
        return {
          url: PUBLIC,
          close: async () => {
            closed++;
          },
        };
      },
    });
    assert.equal(tunnel.url, PUBLIC);
    assert.deepEqual(
      asked.map((r) => [r.addr, r.authtoken, r.domain]),
      [[new URL(s.url).host, "tok", "el-ipc-test.ngrok.app"]],
    );
    const card = (await (await fetch(`${s.url}/.well-known/agent-card.json`)).json()) as {
      supportedInterfaces: { url: string }[];
    };
    assert.equal(card.supportedInterfaces[0]?.url, `${PUBLIC}/a2a`);
    assert.ok(lines.some((l) => l.public_url === PUBLIC && String(l.msg).includes(PUBLIC)));
    await tunnel.close();
    assert.equal(closed, 1);
  });

  it("logs a lost connection as a warning and its return", () => {
    const r = asked[0] as TunnelRequest;
    r.onStatus("closed");
    r.onStatus("connected");
    const ngrok = lines.filter((l) => l.ngrok !== undefined).map((l) => [l.level, l.msg]);
    assert.deepEqual(ngrok, [
      [40, "ngrok: connection lost; reconnecting"],
      [30, "ngrok: reconnected"],
    ]);
  });

  it("lets /mcp take the tunnel's Host on a loopback server, and no other", async () => {
    const post = (host: string) =>
      s.app.inject({
        method: "POST",
        url: "/mcp?agent=alice",
        headers: {
          host,
          authorization: `Bearer ${"k".repeat(32)}`,
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
        },
        payload: { jsonrpc: "2.0", id: 1, method: "ping" },
      });
    assert.notEqual((await post(new URL(PUBLIC).host)).statusCode, 403);
    const other = await post("attacker.example");
    assert.equal(other.statusCode, 403, other.body);
  });

  it("lets /mcp take IPC_AGENT_URL's host behind a reverse proxy that passes the public Host", async () => {
    const proxied = await injectServer({ IPC_AGENT_URL: "https://ipc.example.com" });
    try {
      const post = (host: string) =>
        proxied.app.inject({
          method: "POST",
          url: "/mcp?agent=alice",
          headers: {
            host,
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
          },
          payload: { jsonrpc: "2.0", id: 1, method: "ping" },
        });
      assert.equal((await post("ipc.example.com")).statusCode, 200);
      assert.equal((await post("attacker.example")).statusCode, 403);
    } finally {
      await proxied.close();
    }
  });
});

describe("serve --ngrok live", () => {
  const live = process.env.EL_IPC_NGROK_LIVE === "1" && !!process.env.NGROK_AUTHTOKEN;
  it("opens a real tunnel and reaches /health through it", {
    skip: live
      ? false
      : "the ngrok service cannot be reached from this machine; set EL_IPC_NGROK_LIVE=1 and NGROK_AUTHTOKEN where it can",
  }, async () => {
    const s = await listeningServer({ IPC_API_KEY: "k".repeat(32) });
    try {
      const tunnel = await exposeServer(s, {
        authtoken: process.env.NGROK_AUTHTOKEN as string,
        log: recordingLogger([]),
        open: openNgrokTunnel,
      });
      try {
        assert.match(tunnel.url, /^https:\/\//);
        const health = (await (await fetch(`${tunnel.url}/health`)).json()) as { status: string };
        assert.equal(health.status, "ok");
      } finally {
        await tunnel.close();
      }
    } finally {
      await s.close();
    }
  });
});
