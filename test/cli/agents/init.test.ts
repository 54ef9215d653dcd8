// `el-ipc init` for every harness: real CLI processes in a temp HOME and project; the written files are
// then read by each harness's own CLI where it is installed (claude, codex, gemini, opencode on the PATH).
import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { delimiter, join } from "node:path";
import { after, describe, it } from "node:test";
import { parse as parseToml } from "smol-toml";
import { isCommand } from "../../../src/cli/program.js";
import { CLI, type CliResult, runCli, runTool, tempDb } from "../../helpers/cli.js";

// biome-ignore lint/suspicious/noExplicitAny: configuration read back from files, checked by the assertions
type Doc = Record<string, any>;

// `el-ipc mcp` comes with the MCP work (issue 10, part A); until the build has it, the health checks wait.
const NO_MCP = isCommand("mcp") ? false : "this build has no el-ipc mcp yet";
const NO_CLI = existsSync(CLI) ? false : `${CLI} is not built yet (node scripts/build.mjs)`;

/** The harness's CLI on the PATH, or a skip message naming it. */
function tool(name: string): string | false {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return false;
  }
  return `${name} is not installed (npm i -g ${PACKAGES[name]}); skipped`;
}
const PACKAGES: Record<string, string> = {
  claude: "@anthropic-ai/claude-code",
  codex: "@openai/codex",
  gemini: "@google/gemini-cli",
  opencode: "opencode-ai",
};

/** A fresh HOME and project folder. */
function place() {
  const t = tempDb();
  const home = join(t.dir, "home");
  const project = join(t.dir, "project");
  mkdirSync(home);
  mkdirSync(project);
  const env: NodeJS.ProcessEnv = {
    ...t.env,
    HOME: home,
    XDG_DATA_HOME: join(home, "data"),
    XDG_CONFIG_HOME: join(home, "config"),
  };
  for (const k of ["IPC_KEY", "CODEX_HOME", "IPC_AGENT"]) delete env[k];
  return { ...t, home, project, env };
}

function init(args: string[], p: ReturnType<typeof place>): Promise<CliResult> {
  return runCli(["init", ...args], p.env, { cwd: p.project });
}

function ok(r: CliResult): string {
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

const json = (path: string) => JSON.parse(readFileSync(path, "utf8")) as Doc;

/** Runs a harness's CLI in the project with the temp HOME; its stdout and stderr together. */
async function harness(cmd: string, args: string[], p: ReturnType<typeof place>): Promise<string> {
  const r = await runTool(cmd, args, { cwd: p.project, env: { ...p.env, NO_COLOR: "1" } });
  assert.equal(r.timedOut, false, `${cmd} ${args.join(" ")} did not end within 120 s`);
  return `${r.stdout}\n${r.stderr}`;
}

describe("el-ipc init", { skip: NO_CLI }, () => {
  const places: ReturnType<typeof place>[] = [];
  const fresh = () => {
    const p = place();
    places.push(p);
    return p;
  };
  after(() => {
    for (const p of places) p.cleanup();
  });

  it("claude: .mcp.json and hook settings beside other entries, a 0600 key, then nothing changes", async () => {
    const p = fresh();
    writeFileSync(
      join(p.project, ".mcp.json"),
      `${JSON.stringify({ mcpServers: { other: { command: "other" } } }, null, 4)}\n`,
    );
    mkdirSync(join(p.project, ".claude"));
    const mine = { type: "command", command: "echo mine" };
    writeFileSync(
      join(p.project, ".claude", "settings.json"),
      JSON.stringify({ model: "x", hooks: { UserPromptSubmit: [{ hooks: [mine] }] } }),
    );
    const out = ok(await init(["claude", "--agent", "bob"], p));
    assert.match(out, /^made the key .*bob\.key \(0600\)/);
    assert.match(out, /updated \.mcp\.json \(mcpServers\.el-ipc\):\n/);
    const key = join(p.home, "data", "el-ipc", "keys", "bob.key");
    assert.equal(statSync(key).mode & 0o777, 0o600);
    const mcp = json(join(p.project, ".mcp.json"));
    assert.deepEqual(mcp.mcpServers.other, { command: "other" });
    assert.deepEqual(mcp.mcpServers["el-ipc"].args.slice(-5), ["mcp", "--agent", "bob", "--key", key]);
    assert.match(
      readFileSync(join(p.project, ".mcp.json"), "utf8"),
      /^\{\n {4}"mcpServers"/,
      "keeps the file's indentation",
    );
    const settings = json(join(p.project, ".claude", "settings.json"));
    assert.equal(settings.model, "x");
    assert.deepEqual(settings.hooks.UserPromptSubmit[0], { hooks: [mine] });
    assert.match(
      settings.hooks.UserPromptSubmit[1].hooks[0].command,
      / hook claude user-prompt-submit --agent bob --key /,
    );
    assert.match(settings.hooks.SessionStart[0].hooks[0].command, / hook claude session-start --agent bob /);
    const before = readFileSync(join(p.project, ".claude", "settings.json"), "utf8");
    assert.equal(
      ok(await init(["claude", "--agent", "bob"], p)),
      "unchanged .mcp.json (mcpServers.el-ipc)\nunchanged .claude/settings.json (hooks (SessionStart, UserPromptSubmit))\n",
    );
    assert.equal(readFileSync(join(p.project, ".claude", "settings.json"), "utf8"), before);
  });

  it("claude --user writes ~/.claude.json and ~/.claude/settings.json", async () => {
    const p = fresh();
    writeFileSync(join(p.home, ".claude.json"), JSON.stringify({ numStartups: 3, mcpServers: {} }));
    ok(await init(["claude", "--agent", "bob", "--user", "--server", "http://127.0.0.1:9"], p));
    const user = json(join(p.home, ".claude.json"));
    assert.equal(user.numStartups, 3);
    assert.deepEqual(user.mcpServers["el-ipc"].args.slice(-2), ["--server", "http://127.0.0.1:9"]);
    assert.ok(json(join(p.home, ".claude", "settings.json")).hooks.SessionStart);
    assert.equal(existsSync(join(p.project, ".mcp.json")), false);
  });

  it("codex: [mcp_servers.el-ipc] in ~/.codex/config.toml without touching the rest, and hooks.json", async () => {
    const p = fresh();
    mkdirSync(join(p.home, ".codex"));
    const config = '# mine\nmodel = "o3"\n\n[mcp_servers.other]\ncommand = "other"\n';
    writeFileSync(join(p.home, ".codex", "config.toml"), config);
    ok(await init(["codex", "--agent", "bob"], p));
    const text = readFileSync(join(p.home, ".codex", "config.toml"), "utf8");
    assert.ok(text.startsWith(config));
    const parsed = JSON.parse(JSON.stringify(parseToml(text))) as Doc;
    assert.deepEqual(parsed.mcp_servers.other, { command: "other" });
    assert.equal(parsed.mcp_servers["el-ipc"].args.at(-3), "bob");
    assert.match(
      json(join(p.home, ".codex", "hooks.json")).hooks.UserPromptSubmit[0].hooks[0].command,
      / hook codex user-prompt-submit /,
    );
    ok(await init(["codex", "--agent", "carol"], p));
    const again = JSON.parse(
      JSON.stringify(parseToml(readFileSync(join(p.home, ".codex", "config.toml"), "utf8"))),
    ) as Doc;
    assert.equal(again.mcp_servers["el-ipc"].args.at(-3), "carol", "its own table replaced");
    const hooks = json(join(p.home, ".codex", "hooks.json")).hooks.UserPromptSubmit;
    assert.equal(hooks.length, 1, "its own hook replaced, not added twice");
  });

  it("cursor, gemini and opencode: their files, with hooks where they have them", async () => {
    const p = fresh();
    ok(await init(["cursor", "--agent", "bob", "--channels", "build"], p));
    const cursorHooks = json(join(p.project, ".cursor", "hooks.json"));
    assert.equal(cursorHooks.version, 1);
    assert.match(
      cursorHooks.hooks.beforeSubmitPrompt[0].command,
      / hook cursor before-submit-prompt .* --channels build$/,
    );
    assert.ok(json(join(p.project, ".cursor", "mcp.json")).mcpServers["el-ipc"]);
    ok(await init(["gemini", "--agent", "bob"], p));
    const gemini = json(join(p.project, ".gemini", "settings.json"));
    assert.ok(gemini.mcpServers["el-ipc"]);
    assert.match(gemini.hooks.BeforeAgent[0].hooks[0].command, / hook gemini before-agent /);
    ok(await init(["opencode", "--agent", "bob"], p));
    const opencode = json(join(p.project, "opencode.json"));
    assert.equal(opencode.mcp["el-ipc"].type, "local");
    assert.deepEqual(opencode.mcp["el-ipc"].command.slice(-5), [
      "mcp",
      "--agent",
      "bob",
      "--key",
      join(p.home, "data", "el-ipc", "keys", "bob.key"),
    ]);
  });

  it("writes `el-ipc` when this CLI is the el-ipc on the PATH, not when only npx put it there", async () => {
    const p = fresh();
    const npxBin = join(p.dir, "pkg", "node_modules", ".bin");
    const bin = join(p.dir, "bin");
    mkdirSync(npxBin, { recursive: true });
    mkdirSync(bin);
    symlinkSync(CLI, join(npxBin, "el-ipc"));
    const command = () => json(join(p.project, "opencode.json")).mcp["el-ipc"].command.slice(0, 2);
    ok(
      await init(["opencode", "--agent", "bob"], {
        ...p,
        env: { ...p.env, PATH: `${npxBin}${delimiter}${p.env.PATH}` },
      }),
    );
    assert.deepEqual(command(), [process.execPath, realpathSync(CLI)]);
    symlinkSync(CLI, join(bin, "el-ipc"));
    ok(
      await init(["opencode", "--agent", "bob"], {
        ...p,
        env: { ...p.env, PATH: `${bin}${delimiter}${p.env.PATH}` },
      }),
    );
    assert.deepEqual(command(), ["el-ipc", "mcp"]);
  });

  it("--dry-run shows the change and writes nothing, not even the key", async () => {
    const p = fresh();
    const out = ok(await init(["gemini", "--agent", "bob", "--dry-run"], p));
    assert.match(out, /^would make the key /);
    assert.match(out, /would create \.gemini\/settings\.json/);
    assert.match(out, /\+ +"command": /);
    assert.equal(existsSync(join(p.project, ".gemini")), false);
    assert.equal(existsSync(join(p.home, "data")), false);
  });

  it("registers the agent's key with an operator's key, once", async () => {
    const p = fresh();
    const seeded = await runCli(["seed", "op"], p.env);
    writeFileSync(join(p.dir, "op.key"), seeded.stdout, { mode: 0o600 });
    const register = ["--register", "--as", "op", "--key-op", join(p.dir, "op.key")];
    assert.match(
      ok(await init(["opencode", "--agent", "bob", ...register], p)),
      /registered bob \(signed by op\)/,
    );
    assert.match(
      ok(await init(["opencode", "--agent", "bob", ...register], p)),
      /bob was registered already, with this key/,
    );
    const other = await init(
      ["opencode", "--agent", "bob", "--key", join(p.dir, "other.key"), ...register],
      p,
    );
    assert.equal(other.code, 1);
    assert.match(other.stderr, /^el-ipc: bob is registered with another key than .*other\.key/);
  });

  it("refuses bad input in one line", async () => {
    const p = fresh();
    for (const [args, pattern] of [
      [["vim", "--agent", "bob"], /unknown agent kind 'vim'/],
      [["claude", "--agent", "bob", "--project", "--user"], /--project or --user, not both/],
      [["claude", "--agent", "bob", "--register"], /--register needs the operator/],
      [["claude", "--agent", "b c"], /whitespace/],
    ] as const) {
      const r = await init([...args], p);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^el-ipc: [^\n]+\n$/);
      assert.match(r.stderr, pattern);
    }
    writeFileSync(join(p.project, "opencode.json"), "{ // a comment\n}");
    const r = await init(["opencode", "--agent", "bob"], p);
    assert.match(r.stderr, /opencode.json is not plain JSON/);
    assert.equal(readFileSync(join(p.project, "opencode.json"), "utf8"), "{ // a comment\n}");
  });

  it("claude mcp list reads what init wrote", { skip: tool("claude") }, async () => {
    const p = fresh();
    ok(await init(["claude", "--agent", "bob"], p));
    ok(await init(["claude", "--agent", "bob", "--user"], p));
    const out = await harness("claude", ["mcp", "list"], p);
    assert.match(out, /el-ipc: \S+ \S*cli\.js mcp --agent bob --key \S+bob\.key/);
  });

  it("claude mcp list connects to the el-ipc MCP server init configured (user scope)", {
    skip: tool("claude") || NO_MCP,
  }, async () => {
    const p = fresh();
    ok(await init(["claude", "--agent", "bob", "--user"], p));
    assert.match(
      await harness("claude", ["mcp", "list"], p),
      /el-ipc: .*cli\.js mcp --agent bob .* - ✔ Connected/,
    );
  });

  it("opencode mcp list connects to the el-ipc MCP server init configured", {
    skip: tool("opencode") || NO_MCP,
  }, async () => {
    const p = fresh();
    ok(await init(["opencode", "--agent", "bob"], p));
    assert.match(await harness("opencode", ["mcp", "list"], p), /✓ el-ipc\S* *\S*connected/);
  });

  it("codex mcp list reads what init wrote", { skip: tool("codex") }, async () => {
    const p = fresh();
    mkdirSync(join(p.home, ".codex"));
    writeFileSync(join(p.home, ".codex", "config.toml"), '[mcp_servers.other]\ncommand = "other"\n');
    ok(await init(["codex", "--agent", "bob"], p));
    const out = await harness("codex", ["mcp", "list", "--json"], p);
    const servers = JSON.parse(out.slice(out.indexOf("["), out.lastIndexOf("]") + 1)) as { name: string }[];
    assert.deepEqual(servers.map((s) => s.name).sort(), ["el-ipc", "other"]);
  });

  it("gemini mcp list reads what init wrote", { skip: tool("gemini") }, async () => {
    const p = fresh();
    ok(await init(["gemini", "--agent", "bob"], p));
    assert.match(await harness("gemini", ["mcp", "list"], p), /el-ipc: \S+ \S*cli\.js mcp --agent bob/);
  });

  it("opencode mcp list reads what init wrote", { skip: tool("opencode") }, async () => {
    const p = fresh();
    ok(await init(["opencode", "--agent", "bob"], p));
    assert.match(await harness("opencode", ["mcp", "list"], p), /el-ipc[\s\S]*cli\.js mcp --agent bob/);
  });
});
