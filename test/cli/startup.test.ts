// The CLI's send and read paths run once per message and must start fast: they may not load the HTTP
// framework, its validation library, its logger or commander. The built entry is an ES module that runs the
// CommonJS bundle (a module-resolve hook sees the former, require.cache the bundle and CommonJS packages).
// Commander is only loaded when the fast parser gives up, so the fast parser must read every command line
// it accepts exactly as commander would.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import type { CommandSpec } from "../../src/cli/command.js";
import { buildProgram } from "../../src/cli/commander.js";
import { parseCommandLine } from "../../src/cli/parse.js";
import { COMMAND_NAMES, loadCommand, PROGRAM } from "../../src/cli/program.js";
import { CLI } from "../helpers/cli.js";
import { makePostgresDatabase, pgUnavailable } from "../helpers/postgres.js";

const HEAVY = [
  "/fastify/",
  "/zod/",
  "/pino/",
  "/undici/",
  "/src/http/",
  "/commander/",
  "/@modelcontextprotocol/",
  "/node_modules/postgres/",
  "node:crypto",
];

describe("CLI start-up", () => {
  const dir = mkdtempSync(join(tmpdir(), "el-ipc-startup-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const hooks = join(dir, "hooks.mjs");
  writeFileSync(
    hooks,
    [
      // A worker thread runs --import again and registers these hooks with its own prefix.
      'let prefix = "LOADED ";',
      "export function initialize(p) { prefix = p; }",
      "export async function resolve(s, c, next) {",
      "  const r = await next(s, c);",
      '  process.stderr.write(prefix + r.url + "\\n");',
      "  return r;",
      "}",
      "",
    ].join("\n"),
  );
  const register = join(dir, "register.mjs");
  writeFileSync(
    register,
    [
      'import { createRequire, register } from "node:module";',
      'import { isMainThread } from "node:worker_threads";',
      `register(${JSON.stringify(pathToFileURL(hooks).href)}, { data: isMainThread ? "LOADED " : "WORKER " });`,
      "const require = createRequire(import.meta.url);",
      'process.on("exit", () => {',
      '  for (const f of Object.keys(require.cache)) process.stderr.write("LOADED " + f + "\\n");',
      // Node's own modules are in neither; compiling its crypto modules is several ms of a start.
      '  if (process.moduleLoadList.includes("NativeModule crypto")) process.stderr.write("LOADED node:crypto\\n");',
      "});",
      "",
    ].join("\n"),
  );

  function loaded(args: string[], env: NodeJS.ProcessEnv = { IPC_DB_PATH: join(dir, "ipc.db") }): string[] {
    const r = spawnSync(process.execPath, ["--import", register, CLI, ...args], {
      env: { ...process.env, IPC_DB_URL: "", ...env },
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
    return r.stderr
      .split("\n")
      .filter((l) => l.startsWith("LOADED "))
      .map((l) => l.slice(7));
  }

  for (const args of [
    ["send", "general", "alice", "hi"],
    ["read", "general", "bob"],
    ["ack", "general", "bob", "1"],
  ]) {
    it(`${args[0]} loads better-sqlite3 but no HTTP framework, no PostgreSQL driver, no commander and no node:crypto`, () => {
      const urls = loaded(args);
      assert.ok(
        urls.some((u) => u.includes("/better-sqlite3/")),
        "the hooks saw the modules (sanity check)",
      );
      for (const heavy of HEAVY) {
        assert.deepEqual(
          urls.filter((u) => u.includes(heavy)),
          [],
          `${args[0]} must not load ${heavy}`,
        );
      }
    });
  }

  it("send on a postgres:// URL loads the PostgreSQL driver and not SQLite", async (t) => {
    const skip = await pgUnavailable();
    if (skip) {
      t.skip(skip);
      return;
    }
    const db = await makePostgresDatabase();
    try {
      const urls = loaded(["send", "general", "alice", "hi"], { IPC_DB_URL: db.url });
      assert.ok(
        urls.some((u) => u.includes("/node_modules/postgres/")),
        "send loads postgres",
      );
      assert.deepEqual(
        urls.filter((u) => u.includes("/better-sqlite3/") || u.includes("/fastify/")),
        [],
      );
    } finally {
      await db.drop();
    }
  });

  it("serve loads the HTTP face from the same bundle, each module once, one IpcError class", async () => {
    const child = spawn(process.execPath, ["--import", register, CLI, "serve", "0"], {
      env: { ...process.env, IPC_DB_PATH: join(dir, "serve.db") },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8");
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stderr.on("data", (d: string) => {
        stderr += d;
        // The signal handlers are set right after the last start-up line.
        if (stderr.includes("open mode")) setTimeout(resolve, 300);
      });
      child.on("exit", () => reject(new Error(`serve ended: ${stderr}`)));
    });
    // The HTTP face answers the core's refusal as a 4xx only if the IpcError it checks for is the class
    // the core threw: one copy of the core in the process.
    const url = /"url":"(http:[^"]+)"/.exec(stderr)?.[1];
    assert.ok(url, stderr);
    const refused = await fetch(`${url}/ack`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ channel: "c", agent: "a", id: 99 }),
    });
    assert.equal(refused.status, 400);
    assert.equal(((await refused.json()) as { code: string }).code, "invalid_argument");
    child.kill("SIGTERM");
    assert.equal(await exited, 0, stderr);
    const ours = stderr
      .split("\n")
      .filter((l) => l.startsWith("LOADED file:") && !l.includes("/node_modules/"))
      .map((l) => l.slice(7));
    const lib = dirname(pathToFileURL(CLI).href);
    // The WAL checkpointer's worker thread loads its own modules: the worker's entry and its chunks.
    assert.ok(stderr.includes(`WORKER ${lib}/checkpoint-worker.js\n`), "the worker runs (sanity check)");
    assert.deepEqual(
      ours.filter((u) => u.startsWith(`${lib}/`)),
      [`${lib}/cli.js`],
      "the launcher is the only ES module of el-ipc: the HTTP face comes from the CLI's bundle",
    );
    assert.ok(stderr.includes(`LOADED ${join(dirname(CLI), "cli.cjs")}\n`), "the bundle (sanity check)");
    assert.deepEqual(
      ours.filter((u) => !u.startsWith(`${lib}/`) && !u.startsWith(pathToFileURL(dir).href)),
      [],
      "every module of el-ipc comes from the one bundle (none from tsc's output beside it)",
    );
    assert.ok(stderr.includes("/fastify/"), "serve loads fastify (sanity check)");
  });

  it("help is left to commander (the hooks would see it)", () => {
    assert.ok(loaded(["send", "--help"]).some((u) => u.includes("/commander/")));
  });

  it("every command answers --help with its usage", () => {
    for (const name of COMMAND_NAMES) {
      const r = spawnSync(process.execPath, [CLI, name, "--help"], { encoding: "utf8" });
      assert.equal(r.status, 0, `${name} --help: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^Usage: el-ipc ${name} `), name);
    }
  });
});

/** What commander hands the command's run for `argv` (the arguments after the script). */
async function commanderValues(command: CommandSpec, argv: string[]): Promise<unknown[]> {
  let got: unknown[] | undefined;
  const capture: CommandSpec = {
    ...command,
    run: async (...values: never[]) => {
      got = values;
    },
  };
  await buildProgram(PROGRAM, [capture]).parseAsync(["node", "el-ipc", ...argv]);
  assert.ok(got, `commander ran ${command.name}`);
  return got;
}

/** Command lines (after the command name) that the fast parser reads, for every command. */
const ACCEPTED: Record<string, string[][]> = {
  serve: [
    [],
    ["0"],
    ["9000", "--host", "0.0.0.0", "--allow-open"],
    ["0", "--no-metrics"],
    ["0", "--ngrok", "--ngrok-domain", "x.ngrok.app"],
  ],
  send: [
    ["c", "a", "hi"],
    ["c", "a", "hello", "world"],
    ["c", "a", "-"],
    ["c", "a", "hi", "--key", "k.pem", "--dedupe-key", "d1"],
    ["c", "a", "--key=k.pem", "hi", "there"],
    ["c", "a", "--", "-x", "--key"],
    ["c", "a", "hi", "--db", "other.db"],
  ],
  "send-batch": [[], ["in.ndjson"], ["-", "--key", "k.pem"]],
  read: [
    ["c", "bob"],
    ["a,b", "bob", "--wait", "--timeout", "5"],
    ["c", "bob", "--peek", "--limit=10", "--key", "k.pem"],
  ],
  ack: [
    ["c", "bob", "7"],
    ["c", "bob", "7", "--key", "k.pem"],
  ],
  seek: [
    ["c", "bob", "7"],
    ["c", "bob", "start", "--key", "k.pem"],
    ["c", "bob", "end", "--key", "op.key", "--as", "op"],
  ],
  channels: [[], ["--key", "k.pem", "--as", "bob"]],
  seed: [["op"]],
  keygen: [[], ["--out", "p", "--force"]],
  register: [["bob", "--pubkey", "b.pub", "--as", "op", "--key", "op.key", "--identity", "x"]],
  revoke: [["bob", "--as", "op", "--key", "op.key"]],
  rotate: [["bob", "--pubkey", "b.pub", "--as", "op", "--key", "op.key"]],
  grant: [["bob", "x*", "--read", "--as", "op", "--key", "op.key"]],
  deny: [["bob", "x*", "--as", "op", "--key", "op.key", "--write"]],
  unset: [["bob", "x*", "--read", "--as", "op", "--key", "op.key"]],
  import: [["/tmp/el-ipc.db"], ["ref.db", "--db", "x.db"]],
  hook: [
    ["claude", "user-prompt-submit"],
    ["codex", "session-start", "--agent", "bob", "--key", "b.key", "--channels", "build,ci"],
  ],
  init: [
    ["claude", "--agent", "bob"],
    [
      "codex",
      "--agent",
      "bob",
      "--key",
      "b.key",
      "--register",
      "--as",
      "op",
      "--key-op",
      "op.key",
      "--user",
      "--dry-run",
    ],
    ["gemini", "--agent", "bob", "--channels", "a,b", "--project", "--server", "http://h:1"],
  ],
  access: [[], ["bob", "--json"], ["--key", "op.key", "--as", "op"]],
  "key-events": [["bob"], ["bob", "--json", "--key", "op.key", "--as", "op"]],
  agents: [[], ["--json"]],
  "agent-card": [[]],
  webhook: [
    [
      "add",
      "ci-*",
      "https://ci.example/hook",
      "--as",
      "op",
      "--key",
      "op.key",
      "--secret-file",
      "s",
      "--allow-private",
    ],
    ["list", "--json"],
    ["deliveries", "3", "--limit", "5", "--key", "op.key", "--as", "op"],
    ["remove", "3", "--as", "op", "--key", "op.key"],
  ],
  mcp: [
    ["--agent", "alice"],
    ["--agent", "alice", "--key", "k.pem", "--channel", "--channels", "@alice,ci"],
  ],
  tail: [
    ["c", "bob"],
    ["a,b", "bob", "--key", "k.pem"],
  ],
  token: [
    ["bob", "--as", "op", "--key", "op.key"],
    ["bob", "--as", "op", "--key", "op.key", "--ttl", "7d"],
  ],
  "token-revoke": [["0123456789abcdef", "--as", "op", "--key", "op.key"]],
  doctor: [[], ["--key", "k.pem", "--as", "bob", "--json"]],
  migrate: [
    ["--from", "a.db", "--to", "postgres://db/q"],
    ["--to", "b.db", "--from", "postgres://u:p@db/q"],
  ],
  tokens: [
    ["--as", "op", "--key", "op.key"],
    ["--agent", "bob", "--as", "op", "--key", "op.key"],
  ],
  dashboard: [["--as", "op", "--key", "op.key"], ["--as", "op", "--key", "op.key", "--json"], []],
};

/** Command lines the fast parser leaves to commander (help, usage errors). */
const LEFT: [string, string[]][] = [
  ["send", ["c"]],
  ["send", ["c", "a", "hi", "--help"]],
  ["send", ["c", "a", "--key"]],
  ["send", ["c", "a", "-5"]],
  ["read", ["c", "bob", "--limit", "x"]],
  ["read", ["c", "bob", "--limit", "1001"]],
  ["read", ["c", "bob", "extra"]],
  ["read", ["c", "bob", "--bogus"]],
  ["ack", ["c", "bob", "-1"]],
  ["register", ["bob", "--as", "op", "--key", "op.key"]],
  ["agents", ["extra"]],
  ["access", ["bob", "extra"]],
  ["key-events", []],
  ["agents", ["--json=yes"]],
  ["webhook", []],
  ["webhook", ["deliveries", "3", "--limit", "x"]],
];

describe("the fast command-line parser", () => {
  it("reads what it accepts exactly as commander does, for every command", async () => {
    assert.deepEqual(Object.keys(ACCEPTED).sort(), [...COMMAND_NAMES].sort());
    for (const name of COMMAND_NAMES) {
      const command = await loadCommand(name);
      for (const args of ACCEPTED[name] ?? []) {
        for (const leading of [[], ["--db", "x.db"], ["--server=http://127.0.0.1:1"]]) {
          const line = [...leading, name, ...args].join(" ");
          const fast = parseCommandLine(command, PROGRAM.options, leading, args);
          assert.ok(fast, `the fast parser reads: ${line}`);
          // Through JSON: commander keeps unset global options as undefined keys, which run cannot tell apart.
          const slow = await commanderValues(command, [...leading, name, ...args]);
          assert.deepEqual(JSON.parse(JSON.stringify(fast)), JSON.parse(JSON.stringify(slow)), line);
        }
      }
    }
  });

  it("leaves help and usage errors to commander", async () => {
    for (const [name, args] of LEFT) {
      const command = await loadCommand(name);
      assert.equal(
        parseCommandLine(command, PROGRAM.options, [], args),
        undefined,
        `${name} ${args.join(" ")}`,
      );
    }
  });
});
