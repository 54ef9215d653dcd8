// The Claude Code plugin: `claude plugin validate` (when Claude Code is installed), install from the
// repository as a marketplace, the launcher plugin/el-ipc.sh with real processes, and what npm ships.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { isCommand } from "../../src/cli/program.js";
import { CLI, cliJson, runTool, tempDb } from "../helpers/cli.js";
import { bashOnlyPath, REPO_ROOT } from "../helpers/fixtures.js";

const LAUNCHER = join(REPO_ROOT, "plugin", "el-ipc.sh");
const NO_CLI = existsSync(CLI) ? false : `${CLI} is not built yet (node scripts/build.mjs)`;
const onPath = (name: string) =>
  (process.env.PATH ?? "").split(delimiter).some((d) => d && existsSync(join(d, name)));
const NO_CLAUDE = onPath("claude")
  ? false
  : "Claude Code is not installed (npm i -g @anthropic-ai/claude-code); skipped";

// `el-ipc tail` comes with the MCP work (issue 10, part A); until the build has it, the monitor test waits.
const NO_TAIL = isCommand("tail") ? false : "this build has no el-ipc tail yet";

const manifest = JSON.parse(readFileSync(join(REPO_ROOT, ".claude-plugin", "plugin.json"), "utf8")) as {
  name: string;
  skills: string[];
  userConfig: Record<string, unknown>;
  mcpServers: Record<string, { command: string }>;
};

/** The repository's files that git tracks, copied to `dir` (the whole checkout when it is not a git one). */
function trackedCopy(dir: string): string {
  const ls = spawnSync("git", ["-C", REPO_ROOT, "ls-files", "-z"], { encoding: "utf8" });
  if (ls.status !== 0) return REPO_ROOT;
  for (const file of ls.stdout.split("\0").filter((f) => f.length > 0)) {
    if (!existsSync(join(REPO_ROOT, file))) continue; // deleted in the work tree, not yet committed
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    copyFileSync(join(REPO_ROOT, file), join(dir, file));
    chmodSync(join(dir, file), statSync(join(REPO_ROOT, file)).mode);
  }
  return dir;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv, input = "") {
  return spawnSync(file, args, { env, input, encoding: "utf8", timeout: 120_000 });
}

describe("Claude Code plugin", () => {
  const t = tempDb();
  after(() => t.cleanup());

  it("passes claude plugin validate --strict", { skip: NO_CLAUDE }, async () => {
    const r = await runTool("claude", ["plugin", "validate", "--strict", REPO_ROOT], {
      env: { ...process.env, HOME: t.dir },
    });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /Validation passed/);
    for (const skill of ["ipc-send", "ipc-listen", "ipc-setup"])
      assert.match(r.stdout, new RegExp(`skills: el-ipc:${skill}`));
  });

  it("installs from the repository as a marketplace: claude plugin marketplace add, claude plugin install el-ipc", {
    skip: NO_CLAUDE,
  }, async () => {
    const env = { ...process.env, HOME: join(t.dir, "home") };
    mkdirSync(env.HOME, { recursive: true });
    // What a user adds is the repository as git holds it (no node_modules, no build): claude copies the
    // whole marketplace folder into HOME, which for a working checkout would be its 250 MB of node_modules.
    const source = trackedCopy(join(t.dir, "marketplace"));
    const claude = (args: string[]) => runTool("claude", args, { env });
    const add = await claude(["plugin", "marketplace", "add", source]);
    assert.equal(add.code, 0, `${add.stdout}\n${add.stderr}`);
    const install = await claude(["plugin", "install", "el-ipc@el-ipc", "--config", "agent=you"]);
    assert.equal(install.code, 0, `${install.stdout}\n${install.stderr}`);
    assert.match((await claude(["plugin", "list"])).stdout, /el-ipc@el-ipc[\s\S]*enabled/);
  });

  it("declares its settings, its skills and a launcher that is executable", () => {
    assert.equal(manifest.name, "el-ipc");
    assert.deepEqual(Object.keys(manifest.userConfig), [
      "agent",
      "key_file",
      "server_url",
      "db_path",
      "channels",
    ]);
    for (const dir of manifest.skills) {
      const text = readFileSync(join(REPO_ROOT, dir, "SKILL.md"), "utf8");
      assert.match(
        text,
        /^---\nname: ipc-[a-z]+\ndescription: .{40,}\n---\n/,
        `${dir}/SKILL.md has a name and a description`,
      );
    }
    // Claude Code substitutes ${CLAUDE_PLUGIN_ROOT} itself.
    assert.equal(
      manifest.mcpServers["el-ipc"]?.command,
      ["$", "{CLAUDE_PLUGIN_ROOT}/plugin/el-ipc.sh"].join(""),
    );
    assert.equal(statSync(LAUNCHER).mode & 0o111, 0o111);
  });

  it("runs the hook from the checkout's build with the plugin's settings, and leaves them for the monitor (0600)", {
    skip: NO_CLI,
  }, async () => {
    const env: NodeJS.ProcessEnv = { ...t.env, XDG_DATA_HOME: join(t.dir, "xdg") };
    await cliJson(["send", "@you", "planner", "hello"], env);
    const data = join(t.dir, "plugin-data");
    const r = run(
      LAUNCHER,
      ["hook", "claude", "session-start"],
      {
        ...env,
        CLAUDE_PLUGIN_OPTION_AGENT: "you",
        CLAUDE_PLUGIN_OPTION_CHANNELS: "build",
        CLAUDE_PLUGIN_DATA: data,
      },
      JSON.stringify({ session_id: "p1" }),
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      JSON.parse(r.stdout).hookSpecificOutput.additionalContext,
      /^el-ipc: 1 unread in @you from planner/,
    );
    assert.equal(readFileSync(join(data, "settings"), "utf8"), `you\n\n\nbuild\n${t.db}\n`);
    assert.equal(statSync(join(data, "settings")).mode & 0o777, 0o600);
  });

  it("the monitor tails the inbox and the watched channels with the saved settings", () => {
    const dir = join(t.dir, "alone");
    const bin = join(dir, "bin");
    mkdirSync(join(dir, "plugin"), { recursive: true });
    mkdirSync(bin);
    copyFileSync(LAUNCHER, join(dir, "plugin", "el-ipc.sh"));
    chmodSync(join(dir, "plugin", "el-ipc.sh"), 0o755);
    // The el-ipc on the PATH here prints what it was started with.
    writeFileSync(join(bin, "el-ipc"), '#!/bin/sh\necho "$* key=$IPC_KEY url=$IPC_URL"\n');
    chmodSync(join(bin, "el-ipc"), 0o755);
    const data = join(dir, "data");
    mkdirSync(data);
    writeFileSync(join(data, "settings"), "you\n/k/you.key\nhttp://h:9876\nbuild,review\n");
    const r = run(join(dir, "plugin", "el-ipc.sh"), ["monitor", data], {
      PATH: `${bin}:/usr/bin:/bin`,
      HOME: dir,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "tail @you,build,review you key=/k/you.key url=http://h:9876\n");
  });

  it("the monitor delivers each message as one line and acknowledges it", {
    skip: NO_CLI || NO_TAIL,
  }, async () => {
    const env: NodeJS.ProcessEnv = { ...t.env, XDG_DATA_HOME: join(t.dir, "xdg-tail") };
    const data = join(t.dir, "tail-data");
    mkdirSync(data);
    writeFileSync(join(data, "settings"), `tailer\n\n\nbuild\n${t.db}\n`);
    const monitor = spawn(LAUNCHER, ["monitor", data], { env, stdio: ["ignore", "pipe", "pipe"] });
    try {
      const lines: string[] = [];
      monitor.stdout
        .setEncoding("utf8")
        .on("data", (d: string) => lines.push(...d.split("\n").filter(Boolean)));
      await cliJson(["send", "build", "planner", "to the monitor"], env);
      await cliJson(["send", "@tailer", "boss", "direct"], env);
      const deadline = Date.now() + 20_000;
      while (lines.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const got = lines.map((l) => JSON.parse(l) as { channel: string; content: string });
      assert.deepEqual(got.map((m) => [m.channel, m.content]).sort(), [
        ["@tailer", "direct"],
        ["build", "to the monitor"],
      ]);
      const deadline2 = Date.now() + 10_000;
      let left = await cliJson<unknown[]>(["read", "build,@tailer", "tailer", "--peek"], env);
      while (left.length > 0 && Date.now() < deadline2) {
        await new Promise((r) => setTimeout(r, 100));
        left = await cliJson<unknown[]>(["read", "build,@tailer", "tailer", "--peek"], env);
      }
      assert.deepEqual(left, [], "acknowledged once printed");
    } finally {
      monitor.kill("SIGTERM");
    }
  });

  it("fails with a one-line hint when el-ipc is neither built beside it nor on the PATH", () => {
    const dir = join(t.dir, "bare");
    mkdirSync(join(dir, "plugin"), { recursive: true });
    copyFileSync(LAUNCHER, join(dir, "plugin", "el-ipc.sh"));
    chmodSync(join(dir, "plugin", "el-ipc.sh"), 0o755);
    // A PATH holding bash and nothing else, so an el-ipc installed on this machine (npm install -g) is not found.
    const bin = bashOnlyPath(join(dir, "bash-only"));
    const r = run(join(dir, "plugin", "el-ipc.sh"), ["mcp", "--agent", "you"], { PATH: bin, HOME: dir });
    assert.equal(r.status, 127, r.stderr);
    assert.match(
      r.stderr,
      /^el-ipc: el-ipc not found: run 'npm install' in \S+ or install el-ipc on your PATH \(npm install -g el-ipc\)\n$/,
    );
  });

  it("npm ships what the plugin runs", () => {
    const r = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
      cwd: REPO_ROOT,
      encoding: "utf8",
      timeout: 120_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const files = new Set(
      (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]?.files.map((f) => f.path),
    );
    for (const f of [
      ".claude-plugin/plugin.json",
      ".claude-plugin/marketplace.json",
      "plugin/el-ipc.sh",
      "sources.d/ipc.sh",
      ...manifest.skills.map((s) => `${s.slice(2)}/SKILL.md`),
    ]) {
      assert.ok(files.has(f), `npm pack ships ${f}`);
    }
  });
});
