// Claude Code's own health check against our stdio server: `claude mcp add-json` then `claude mcp list`
// with HOME in a temp folder. Skips when no `claude` is on PATH or in node_modules/.bin.
import assert from "node:assert/strict";
import { accessSync, constants, mkdirSync } from "node:fs";
import { delimiter, join } from "node:path";
import { after, describe, it } from "node:test";
import { CLI, REPO_ROOT, runTool, tempDb } from "../helpers/cli.js";

/** The `claude` executable, if one is installed. */
function findClaude(): string | undefined {
  const dirs = [join(REPO_ROOT, "node_modules", ".bin"), ...(process.env.PATH ?? "").split(delimiter)];
  for (const dir of dirs) {
    const file = join(dir, "claude");
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {}
  }
  return undefined;
}

const claude = findClaude();

describe("claude mcp list against el-ipc mcp", {
  skip: claude ? false : "claude (Claude Code) is not installed",
}, () => {
  const t = tempDb();
  const home = join(t.dir, "home");
  const project = join(t.dir, "project");
  mkdirSync(home);
  mkdirSync(project);
  const env: NodeJS.ProcessEnv = { ...t.env, HOME: home, XDG_CONFIG_HOME: join(home, ".config") };
  const claudeRun = async (args: string[]) => {
    const r = await runTool(claude as string, args, { env, cwd: project, timeoutMs: 90_000 });
    assert.equal(r.code, 0, `claude ${args.join(" ")}: ${r.timedOut ? "did not end within 90 s" : r.stderr}`);
    return r;
  };
  after(() => t.cleanup());

  it("reports the stdio server, plain and with --channel, as connected", async () => {
    for (const [name, extra] of [
      ["el-ipc", []],
      ["el-ipc-channel", ["--channel"]],
    ] as const) {
      const config = {
        type: "stdio",
        command: process.execPath,
        args: [CLI, "mcp", "--agent", "alice", ...extra],
      };
      await claudeRun(["mcp", "add-json", "--scope", "user", name, JSON.stringify(config)]);
    }
    const { stdout } = await claudeRun(["mcp", "list"]);
    assert.match(stdout, /^el-ipc: .* - ✔ Connected$/m);
    assert.match(stdout, /^el-ipc-channel: .* - ✔ Connected$/m);
  });
});
