// sidecar/plugin.py as el-sidecar runs it: loaded by a harness whose api records every call (and keeps
// el-sidecar's unique (source, ts) events table), against a real el-ipc server in secure mode, restarted
// in the middle. Skips when python3 is absent.
import * as assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CLI, cliJson, runCli, startServerProcess, tempDb } from "../helpers/cli.js";
import { REPO_ROOT } from "../helpers/fixtures.js";
import { postJson, until } from "../helpers/http.js";

const PYTHON = spawnSync("python3", ["--version"]).status === 0 ? "python3" : undefined;
const SKIP = PYTHON ? false : "python3 is not installed: the sidecar plugin needs it";
const PLUGIN = join(REPO_ROOT, "sidecar", "plugin.py");
const HARNESS = join(REPO_ROOT, "test", "sidecar", "harness.py");

interface Call {
  call: string;
  inserted?: boolean;
  source?: string;
  ts?: string;
  user_id?: string;
  text?: string;
  channel?: string;
  type?: string;
  metadata?: Record<string, unknown>;
}

interface Harness {
  calls: Call[];
  stderr(): string;
  stop(): Promise<void>;
}

function startHarness(env: NodeJS.ProcessEnv, eventsDb: string): Harness {
  const child: ChildProcess = spawn(PYTHON as string, [HARNESS, PLUGIN, eventsDb], { env, stdio: "pipe" });
  const calls: Call[] = [];
  let buffer = "";
  let err = "";
  child.stdout?.on("data", (d: Buffer) => {
    buffer += d;
    for (let i = buffer.indexOf("\n"); i >= 0; i = buffer.indexOf("\n")) {
      calls.push(JSON.parse(buffer.slice(0, i)) as Call);
      buffer = buffer.slice(i + 1);
    }
  });
  child.stderr?.on("data", (d: Buffer) => {
    err += d;
  });
  const exited = new Promise<void>((ok) => child.once("exit", () => ok()));
  return {
    calls,
    stderr: () => err,
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

describe("the el-sidecar plugin", { skip: SKIP }, () => {
  const t = tempDb();
  const home = join(t.dir, "home");
  const key = (name: string) => join(t.dir, `${name}.key`);
  const harnesses: Harness[] = [];
  let server: Awaited<ReturnType<typeof startServerProcess>>;

  before(async () => {
    mkdirSync(home);
    const seeded = await runCli(["seed", "op-main"], t.env);
    writeFileSync(key("op-main"), seeded.stdout, { mode: 0o600 });
    for (const name of ["bob", "eve"]) {
      assert.equal((await runCli(["keygen", "--out", join(t.dir, name)], t.env)).code, 0);
    }
    const reg = await runCli(
      ["register", "bob", "--pubkey", join(t.dir, "bob.pub"), "--as", "op-main", "--key", key("op-main")],
      t.env,
    );
    assert.equal(reg.code, 0, reg.stderr);
    server = await startServerProcess(t.env);
  });
  after(async () => {
    for (const h of harnesses) await h.stop();
    await server?.stop();
    t.cleanup();
  });

  const remote = () => ({ ...t.env, IPC_URL: server.url });
  const send = (channel: string, content: string, env: NodeJS.ProcessEnv = remote()) =>
    cliJson<{ id: number }>(["send", channel, "op-main", content, "--key", key("op-main")], env);
  const harnessEnv = (extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      PYTHONDONTWRITEBYTECODE: "1",
      HOME: home,
      IPC_CLI: `${process.execPath} ${CLI}`,
      ...extra,
    };
    return env;
  };
  const inserted = (h: Harness, type: string) =>
    h.calls.filter((c) => c.call === "insert_event" && c.type === type && c.inserted);

  it("inserts each message of the agent's channels once, acknowledged after the insert, across a server restart", async () => {
    const h = startHarness(
      harnessEnv({ IPC_URL: server.url, IPC_AGENT: "bob", IPC_KEY: key("bob"), IPC_CHANNELS: "team" }),
      join(t.dir, "events-bob.db"),
    );
    harnesses.push(h);
    const ids = [(await send("@bob", "to the inbox")).id, (await send("team", "to the team")).id];
    await send("elsewhere", "not followed");
    assert.ok(await until(() => inserted(h, "ipc_message").length >= 2, 20_000), h.stderr());
    const [first] = inserted(h, "ipc_message");
    assert.deepEqual(first, {
      call: "insert_event",
      inserted: true,
      source: "ipc",
      ts: String(ids[0]),
      user_id: "op-main",
      text: "to the inbox",
      channel: "@bob",
      type: "ipc_message",
      metadata: { sender: "op-main", channel: "@bob", message_id: ids[0], signed: true },
    });
    const firstInsert = h.calls.indexOf(first as Call);
    assert.ok(
      h.calls.slice(firstInsert).some((c) => c.call === "notify_waiters"),
      "the drain is woken",
    );

    // The server goes away; messages arrive in its database meanwhile; it comes back on the same port.
    const port = new URL(server.url).port;
    await server.stop();
    ids.push((await send("@bob", "while the server was down", t.env)).id);
    ids.push((await send("team", "also while down", t.env)).id);
    server = await startServerProcess(t.env, [], port);
    ids.push((await send("team", "after the restart")).id);
    assert.ok(await until(() => inserted(h, "ipc_message").length >= 5, 30_000), h.stderr());
    await new Promise((ok) => setTimeout(ok, 500));
    const got = inserted(h, "ipc_message").map((c) => Number(c.ts));
    assert.deepEqual(
      [...got].sort((a, b) => a - b),
      ids,
    );
    // Acknowledged: nothing is unread for bob any more.
    const unread = await cliJson<unknown[]>(
      ["read", "@bob,team", "bob", "--peek", "--key", key("bob")],
      remote(),
    );
    assert.deepEqual(unread, []);
  });

  it("reads its configuration from the plugin's user config before the environment", async () => {
    const cfgHome = join(t.dir, "cfg-home");
    mkdirSync(join(cfgHome, ".claude"), { recursive: true });
    writeFileSync(
      join(cfgHome, ".claude", "settings.json"),
      JSON.stringify({
        pluginConfigs: {
          "el-ipc@el-market": {
            options: { agent: "bob", key_file: key("bob"), server_url: server.url, channels: "ops" },
          },
        },
      }),
    );
    const h = startHarness(
      { ...harnessEnv({ IPC_AGENT: "someone-else", IPC_URL: "http://127.0.0.1:9" }), HOME: cfgHome },
      join(t.dir, "events-cfg.db"),
    );
    harnesses.push(h);
    const id = (await send("ops", "configured")).id;
    assert.ok(
      await until(() => inserted(h, "ipc_message").some((c) => c.ts === String(id)), 20_000),
      h.stderr(),
    );
    assert.match(h.stderr(), /following @bob,ops as bob on http/);
    await h.stop();
  });

  it("turns refusals into security_alert events: its own refused read, and _security for an operator", async () => {
    const wrong = startHarness(
      harnessEnv({ IPC_URL: server.url, IPC_AGENT: "bob", IPC_KEY: key("eve") }),
      join(t.dir, "events-wrong.db"),
    );
    harnesses.push(wrong);
    assert.ok(await until(() => inserted(wrong, "security_alert").length >= 1, 20_000), wrong.stderr());
    const alert = inserted(wrong, "security_alert")[0] as Call;
    assert.equal(alert.metadata?.alert_type, "read_refused");
    assert.match(String(alert.metadata?.detail), /^el-ipc: /);
    assert.equal(inserted(wrong, "ipc_message").length, 0);

    const op = startHarness(
      harnessEnv({
        IPC_URL: server.url,
        IPC_AGENT: "op-main",
        IPC_KEY: key("op-main"),
        IPC_CHANNELS: "guarded",
      }),
      join(t.dir, "events-op.db"),
    );
    harnesses.push(op);
    // Its pollers start once it has read its configuration (the refusal is found either way: it is
    // unread for the operator until the plugin reads it).
    assert.ok(await until(() => /following \S*guarded as op-main/.test(op.stderr()), 20_000), op.stderr());
    const forged = await postJson(`${server.url}/send`, {
      channel: "guarded",
      sender: "bob",
      content: "unsigned",
    });
    assert.equal(forged.status, 401);
    assert.ok(
      await until(() => inserted(op, "security_alert").some((c) => c.channel === "guarded"), 20_000),
      op.stderr(),
    );
    const seen = inserted(op, "security_alert").find((c) => c.channel === "guarded") as Call;
    assert.equal(seen.metadata?.alert_type, "unauthenticated");
    assert.equal(seen.user_id, "bob");
  });
});
