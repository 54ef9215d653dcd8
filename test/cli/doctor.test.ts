// `el-ipc doctor` as a real process against real set-ups, healthy and broken: file modes, a wrong key, a
// database without WAL or corrupted, a server that is down, and a server whose clock is 10 minutes off.
import * as assert from "node:assert/strict";
import { chmodSync, closeSync, mkdirSync, openSync, symlinkSync, writeFileSync, writeSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import { signRegistration } from "../../src/client/sign.js";
import { LOCAL } from "../../src/core/caller.js";
import { createQueue } from "../../src/core/queue.js";
import { VERSION } from "../../src/core/version.js";
import { registrationFromWire } from "../../src/core/wire.js";
import { generateKeyPair, parsePrivateKey } from "../../src/crypto/keys.js";
import { type RunningHttpServer, startHttpServer } from "../../src/http/server.js";
import { createSqliteStore } from "../../src/store/sqlite/index.js";
import { CLI, runCli } from "../helpers/cli.js";
import { makeTempDir, type TempDir } from "../helpers/fixtures.js";
import { testConfig } from "../helpers/http.js";

interface Check {
  check: string;
  status: "pass" | "warn" | "fail";
  detail: string;
  fix?: string;
}

/** A private file with `text` and mode `mode`. */
function writeFile(path: string, text: string, mode = 0o600): string {
  writeFileSync(path, text, { mode });
  chmodSync(path, mode);
  return path;
}

/** A server that answers like el-ipc's /health and agent card, with its Date header `skewMs` off. */
async function skewedServer(skewMs: number): Promise<Server> {
  const server = createServer((req, res) => {
    res.sendDate = false;
    res.setHeader("date", new Date(Date.now() + skewMs).toUTCString());
    res.setHeader("content-type", "application/json");
    res.end(
      JSON.stringify(
        req.url === "/health" ? { status: "ok", pending: 0, secure_mode: true } : { version: VERSION },
      ),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}
const urlOf = (s: Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;

describe("el-ipc doctor", () => {
  let tmp: TempDir;
  let db: string;
  let project: string;
  let env: NodeJS.ProcessEnv;
  let aliceKey: string;
  let server: RunningHttpServer;

  const doctor = async (args: string[], extra: NodeJS.ProcessEnv = {}, cwd = project) => {
    const r = await runCli(["doctor", "--json", ...args], { ...env, ...extra }, { cwd });
    const out = JSON.parse(r.stdout) as { ok: boolean; checks: Check[] };
    return { code: r.code, ...out, get: (name: string) => out.checks.filter((c) => c.check === name) };
  };

  before(async () => {
    tmp = makeTempDir("el-ipc-doctor-");
    const bin = tmp.path("bin");
    project = tmp.path("project");
    mkdirSync(bin, { mode: 0o700 });
    mkdirSync(project, { mode: 0o700 });
    mkdirSync(tmp.path("home"), { mode: 0o700 });
    mkdirSync(tmp.path("data"), { mode: 0o700 });
    symlinkSync(CLI, join(bin, "el-ipc"));
    writeFile(join(bin, "event-listen.sh"), "#!/bin/sh\nexit 0\n", 0o755);
    db = tmp.path("data/ipc.db");
    env = { PATH: bin, HOME: tmp.path("home"), IPC_DB_PATH: db };
    // A secure database: an operator and alice, whose key is on disk with mode 0600.
    const store = createSqliteStore({ path: db });
    const queue = createQueue({ store });
    const op = await queue.seed(LOCAL, "op-main");
    const alice = generateKeyPair();
    await queue.register(
      registrationFromWire(
        signRegistration(parsePrivateKey(op.privateKey), {
          operator: "op-main",
          name: "alice",
          identity: "id-alice",
          publicKey: alice.publicKey,
        }),
      ),
    );
    await queue.close();
    aliceKey = writeFile(tmp.path("alice.key"), alice.privateKey);
    writeFile(tmp.path("alice.pub"), alice.publicKey, 0o644);
    server = await startHttpServer(testConfig(db), { logLevel: "silent" });
    // The MCP configuration, written by init itself.
    const init = await runCli(["init", "claude", "--agent", "alice", "--key", aliceKey], env, {
      cwd: project,
    });
    assert.equal(init.code, 0, init.stderr);
  });
  after(async () => {
    await server.close();
    tmp.cleanup();
  });

  it("passes every check of a healthy set-up and exits 0, one line each with a mark", async () => {
    const r = await doctor(["--key", aliceKey, "--as", "alice", "--server", server.url]);
    const bad = r.checks.filter((c) => c.status !== "pass");
    assert.deepEqual(bad, [], JSON.stringify(r.checks, null, 1));
    assert.equal(r.code, 0);
    assert.equal(r.ok, true);
    for (const name of [
      "database",
      "database permissions",
      "database folders",
      "WAL",
      "integrity",
      "secure mode",
    ]) {
      assert.equal(r.get(name).length, 1, name);
    }
    for (const name of [
      "key file permissions",
      "key",
      "server",
      "server version",
      "clock",
      "el-ipc on PATH",
      "el plugin",
    ]) {
      assert.equal(r.get(name).length, 1, name);
    }
    assert.match(r.get("MCP config")[0]?.detail ?? "", /\.mcp\.json: el-ipc as alice/);
    assert.match(r.get("key")[0]?.detail ?? "", /registered key of agent alice/);

    const text = await runCli(["doctor", "--key", aliceKey, "--server", server.url], env, { cwd: project });
    assert.equal(text.code, 0);
    const lines = text.stdout.trim().split("\n");
    assert.ok(
      lines.slice(0, -1).every((l) => l.startsWith("✓ ")),
      text.stdout,
    );
    assert.equal(lines.at(-1), "all checks passed");
  });

  it("fails a world-readable key, and a key that is not the registered one, with the fixes", async () => {
    const open = writeFile(tmp.path("open.key"), generateKeyPair().privateKey, 0o644);
    const r = await doctor(["--key", open]);
    assert.equal(r.code, 1);
    assert.equal(r.ok, false);
    const perm = r.get("key file permissions")[0];
    assert.equal(perm?.status, "fail");
    assert.equal(perm?.fix, `chmod 600 ${open}`);
    const wrong = writeFile(tmp.path("wrong.key"), generateKeyPair().privateKey);
    const w = await doctor(["--key", wrong, "--as", "alice"]);
    assert.equal(w.code, 1);
    const key = w.get("key")[0];
    assert.equal(key?.status, "fail");
    assert.match(key?.detail ?? "", /not alice's registered key/);
    assert.match(key?.fix ?? "", /rotate/);
    const op = await doctor(["--key", aliceKey, "--as", "op-main"]);
    assert.match(op.get("key")[0]?.detail ?? "", /alice's key, not op-main's/);
    const pub = await doctor(["--key", tmp.path("alice.pub")]);
    assert.match(pub.get("key")[0]?.detail ?? "", /not an Ed25519 private key/);
  });

  it("fails a server that is down, and one whose clock is 10 minutes ahead; 2 minutes passes", async () => {
    const gone = await skewedServer(0);
    const goneUrl = urlOf(gone);
    await new Promise((r) => gone.close(r));
    const down = await doctor(["--server", goneUrl]);
    assert.equal(down.code, 1);
    assert.equal(down.get("server")[0]?.status, "fail");
    assert.match(down.get("server")[0]?.fix ?? "", /el-ipc serve/);

    const ahead = await skewedServer(10 * 60_000);
    try {
      const r = await doctor([], { IPC_URL: urlOf(ahead) });
      assert.equal(r.code, 1);
      const clock = r.get("clock")[0];
      assert.equal(clock?.status, "fail");
      assert.match(clock?.detail ?? "", /(599|600|601) s behind the server/);
      assert.match(clock?.fix ?? "", /timedatectl set-ntp true/);
    } finally {
      await new Promise((r) => ahead.close(r));
    }
    const near = await skewedServer(-2 * 60_000);
    try {
      const r = await doctor(["--server", urlOf(near)]);
      assert.equal(r.get("clock")[0]?.status, "pass");
      assert.match(r.get("clock")[0]?.detail ?? "", /ahead of the server \(within ±5 minutes\)/);
    } finally {
      await new Promise((r) => near.close(r));
    }
  });

  it("fails database files and folders others can write, and an MCP entry whose key is gone", async () => {
    chmodSync(db, 0o666);
    chmodSync(tmp.path("data"), 0o777);
    try {
      const r = await doctor([]);
      assert.equal(r.code, 1);
      assert.equal(r.get("database permissions")[0]?.status, "fail");
      assert.match(r.get("database permissions")[0]?.fix ?? "", /^chmod 600 .*ipc\.db/);
      assert.equal(r.get("database folders")[0]?.status, "fail");
      assert.match(r.get("database folders")[0]?.fix ?? "", /chmod go-w .*data/);
    } finally {
      chmodSync(db, 0o600);
      chmodSync(tmp.path("data"), 0o700);
    }
    const other = tmp.path("other-project");
    mkdirSync(other, { mode: 0o700 });
    const gone = tmp.path("gone.key");
    writeFile(
      join(other, ".mcp.json"),
      JSON.stringify({
        mcpServers: { "el-ipc": { command: "el-ipc", args: ["mcp", "--agent", "bob", "--key", gone] } },
      }),
    );
    const r = await doctor([], {}, other);
    assert.equal(r.get("MCP config")[0]?.status, "fail");
    assert.match(r.get("MCP config")[0]?.detail ?? "", /gone\.key is missing/);
  });

  it("warns about open mode, a missing el-ipc and no MCP configuration, and still exits 0", async () => {
    const t = makeTempDir("el-ipc-doctor-open-");
    try {
      const openDb = t.path("ipc.db");
      await createSqliteStore({ path: openDb }).close();
      const r = await doctor([], { IPC_DB_PATH: openDb, PATH: t.path("nothing") }, t.path("."));
      assert.equal(r.code, 0, JSON.stringify(r.checks, null, 1));
      assert.equal(r.get("secure mode")[0]?.status, "warn");
      assert.match(r.get("secure mode")[0]?.fix ?? "", /el-ipc seed/);
      assert.equal(r.get("el-ipc on PATH")[0]?.status, "warn");
      assert.equal(r.get("el plugin")[0]?.status, "warn");
      assert.equal(r.get("MCP config")[0]?.status, "warn");
    } finally {
      t.cleanup();
    }
  });

  it("fails a missing database, one without WAL and a corrupted one", async () => {
    const t = makeTempDir("el-ipc-doctor-db-");
    try {
      const missing = await doctor([], { IPC_DB_PATH: t.path("none.db") });
      assert.equal(missing.code, 1);
      assert.match(missing.get("database")[0]?.detail ?? "", /no database at/);

      const plain = t.path("plain.db");
      const d = new Database(plain);
      d.exec("CREATE TABLE t (x); INSERT INTO t VALUES (1);");
      d.close();
      chmodSync(plain, 0o600);
      const noWal = await doctor([], { IPC_DB_PATH: plain });
      assert.equal(noWal.get("WAL")[0]?.status, "fail");
      assert.match(noWal.get("WAL")[0]?.detail ?? "", /journal_mode is delete/);

      const bad = t.path("bad.db");
      const b = new Database(bad);
      b.exec("CREATE TABLE t (x TEXT); CREATE INDEX ti ON t (x);");
      const insert = b.prepare("INSERT INTO t VALUES (?)");
      for (let i = 0; i < 2000; i++) insert.run(`row ${i} ${"x".repeat(50)}`);
      b.close();
      chmodSync(bad, 0o600);
      // Scribble over pages in the middle of the file.
      const fd = openSync(bad, "r+");
      writeSync(fd, Buffer.alloc(8192, 0xab), 0, 8192, 4096 * 8);
      closeSync(fd);
      const corrupt = await doctor([], { IPC_DB_PATH: bad });
      assert.equal(corrupt.code, 1);
      const broken = corrupt.checks.find(
        (c) => (c.check === "integrity" || c.check === "database file") && c.status === "fail",
      );
      assert.ok(broken, JSON.stringify(corrupt.checks, null, 1));
    } finally {
      t.cleanup();
    }
  });
});
