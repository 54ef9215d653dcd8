// The README's command blocks run as written: the quick start and the secure-mode walk-through, in bash,
// in an empty folder, with `el-ipc` on the PATH as `npm link` puts it there. Then the database shows that
// every operator action of the walk-through reached _security, made through the local CLI.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { SecurityEvent } from "../../src/core/security-log.js";
import { createSqliteStore } from "../../src/store/sqlite/index.js";
import { CLI, type CliResult, finished } from "../helpers/cli.js";
import { makeTempDir, REPO_ROOT } from "../helpers/fixtures.js";

/** The first ```bash block after the heading `heading`. */
function bashBlock(heading: string): string {
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
  const at = readme.indexOf(`\n${heading}\n`);
  assert.ok(at >= 0, `README has no heading ${heading}`);
  const m = /```bash\n([\s\S]*?)```/.exec(readme.slice(at));
  assert.ok(m?.[1], `no bash block after ${heading}`);
  return m[1];
}

/** Runs `script` with bash -e in `cwd`, `el-ipc` on the PATH. */
function bash(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<CliResult> {
  const child = spawn("bash", ["-e", "-o", "pipefail", "-c", script], {
    cwd,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  return finished(child);
}

describe("the README, followed as written", () => {
  const tmp = makeTempDir();
  const bin = tmp.path("bin");
  const env: NodeJS.ProcessEnv = {
    PATH: `${bin}:${process.env.PATH ?? ""}`,
    HOME: tmp.path("home"),
    XDG_DATA_HOME: tmp.path("data"),
  };
  after(() => tmp.cleanup());

  it("quick start: send, read, a waiting read woken by a message from standard input", async () => {
    mkdirSync(bin);
    writeFileSync(join(bin, "el-ipc"), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
    chmodSync(join(bin, "el-ipc"), 0o755);
    // `npm link` drops the npx; the waiting read goes to the background so the next line can wake it.
    const script = bashBlock("## Quick start (open mode)")
      .replaceAll("npx el-ipc", "el-ipc")
      .replace(/^(.*--wait.*?)(\s+#.*)?$/m, "$1 > waited.json &\nsleep 1");
    const r = await bash(`${script}\nwait\n`, tmp.dir, env);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split("\n");
    assert.deepEqual(JSON.parse(lines[0] ?? ""), {
      ok: true,
      id: 1,
      channel: "general",
      signed: false,
      duplicate: false,
    });
    assert.match(r.stdout, /"content": "Hello from Agent A"/);
    const waited = JSON.parse(readFileSync(tmp.path("waited.json"), "utf8")) as { content: string }[];
    assert.deepEqual(
      waited.map((m) => m.content),
      ["multi-line text"],
    );
  });

  it("secure mode: every command of the walk-through succeeds, and its operator actions are in _security", async () => {
    const r = await bash(bashBlock("## Secure mode"), tmp.dir, env);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.equal(
      readFileSync(tmp.path("operator.key"), "utf8").startsWith("-----BEGIN PRIVATE KEY-----"),
      true,
    );
    // The read after the seek and the read with the rotated key both deliver "Hello".
    assert.equal(r.stdout.match(/"content": "Hello"/g)?.length, 2, r.stdout);
    const store = createSqliteStore({ path: join(env.XDG_DATA_HOME as string, "el-ipc", "ipc.db") });
    try {
      const events = (await store.readAfter([{ channel: "_security", after: 0 }], 1000)).map(
        (m) => JSON.parse(m.content) as SecurityEvent,
      );
      assert.deepEqual(
        events.filter((e) => e.type === "admin").map((e) => e.action),
        ["register", "seek", "deny", "grant", "unset", "rotate", "revoke"],
      );
    } finally {
      await store.close();
    }
  });
});
