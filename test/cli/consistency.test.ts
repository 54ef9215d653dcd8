// Issue 8 item 20 as a user meets it: seed --out writes the key 0600 and never through a symlink, the
// "save the key" banner only on a terminal, help naming the database XDG_DATA_HOME points at, and send
// answering with the fields of POST /send (duplicate included), locally and remotely alike.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { resolveConfig } from "../../src/config.js";
import { parsePrivateKey } from "../../src/crypto/keys.js";
import { type RunningHttpServer, startHttpServer } from "../../src/http/server.js";
import { CLI, cliJson, runCli, tempDb } from "../helpers/cli.js";

describe("seed --out and the key banner", () => {
  const t = tempDb();
  after(() => t.cleanup());

  it("writes the key into a new 0600 file under umask 000, with no banner", () => {
    const out = join(t.dir, "op.key");
    const r = spawnSync(
      "sh",
      ["-c", 'umask 000; exec "$0" "$1" seed op --out "$2"', process.execPath, CLI, out],
      {
        env: t.env,
        encoding: "utf8",
      },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(statSync(out).mode & 0o777, 0o600);
    assert.ok(parsePrivateKey(readFileSync(out, "utf8")), "the file holds the private key");
    assert.equal(r.stdout, "", "the key does not also go to standard output");
    assert.doesNotMatch(r.stderr, /SAVE THE PRIVATE KEY/);
    assert.match(r.stderr, /Private key: .*op\.key \(chmod 600\)/);
  });

  it("refuses an existing file or a planted symlink before seeding anything", async () => {
    const existing = join(t.dir, "taken.key");
    writeFileSync(existing, "mine\n");
    const link = join(t.dir, "link.key");
    const target = join(t.dir, "attacker-owned");
    symlinkSync(target, link);
    for (const [file, name] of [
      [existing, "op2"],
      [link, "op3"],
    ] as const) {
      const r = await runCli(["seed", name, "--out", file], t.env);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^el-ipc: .* exists; seed --out writes a new file only \(nothing was seeded\)/m);
    }
    assert.equal(readFileSync(existing, "utf8"), "mine\n");
    assert.equal(existsSync(target), false, "nothing was written through the symlink");
    assert.ok(lstatSync(link).isSymbolicLink());
    const agents = await runCli(["agents"], t.env);
    assert.doesNotMatch(agents.stdout, /op2|op3/);
  });

  it("prints the key alone into a pipe, and the banner only on a terminal", async (ctx) => {
    const piped = await runCli(["seed", "op4"], t.env);
    assert.equal(piped.code, 0, piped.stderr);
    assert.match(piped.stdout, /^-----BEGIN PRIVATE KEY-----\n[\s\S]+-----END PRIVATE KEY-----\n+$/);
    assert.doesNotMatch(piped.stderr, /SAVE THE PRIVATE KEY/);
    const script = spawnSync("script", ["--version"], { encoding: "utf8" });
    if (script.status !== 0) {
      ctx.skip("util-linux script(1) is not installed: no terminal to test the banner on");
      return;
    }
    const tty = spawnSync("script", ["-qec", `"${process.execPath}" "${CLI}" seed op5`, "/dev/null"], {
      env: t.env,
      encoding: "utf8",
    });
    assert.equal(tty.status, 0, tty.stdout);
    assert.match(tty.stdout, /SAVE THE PRIVATE KEY BELOW/);
    assert.match(tty.stdout, /-----BEGIN PRIVATE KEY-----/);
  });
});

describe("help defaults", () => {
  it("name the database XDG_DATA_HOME points at, else the one under HOME", () => {
    const help = (env: NodeJS.ProcessEnv) =>
      spawnSync(process.execPath, [CLI, "--help"], { env, encoding: "utf8" }).stdout.replace(/\s+/g, " ");
    const base = { PATH: process.env.PATH ?? "" };
    assert.match(
      help({ ...base, HOME: "/home/u", XDG_DATA_HOME: "/data/xdg" }),
      /default IPC_DB_PATH, else \/data\/xdg\/el-ipc\/ipc\.db/,
    );
    assert.match(
      help({ ...base, HOME: "/home/u" }),
      /default IPC_DB_PATH, else \/home\/u\/\.local\/share\/el-ipc\/ipc\.db/,
    );
  });
});

describe("send answers with the fields of POST /send", () => {
  const t = tempDb();
  let server: RunningHttpServer;
  before(async () => {
    server = await startHttpServer(resolveConfig({ db: t.db, port: 0, host: "127.0.0.1" }, {}), {
      logLevel: "silent",
    });
  });
  after(async () => {
    await server.close();
    t.cleanup();
  });

  it("duplicate false, then true for a repeat, locally and remotely, as HTTP answers", async () => {
    const remote = { ...t.env, IPC_URL: server.url };
    const http = await fetch(`${server.url}/send`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ channel: "dup", sender: "alice", content: "x", key: "k0" }),
    });
    const httpFields = Object.keys((await http.json()) as object);
    for (const [env, key] of [
      [t.env, "k1"],
      [remote, "k2"],
    ] as const) {
      const first = await cliJson<Record<string, unknown>>(
        ["send", "dup", "alice", "once", "--dedupe-key", key],
        env,
      );
      const again = await cliJson<Record<string, unknown>>(
        ["send", "dup", "alice", "once", "--dedupe-key", key],
        env,
      );
      assert.deepEqual(Object.keys(first), httpFields);
      assert.equal(first.duplicate, false);
      assert.deepEqual(again, { ...first, duplicate: true });
    }
  });
});
