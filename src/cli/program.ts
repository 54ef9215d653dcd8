// The shape of the el-ipc command line: the program's global options and every command, each loaded only
// when it is named (or for the help listing).
import { defaultDbPath } from "../config.js";
import { VERSION } from "../core/version.js";
import type { CommandSpec, OptionSpec } from "./command.js";

/** The program itself: what `el-ipc --help` and `--version` show, and its global options. */
export interface ProgramSpec {
  name: string;
  description: string;
  version: string;
  /** Options of every command, given before or after the command name. */
  options: OptionSpec[];
}

/** el-ipc. */
export const PROGRAM: ProgramSpec = {
  name: "el-ipc",
  description: "Message queue for AI coding agents: channels, per-agent watermarks, Ed25519 identity",
  version: VERSION,
  options: [
    {
      flags: "--db <path>",
      // Where this user's database really is: XDG_DATA_HOME and HOME as they are set now.
      description: `SQLite database (default IPC_DB_PATH, else ${defaultDbPath(process.env)})`,
    },
    {
      flags: "--server <url>",
      description: "use this el-ipc server over HTTP instead of the database (default IPC_URL)",
    },
  ],
};

/** Every command by name, in the order of the help listing, with how to load its module. */
const COMMANDS = new Map<string, () => Promise<{ command: CommandSpec }>>([
  ["serve", () => import("./commands/serve.js")],
  ["send", () => import("./commands/send.js")],
  ["send-batch", () => import("./commands/send-batch.js")],
  ["read", () => import("./commands/read.js")],
  ["ack", () => import("./commands/ack.js")],
  ["seek", () => import("./commands/seek.js")],
  ["channels", () => import("./commands/channels.js")],
  ["seed", () => import("./commands/seed.js")],
  ["import", () => import("./commands/import.js")],
  ["migrate", () => import("./commands/migrate.js")],
  ["keygen", () => import("./commands/keygen.js")],
  ["register", () => import("./commands/register.js")],
  ["revoke", () => import("./commands/revoke.js")],
  ["rotate", () => import("./commands/rotate.js")],
  ["grant", () => import("./commands/grant.js")],
  ["deny", () => import("./commands/deny.js")],
  ["unset", () => import("./commands/unset.js")],
  ["access", () => import("./commands/access.js")],
  ["key-events", () => import("./commands/key-events.js")],
  ["agents", () => import("./commands/agents.js")],
  ["agent-card", () => import("./commands/agent-card.js")],
  ["webhook", () => import("./commands/webhook.js")],
  ["hook", () => import("./commands/hook.js")],
  ["init", () => import("./commands/init.js")],
  ["mcp", () => import("./commands/mcp.js")],
  ["tail", () => import("./commands/tail.js")],
  ["token", () => import("./commands/token.js")],
  ["token-revoke", () => import("./commands/token-revoke.js")],
  ["tokens", () => import("./commands/tokens.js")],
  ["dashboard", () => import("./commands/dashboard.js")],
  ["doctor", () => import("./commands/doctor.js")],
]);

/** The names of all commands, in the order of the help listing. */
export const COMMAND_NAMES: readonly string[] = [...COMMANDS.keys()];

/** True when `name` is a command. */
export function isCommand(name: string): boolean {
  return COMMANDS.has(name);
}

/** Loads the command `name` (one of COMMAND_NAMES). */
export async function loadCommand(name: string): Promise<CommandSpec> {
  const load = COMMANDS.get(name);
  if (!load) throw new Error(`no command ${name}`);
  return (await load()).command;
}
