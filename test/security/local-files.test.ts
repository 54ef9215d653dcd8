// Local files: the database and key files are made 0600 whatever the umask, never through a planted symlink,
// and a database (or WAL) file others can write is refused in secure mode and reported in open mode.
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { CLI, type CliResult, finished, REPO_ROOT, runCli, tempDb } from "../helpers/cli.js";

const modeOf = (path: string) => statSync(path).mode & 0o777;

/** Runs the CLI under `sh -c 'umask 000; ...'`, so every file it makes gets exactly the mode it asks for. */
function runUmask000(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  const quoted = [process.execPath, CLI, ...args].map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(" ");
  const child = spawn("sh", ["-c", `umask 000; exec ${quoted}`], { env, cwd: REPO_ROOT });
  const done = finished(child);
  child.stdin.end();
  return done;
}

describe("database files", () => {
  const t = tempDb();
  after(() => t.cleanup());

  it("a dangling symlink as IPC_DB_PATH is refused, and nothing is created at its target", async () => {
    const target = join(t.dir, "attacker-target.db");
    const link = join(t.dir, "link.db");
    symlinkSync(target, link);
    const r = await runUmask000(["channels"], { ...t.env, IPC_DB_PATH: link });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /^el-ipc: database path .*link\.db is a symlink to a missing file/m);
    assert.equal(existsSync(target), false, "the database was created through the symlink");
  });

  it("under umask 000 a new database, its WAL and SHM files are 0600 and its new folder 0700", async () => {
    const dir = join(t.dir, "fresh");
    const db = join(dir, "ipc.db");
    const env = { ...t.env, IPC_DB_PATH: db };
    // A reader waits with the database open, so the WAL and SHM files exist while we look at them.
    const quoted = [process.execPath, CLI, "read", "plan", "herald", "--wait", "--timeout", "20"]
      .map((a) => `'${a}'`)
      .join(" ");
    const reader = spawn("sh", ["-c", `umask 000; exec ${quoted}`], { env, cwd: REPO_ROOT });
    const closed = new Promise((r) => reader.on("close", r));
    try {
      const deadline = Date.now() + 15_000;
      while (!(existsSync(`${db}-wal`) && existsSync(`${db}-shm`)) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(modeOf(dir), 0o700);
      for (const f of [db, `${db}-wal`, `${db}-shm`]) assert.equal(modeOf(f), 0o600, f);
    } finally {
      reader.kill("SIGTERM");
      await closed;
    }
  });

  it("open mode warns about a database others can write, with the chmod that fixes it", async () => {
    const db = join(t.dir, "open.db");
    const env = { ...t.env, IPC_DB_PATH: db };
    assert.equal((await runCli(["send", "plan", "a", "hello"], env)).code, 0);
    chmodSync(db, 0o666);
    const r = await runCli(["channels"], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /^el-ipc: warning: database file .*open\.db \(mode 666\).* can be written by other users/m,
    );
    assert.ok(r.stderr.includes(`chmod 600 ${db}`), r.stderr);
  });

  it("secure mode refuses a database or a WAL file others can write, with the chmod that fixes it", async () => {
    const db = join(t.dir, "secure.db");
    const env = { ...t.env, IPC_DB_PATH: db };
    assert.equal((await runCli(["seed", "op"], env)).code, 0);
    chmodSync(db, 0o664);
    let r = await runCli(["channels"], env);
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      /^el-ipc: database file .*secure\.db \(mode 664\).* can be written by other users; refused/m,
    );
    assert.ok(r.stderr.includes(`chmod 600 ${db}`), r.stderr);
    assert.equal(r.stdout, "");

    chmodSync(db, 0o600);
    writeFileSync(`${db}-wal`, "");
    chmodSync(`${db}-wal`, 0o646);
    r = await runCli(["channels"], env);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /secure\.db-wal \(mode 646\) can be written by other users; refused/);
    assert.ok(r.stderr.includes(`chmod 600 ${db}-wal`), r.stderr);
    rmSync(`${db}-wal`, { force: true }); // SQLite may have removed it already on closing
    assert.equal((await runCli(["channels"], env)).code, 0);
  });
});

describe("key files", () => {
  const t = tempDb();
  after(() => t.cleanup());

  it("keygen --out x --force replaces a planted x.key symlink and never writes the key into its target", async () => {
    const dir = join(t.dir, "keys");
    mkdirSync(dir);
    const planted = join(t.dir, "attacker.txt");
    writeFileSync(planted, "attacker's file\n", { mode: 0o666 });
    chmodSync(planted, 0o666);
    symlinkSync(planted, join(dir, "x.key"));
    const r = await runUmask000(["keygen", "--out", join(dir, "x"), "--force"], t.env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(planted, "utf8"), "attacker's file\n");
    const key = join(dir, "x.key");
    assert.equal(lstatSync(key).isSymbolicLink(), false);
    assert.equal(modeOf(key), 0o600);
    assert.match(readFileSync(key, "utf8"), /BEGIN PRIVATE KEY/);
    assert.equal(modeOf(join(dir, "x.pub")), 0o644);
  });

  it("keygen --out without --force refuses a dangling x.key symlink and creates nothing at its target", async () => {
    const target = join(t.dir, "missing-target");
    symlinkSync(target, join(t.dir, "y.key"));
    const r = await runCli(["keygen", "--out", join(t.dir, "y")], t.env);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /y\.key exists; not overwriting a key without --force/);
    assert.equal(existsSync(target), false);
  });
});
