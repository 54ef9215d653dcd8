// `el-ipc hook` as the harnesses run it: a real CLI process, hook JSON on stdin, a temp database and data
// folder; locally and against a real server in secure mode.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CLI, type CliResult, cliJson, runCli, startServerProcess, tempDb } from "../../helpers/cli.js";

const NO_CLI = existsSync(CLI) ? false : `${CLI} is not built yet (node scripts/build.mjs)`;

function hook(
  args: string[],
  env: NodeJS.ProcessEnv,
  input: unknown = { session_id: "s1" },
): Promise<CliResult> {
  return runCli(["hook", ...args], env, { input: typeof input === "string" ? input : JSON.stringify(input) });
}

/** The additionalContext of a Claude-shaped answer. */
function context(r: CliResult, event = "UserPromptSubmit"): string {
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as {
    hookSpecificOutput: { hookEventName: string; additionalContext: string };
  };
  assert.equal(out.hookSpecificOutput.hookEventName, event);
  return out.hookSpecificOutput.additionalContext;
}

/** One line on stderr prefixed el-ipc:, exit 1 (never 2: that would block the prompt), nothing on stdout. */
function warned(r: CliResult, pattern: RegExp): void {
  assert.equal(r.code, 1, `exit 1, got ${r.code}: ${r.stderr}`);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /^el-ipc: hook: [^\n]+\n$/);
  assert.match(r.stderr, pattern);
}

describe("el-ipc hook (local database)", { skip: NO_CLI }, () => {
  const t = tempDb();
  const env: NodeJS.ProcessEnv = { ...t.env, XDG_DATA_HOME: join(t.dir, "data") };
  delete env.IPC_AGENT;
  delete env.IPC_KEY;
  delete env.IPC_CHANNELS;
  const send = (channel: string, sender: string, text: string) =>
    cliJson(["send", channel, sender, text], env);
  after(() => t.cleanup());

  it("is silent and creates no database when there is none yet", async () => {
    const r = await hook(["claude", "session-start", "--agent", "you"], env);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, "", ""]);
    assert.equal(existsSync(t.db), false);
  });

  it("names what is unread where and from whom, once per session, and moves no watermark", async () => {
    await send("build", "planner", "one");
    await send("build", "planner", "two");
    await send("build", "tester", "three");
    await send("@you", "boss", "private");
    const args = ["claude", "user-prompt-submit", "--agent", "you", "--channels", "build"];
    assert.equal(
      context(await hook(args, env)),
      "el-ipc: 3 unread on #build from planner and tester, 1 in @you from boss. Read them with the read_messages tool or: el-ipc read build,@you you",
    );
    const again = await hook(args, env);
    assert.deepEqual([again.code, again.stdout], [0, ""], "nothing new: silent");
    await send("build", "planner", "four");
    assert.equal(
      context(await hook(args, env)),
      "el-ipc: 1 unread on #build from planner (4 in all). Read them with the read_messages tool or: el-ipc read build,@you you",
    );
    const unread = await cliJson<unknown[]>(["read", "build", "you", "--peek"], env);
    assert.equal(unread.length, 4, "the hook only peeked");
  });

  it("reminds a new session of what is unread", async () => {
    const text = context(
      await hook(["claude", "session-start", "--agent", "you"], env, { session_id: "s2" }),
      "SessionStart",
    );
    assert.match(text, /^el-ipc: 1 unread in @you from boss\./);
  });

  it("keeps its state in one private file in the data folder", () => {
    const state = join(env.XDG_DATA_HOME as string, "el-ipc", "hook-state.json");
    assert.equal(statSync(state).mode & 0o777, 0o600);
  });

  it("answers Codex, Gemini CLI and Cursor in their shapes", async () => {
    await send("@you", "boss", "more");
    const fresh = (id: string) => ({ session_id: id, conversation_id: id });
    assert.match(
      context(await hook(["codex", "UserPromptSubmit", "--agent", "you"], env, fresh("c1"))),
      /2 unread in @you from boss/,
    );
    assert.match(
      context(await hook(["gemini", "before-agent", "--agent", "you"], env, fresh("g1")), "BeforeAgent"),
      /2 unread in @you/,
    );
    const cursorStart = await hook(["cursor", "session-start", "--agent", "you"], env, fresh("k1"));
    assert.match(
      (JSON.parse(cursorStart.stdout) as { additional_context: string }).additional_context,
      /2 unread in @you/,
    );
    const prompt = await hook(["cursor", "beforeSubmitPrompt", "--agent", "you"], env, fresh("k2"));
    const answer = JSON.parse(prompt.stdout) as { continue: boolean; user_message: string };
    assert.equal(answer.continue, true);
    assert.match(answer.user_message, /2 unread in @you/);
    const quiet = await hook(["cursor", "before-submit-prompt", "--agent", "you"], env, fresh("k2"));
    assert.deepEqual(JSON.parse(quiet.stdout), { continue: true }, "Cursor always gets its answer");
  });

  it("takes the agent from IPC_AGENT and works without hook input", async () => {
    const r = await hook(["claude", "session-start"], { ...env, IPC_AGENT: "you" }, "");
    assert.match(context(r, "SessionStart"), /unread in @you/);
  });

  it("warns in one line and exits 1 (never blocking the prompt) on bad use", async () => {
    warned(await hook(["claude", "session-start"], env), /--agent <name> or set IPC_AGENT/);
    warned(await hook(["vim", "session-start", "--agent", "you"], env), /unknown agent kind 'vim'/);
    warned(
      await hook(["cursor", "user-prompt-submit", "--agent", "you"], env),
      /session-start or before-submit-prompt/,
    );
    warned(await hook(["claude", "session-start", "--agent", "bad name"], env), /whitespace/);
    warned(
      await hook(["claude", "session-start", "--agent", "you", "--key", join(t.dir, "none.key")], env),
      /cannot read key file/,
    );
  });
});

describe("el-ipc hook (secure server)", { skip: NO_CLI }, () => {
  const t = tempDb();
  const env = { ...t.env, XDG_DATA_HOME: join(t.dir, "data") };
  let server: Awaited<ReturnType<typeof startServerProcess>>;
  let remote: NodeJS.ProcessEnv;
  const keys = join(t.dir, "keys");
  before(async () => {
    mkdirSync(keys);
    const seeded = await runCli(["seed", "op"], env);
    const { writeFileSync } = await import("node:fs");
    writeFileSync(join(keys, "op.key"), seeded.stdout, { mode: 0o600 });
    for (const name of ["you", "planner"]) {
      await runCli(["keygen", "--out", join(keys, name)], env);
      await cliJson(
        [
          "register",
          name,
          "--pubkey",
          join(keys, `${name}.pub`),
          "--as",
          "op",
          "--key",
          join(keys, "op.key"),
        ],
        env,
      );
    }
    server = await startServerProcess(env);
    remote = { ...env, IPC_URL: server.url };
    await cliJson(["send", "@you", "planner", "signed hello", "--key", join(keys, "planner.key")], remote);
  });
  after(async () => {
    await server?.stop();
    t.cleanup();
  });

  it("peeks with the agent's key over HTTP", async () => {
    const r = await hook(
      ["claude", "user-prompt-submit", "--agent", "you", "--key", join(keys, "you.key")],
      remote,
    );
    assert.match(context(r), /^el-ipc: 1 unread in @you from planner\./);
  });

  it("warns when the server refuses (no key), exit 1", async () => {
    warned(await hook(["claude", "user-prompt-submit", "--agent", "you"], remote, { session_id: "x" }), /./);
  });

  it("warns when no server answers, exit 1", async () => {
    const down = { ...env, IPC_URL: "http://127.0.0.1:9" };
    warned(
      await hook(["claude", "session-start", "--agent", "you", "--key", join(keys, "you.key")], down),
      /./,
    );
  });
});
