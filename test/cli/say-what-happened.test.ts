// First-use feedback: local-only commands refuse when a server is configured, a new database is
// announced, and the server writes one log (JSON lines on a pipe) with the address it really bound.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { delay, finished, freePort, runCli, spawnCli, startServerProcess, tempDb } from "../helpers/cli.js";

describe("say what happened", () => {
  const t = tempDb();
  after(() => t.cleanup());

  it("seed refuses when IPC_URL is set, with the reason, and creates no database", async () => {
    const db = join(t.dir, "never.db");
    const r = await runCli(["seed", "op"], { ...t.env, IPC_DB_PATH: db, IPC_URL: "http://127.0.0.1:1" });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^el-ipc: seed works only on a local database, but a server is configured/);
    assert.equal(r.stdout, "");
    assert.equal(existsSync(db), false);
  });

  it("a command that creates a new database says so once", async () => {
    const db = join(t.dir, "typo.db");
    const env = { ...t.env, IPC_DB_PATH: db };
    const first = await runCli(["send", "general", "amy", "hello"], env);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stderr, `el-ipc: created a new database at ${db}\n`);
    const second = await runCli(["send", "general", "amy", "again"], env);
    assert.equal(second.stderr, "");
  });

  it("serve logs the address it bound, as JSON lines only, and a secure mode switched on by the CLI", async () => {
    const db = join(t.dir, "served.db");
    const env = { ...t.env, IPC_DB_PATH: db, IPC_API_KEY: "a-long-enough-api-key-for-tests" };
    const server = await startServerProcess(env, ["--host", "0.0.0.0"]);
    let log = "";
    server.child.stderr?.on("data", (d) => {
      log += d;
    });
    assert.match(server.url, /^http:\/\/0\.0\.0\.0:\d+$/);
    const seeded = await runCli(["seed", "op-main"], env);
    assert.equal(seeded.code, 0, seeded.stderr);
    for (let i = 0; i < 100 && !log.includes("secure mode is on"); i++) await delay(50);
    const r = await server.stop();
    const lines = r.stderr.trim().split("\n");
    const parsed = lines.map((l) => JSON.parse(l) as { msg: string; level: number });
    const msgs = parsed.map((p) => p.msg);
    assert.ok(msgs.includes(`created a new database at ${db}`), msgs.join(" | "));
    assert.ok(
      msgs.some((m) => /^Listening on http:\/\/0\.0\.0\.0:\d+$/.test(m)),
      msgs.join(" | "),
    );
    assert.ok(msgs.includes("secure mode is on: an operator was seeded"), msgs.join(" | "));
    assert.ok(!msgs.some((m) => m.startsWith("Listening on http://127.0.0.1")), msgs.join(" | "));
  });

  it("serve takes its port as --port too (what people type), and refuses two different ports", async () => {
    const port = await freePort();
    const child = spawnCli(["serve", "--port", String(port)], { ...t.env, IPC_DB_PATH: join(t.dir, "p.db") });
    const done = finished(child);
    let up = false;
    for (let i = 0; i < 600 && !up; i++) {
      up = await fetch(`http://127.0.0.1:${port}/health`).then(
        (res) => res.ok,
        () => false,
      );
      if (!up) await delay(50);
    }
    child.kill("SIGTERM");
    const r = await done;
    assert.equal(up, true, r.stderr);
    const two = await runCli(["serve", "1", "--port", "2"], t.env);
    assert.equal(two.code, 2);
    assert.equal(two.stderr, "el-ipc: two ports given: 1 and --port 2; give one\n");
  });

  it("serve --log-level warn leaves out the info lines; a bad level is a usage error", async () => {
    const port = await freePort();
    const child = spawnCli(["serve", String(port), "--log-level", "warn"], {
      ...t.env,
      IPC_DB_PATH: join(t.dir, "quiet.db"),
    });
    const done = finished(child);
    // Stopped once it answers (a loaded machine may take seconds to start), not after a fixed pause.
    for (let i = 0; i < 600; i++) {
      const up = await fetch(`http://127.0.0.1:${port}/health`).then(
        (res) => res.ok,
        () => false,
      );
      if (up) break;
      await delay(50);
    }
    child.kill("SIGTERM");
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    const bad = await runCli(["serve", "0", "--log-level", "loud"], t.env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--log-level must be one of fatal, error, warn, info/);
  });
});
