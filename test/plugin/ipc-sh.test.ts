// The el event source sources.d/ipc.sh as el runs it: real bash, real CLI processes, temp HOME and database.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join, relative } from "node:path";
import { after, before, describe, it } from "node:test";
import { CLI, type CliResult, delay, finished, runCli, tempDb } from "../helpers/cli.js";
import { bashOnlyPath, REPO_ROOT, within } from "../helpers/fixtures.js";

const SCRIPT = join(REPO_ROOT, "sources.d", "ipc.sh");
const NO_CLI = existsSync(CLI) ? false : `${CLI} is not built yet (node scripts/build.mjs)`;

interface Msg {
  id: number;
  channel: string;
  sender: string;
  content: string;
}

/** Runs an executable with `args` and `env`, collecting its output. */
function start(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(file, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  return { child, done: finished(child) };
}

/** Waits for a process to end; fails if it takes longer than `ms`. */
async function endsWithin(done: Promise<CliResult>, ms: number): Promise<CliResult> {
  const r = await within(done, ms);
  assert.notEqual(r, "timeout", `still running after ${ms} ms`);
  return r as CliResult;
}

/** The one line a failure printed on stderr. */
function oneLine(stderr: string): string {
  assert.match(stderr, /^[^\n]+\n$/, `exactly one line on stderr: ${JSON.stringify(stderr)}`);
  return stderr.trimEnd();
}

/** Copies ipc.sh alone (no dist/ beside it) into `dir`/sources.d/, as from a partial install. */
function copyScriptAlone(dir: string): string {
  mkdirSync(join(dir, "sources.d"), { recursive: true });
  const to = join(dir, "sources.d", "ipc.sh");
  copyFileSync(SCRIPT, to);
  chmodSync(to, 0o755);
  return to;
}

function writeExecutable(path: string, text: string): void {
  writeFileSync(path, text);
  chmodSync(path, 0o755);
}

describe("sources.d/ipc.sh", () => {
  const t = tempDb();
  after(() => t.cleanup());

  it("is executable", () => {
    assert.equal(statSync(SCRIPT).mode & 0o111, 0o111, "chmod +x sources.d/ipc.sh");
  });

  for (const args of [[], ["general"], ["", "bot"], ["general", ""]]) {
    it(`exits 2 with one line of usage for ${JSON.stringify(args)}`, async () => {
      const r = await endsWithin(start(SCRIPT, args, t.env).done, 5000);
      assert.equal(r.code, 2);
      assert.match(oneLine(r.stderr), /^usage: ipc\.sh <channel> <agent>/);
      assert.equal(r.stdout, "");
    });
  }

  it("exits 127 with one line of hint when el-ipc cannot be found", async (ctx) => {
    if (existsSync("/usr/bin/el-ipc") || existsSync("/bin/el-ipc")) {
      ctx.skip("el-ipc is installed in /usr/bin or /bin");
      return;
    }
    const alone = copyScriptAlone(join(t.dir, "alone"));
    const r = await endsWithin(
      start(alone, ["general", "bot"], { ...t.env, PATH: "/usr/bin:/bin" }).done,
      5000,
    );
    assert.equal(r.code, 127);
    const line = oneLine(r.stderr);
    assert.match(
      line,
      /^ipc\.sh: el-ipc not found: run 'npm install' in \S+ or install el-ipc on your PATH$/,
    );
    assert.ok(line.includes(join(t.dir, "alone")), line);
  });

  it("needs no node to decide that el-ipc is missing", async () => {
    // A PATH holding bash and nothing else: no node, no el-ipc, no coreutils.
    const bin = bashOnlyPath(join(t.dir, "bash-only"));
    const alone = copyScriptAlone(join(t.dir, "alone-no-node"));
    const r = await endsWithin(start(alone, ["general", "bot"], { ...t.env, PATH: bin }).done, 5000);
    assert.equal(r.code, 127);
    assert.match(oneLine(r.stderr), /el-ipc not found/);

    // A checkout with a built CLI, but no node to run it: say so instead.
    const checkout = join(t.dir, "checkout-no-node");
    const script = copyScriptAlone(checkout);
    mkdirSync(join(checkout, "dist", "lib"), { recursive: true });
    writeFileSync(join(checkout, "dist", "lib", "cli.js"), "");
    const r2 = await endsWithin(start(script, ["general", "bot"], { ...t.env, PATH: bin }).done, 5000);
    assert.equal(r2.code, 127);
    assert.match(oneLine(r2.stderr), /^ipc\.sh: node not found: /);
  });
});

describe("sources.d/ipc.sh with the built CLI", { skip: NO_CLI }, () => {
  const t = tempDb();
  const home = join(t.dir, "home");
  const env: NodeJS.ProcessEnv = { ...t.env, HOME: home };
  const dispatcher = join(t.dir, "event-listen.sh");

  before(() => {
    // An install from a clone: el's plugin cache entry is the checkout itself.
    mkdirSync(join(home, ".claude", "plugins", "cache", "test-market"), { recursive: true });
    symlinkSync(REPO_ROOT, join(home, ".claude", "plugins", "cache", "test-market", "el-ipc"));
    // A minimal el dispatcher: the first sources.d/<type>.sh of an installed plugin, run with the rest.
    writeExecutable(
      dispatcher,
      [
        "#!/usr/bin/env bash",
        "set -euo pipefail",
        "type=$1; shift",
        'for s in "$HOME"/.claude/plugins/cache/*/*/sources.d/"$type".sh; do',
        '  if [ -x "$s" ]; then exec "$s" "$@"; fi',
        "done",
        'echo "event-listen.sh: no source $type" >&2',
        "exit 1",
        "",
      ].join("\n"),
    );
  });
  after(() => t.cleanup());

  async function send(channel: string, sender: string, content: string): Promise<void> {
    const r = await runCli(["send", channel, sender, content], env);
    assert.equal(r.code, 0, r.stderr);
  }

  function parseMessages(r: CliResult): Msg[] {
    assert.equal(r.code, 0, r.stderr);
    const msgs = JSON.parse(r.stdout) as Msg[];
    assert.ok(Array.isArray(msgs), r.stdout);
    return msgs;
  }

  it("event-listen.sh ipc <channel> <agent> blocks until a message arrives, prints it and exits 0", async () => {
    const { child, done } = start(dispatcher, ["ipc", "general", "bot"], env);
    try {
      await delay(300);
      assert.equal(child.exitCode, null, "still waiting");
      await send("general", "alice", "hello");
      const msgs = parseMessages(await endsWithin(done, 3000));
      assert.equal(msgs[0]?.content, "hello");
      assert.equal(msgs[0]?.sender, "alice");
      assert.equal(msgs[0]?.channel, "general");
    } finally {
      child.kill("SIGKILL");
    }
    // The read moved bot's watermark: nothing is unread any more.
    const again = await runCli(["read", "general", "bot"], env);
    assert.deepEqual(parseMessages(again), []);
  });

  it("passes further read flags through (--timeout)", async () => {
    const r = await endsWithin(start(dispatcher, ["ipc", "quiet", "bot", "--timeout", "1"], env).done, 5000);
    assert.deepEqual(parseMessages(r), []);
  });

  it("follows a relative symlink to the script back to its checkout", async () => {
    const plugin = join(t.dir, "linked-plugin", "sources.d");
    mkdirSync(plugin, { recursive: true });
    // Relative to linked-plugin/sources.d: resolving it from anywhere else finds nothing.
    symlinkSync(relative(plugin, SCRIPT), join(plugin, "ipc.sh"));
    await send("linked", "alice", "via symlink");
    const r = await endsWithin(start(join(plugin, "ipc.sh"), ["linked", "bot"], env).done, 5000);
    assert.equal(parseMessages(r)[0]?.content, "via symlink");
  });

  it("uses el-ipc from PATH when no checkout is beside it", async () => {
    const alone = copyScriptAlone(join(t.dir, "path-install"));
    const bin = join(t.dir, "bin");
    const marker = join(t.dir, "wrapper-ran");
    mkdirSync(bin);
    writeExecutable(
      join(bin, "el-ipc"),
      `#!/bin/sh\necho "$@" > '${marker}'\nexec '${process.execPath}' '${CLI}' "$@"\n`,
    );
    await send("path", "alice", "hello");
    const r = await endsWithin(
      start(alone, ["path", "bot"], { ...env, PATH: `${bin}:/usr/bin:/bin` }).done,
      5000,
    );
    const msgs = parseMessages(r);
    assert.equal(msgs[0]?.content, "hello");
    assert.equal(msgs[0]?.sender, "alice");
    assert.equal(readFileSync(marker, "utf8").trim(), "read path bot --wait");
  });

  it("ends promptly on SIGTERM while waiting, printing nothing", async () => {
    const { child, done } = start(SCRIPT, ["idle", "bot"], env);
    try {
      await delay(500);
      assert.equal(child.exitCode, null, "still waiting");
      if (existsSync(`/proc/${child.pid}/cmdline`)) {
        // exec: the process el started is the reader itself, so el's signal reaches it directly.
        const argv = readFileSync(`/proc/${child.pid}/cmdline`, "utf8").split("\0");
        assert.ok(argv.some((a) => a.endsWith("/dist/lib/cli.js")) && argv.includes("read"), argv.join(" "));
      }
      child.kill("SIGTERM");
      const r = await endsWithin(done, 2000);
      assert.ok(r.code === 143 || r.signal === "SIGTERM", `code ${r.code}, signal ${r.signal}`);
      assert.equal(r.stdout, "");
    } finally {
      child.kill("SIGKILL");
    }
  });
});
