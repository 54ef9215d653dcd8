// `el-ipc hook <agent-kind> <event>`: run as an agent harness's hook (Claude Code, Codex, Cursor, Gemini
// CLI), peeks at the agent's unread messages and prints the harness's JSON with one line of context, only
// for messages it has not announced in this session before. Never moves a watermark, never blocks the
// prompt: any failure is one line on stderr and exit 1, which every harness treats as a non-blocking error.
import { dirname, join } from "node:path";
import { defaultDbPath } from "../../config.js";
import { IpcError } from "../../core/errors.js";
import { parseChannelList } from "../../core/limits.js";
import { storeExists } from "../../store/open.js";
import { type HookEvent, hookEvent, hookOutput, sessionOf } from "../agents/hook-events.js";
import { readHookInput } from "../agents/hook-input.js";
import { reminder } from "../agents/hook-reminder.js";
import { openHookState } from "../agents/hook-state.js";
import type { CommandSpec } from "../command.js";
import { configOf, type GlobalOptions, keyOf, withBackend } from "../context.js";
import { writeOut } from "../output.js";

/** Options of `hook`. */
interface HookOptions {
  agent?: string;
  key?: string;
  channels?: string;
}

/** Unread messages looked at per hook at most; beyond it counts read "100+". */
export const HOOK_PEEK_LIMIT = 100;
/** How long a hook waits for the database or server, in ms. */
const HOOK_TIMEOUT_MS = 5_000;

/** `hook`'s command line. */
export const command: CommandSpec = {
  name: "hook",
  description: "agent hook: tell the agent what is unread before its next prompt (peek only)",
  arguments: [
    { name: "<agent-kind>", description: "claude, codex, cursor or gemini" },
    {
      name: "<event>",
      description:
        "session-start, or the prompt hook: user-prompt-submit (claude, codex), before-submit-prompt (cursor), before-agent (gemini)",
    },
  ],
  options: [
    { flags: "--agent <name>", description: "the agent (default IPC_AGENT)" },
    { flags: "--key <file>", description: "the agent's private key (default IPC_KEY)" },
    {
      flags: "--channels <a,b>",
      description: "channels to watch besides the agent's inbox @<agent> (default IPC_CHANNELS)",
    },
  ],
  run,
};

/** Runs `hook`. */
export async function run(kind: string, eventName: string, opts: HookOptions, globals: GlobalOptions) {
  try {
    await remind(kind, eventName, opts, globals);
  } catch (e) {
    // Exit 2 would block the user's prompt in Claude Code, Codex and Gemini CLI: a hook only ever warns.
    const message = e instanceof IpcError ? e.message : "internal error";
    process.stderr.write(`el-ipc: hook: ${message}\n`);
    process.exit(1);
  }
}

async function remind(kind: string, eventName: string, opts: HookOptions, globals: GlobalOptions) {
  const event = hookEvent(kind, eventName);
  const agent = opts.agent ?? (process.env.IPC_AGENT || undefined);
  if (!agent) {
    throw new IpcError("invalid_argument", "which agent? give --agent <name> or set IPC_AGENT");
  }
  const extra = opts.channels ?? (process.env.IPC_CHANNELS || undefined);
  const channels = parseChannelList([`@${agent}`, ...(extra ? [extra] : [])].join(","));
  const key = keyOf(opts.key);
  const input = await readHookInput();
  const config = configOf(globals);
  // A database that does not exist yet holds nothing unread; the hook does not create one.
  if (!config.serverUrl && !storeExists(config.store)) return print(event, undefined);
  const where = config.serverUrl ?? config.database;
  const statePath = join(dirname(defaultDbPath(process.env)), "hook-state.json");
  const state = openHookState(statePath, [kind, agent, where, sessionOf(input) ?? ""], nowSeconds());
  const signal = AbortSignal.timeout(HOOK_TIMEOUT_MS);
  const unread = await withBackend(globals, (b) =>
    b.read({ channels, agent, peek: true, wait: false, limit: HOOK_PEEK_LIMIT, signal }, key),
  ).catch((e: unknown) => {
    if (signal.aborted) {
      throw new IpcError("unavailable", `no answer from ${where} within ${HOOK_TIMEOUT_MS / 1000} s`);
    }
    throw e;
  });
  const r = reminder(agent, unread, state.announced, unread.length >= HOOK_PEEK_LIMIT);
  await print(event, r.text);
  // Announced only once the line is out: a hook killed before that reminds again next time.
  if (r.text !== undefined) state.save(r.announced);
}

async function print(event: HookEvent, text: string | undefined): Promise<void> {
  const out = hookOutput(event, text);
  if (out !== undefined) await writeOut(`${out}\n`);
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
