// docs/nginx.conf as written, in front of two el-ipc servers on one PostgreSQL database: long-polls woken
// by a send through the same address (whichever server each lands on), SSE events passed through at once
// (no buffering), and a long-poll's own timeout answered, not cut by the proxy. Skips without nginx
// (apt-get install -y nginx) or PostgreSQL.
import { strict as assert } from "node:assert";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Delivered } from "../../src/core/types.js";
import { type RunningHttpServer, startHttpServer } from "../../src/http/server.js";
import { freePort } from "../helpers/cli.js";
import { makeTempDir, REPO_ROOT } from "../helpers/fixtures.js";
import { postJson, testConfig } from "../helpers/http.js";
import { makePostgresDatabase, pgUnavailable, type TestPgDatabase } from "../helpers/postgres.js";
import { openSse, take } from "../helpers/sse.js";

const NGINX = ["/usr/sbin/nginx", "nginx"].find((n) => spawnSync(n, ["-v"]).status === 0);
const skip = NGINX ? await pgUnavailable() : "nginx is not installed (apt-get install -y nginx)";

describe("docs/nginx.conf in front of two servers", { skip: skip ?? false }, () => {
  const tmp = makeTempDir("el-ipc-nginx-");
  let db: TestPgDatabase;
  const servers: RunningHttpServer[] = [];
  let nginx: ChildProcess;
  let url = "";

  before(async () => {
    db = await makePostgresDatabase();
    for (let i = 0; i < 2; i++) {
      const config = testConfig(tmp.path("unused.db"), {});
      servers.push(
        await startHttpServer(
          { ...config, store: { kind: "postgres", url: db.url, pool: 3 } },
          { logLevel: "silent" },
        ),
      );
    }
    const port = await freePort();
    const ports = servers.map((s) => new URL(s.url).port);
    const site = readFileSync(join(REPO_ROOT, "docs", "nginx.conf"), "utf8")
      .replace("server 127.0.0.1:9876;", `server 127.0.0.1:${ports[0]};`)
      .replace("server 127.0.0.1:9877;", `server 127.0.0.1:${ports[1]};`)
      .replace("listen 8080;", `listen 127.0.0.1:${port};`);
    assert.ok(
      site.includes(`:${ports[1]};`) && site.includes(`listen 127.0.0.1:${port}`),
      "the config's ports were found",
    );
    const dir = tmp.dir;
    writeFileSync(
      join(dir, "nginx.conf"),
      [
        `pid ${dir}/nginx.pid;`,
        `error_log ${dir}/error.log;`,
        "events {}",
        "http {",
        "  access_log off;",
        ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `  ${t}_temp_path ${dir}/${t};`),
        site,
        "}",
      ].join("\n"),
    );
    nginx = spawn(NGINX as string, ["-p", dir, "-c", join(dir, "nginx.conf"), "-g", "daemon off;"], {
      stdio: "ignore",
    });
    url = `http://127.0.0.1:${port}`;
    assert.ok(await waitFor(async () => (await fetch(`${url}/health`)).ok), "nginx answers");
  });
  after(async () => {
    nginx?.kill("SIGTERM");
    await Promise.all(servers.map((s) => s.close()));
    await db?.drop();
    tmp.cleanup();
  });

  it("serves sends and long-polls through one address, woken across servers", async () => {
    for (let i = 0; i < 6; i++) {
      const poll = fetch(`${url}/messages?channel=lb&agent=bob&wait=true&timeout=10`);
      await new Promise((ok) => setTimeout(ok, 50));
      const sent = await postJson(`${url}/send`, { channel: "lb", sender: "alice", content: `m${i}` });
      assert.equal(sent.status, 200);
      const got = (await (await poll).json()) as Delivered[];
      assert.deepEqual(
        got.map((m) => m.content),
        [`m${i}`],
      );
    }
  });

  it("passes SSE events through as they are written", async () => {
    const c = await openSse(`${url}/stream?channel=lbs&agent=carol`);
    try {
      assert.equal(c.status, 200);
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        await postJson(`${url}/send`, { channel: "lbs", sender: "alice", content: `s${i}` });
        const [m] = await take(c, 1);
        assert.equal(m?.content, `s${i}`);
        assert.ok(performance.now() - t0 < 2000, "the event was not held in a buffer");
      }
    } finally {
      c.disconnect();
    }
  });

  it("lets a long-poll run to its own timeout", async () => {
    const t0 = Date.now();
    const r = await fetch(`${url}/messages?channel=quiet&agent=bob&wait=true&timeout=2`);
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), []);
    assert.ok(Date.now() - t0 >= 1900, "answered by el-ipc's timeout, not earlier");
  });
});

async function waitFor(f: () => Promise<boolean>, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      if (await f()) return true;
    } catch {
      // not listening yet
    }
    if (Date.now() > end) return false;
    await new Promise((ok) => setTimeout(ok, 50));
  }
}
