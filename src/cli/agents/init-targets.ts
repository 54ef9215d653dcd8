// Where each agent harness keeps its MCP servers and hooks, and el-ipc's entries in each: Claude Code
// (.mcp.json or ~/.claude.json, hooks in .claude/settings.json), Codex (config.toml [mcp_servers.el-ipc],
// hooks.json), Cursor (.cursor/mcp.json, .cursor/hooks.json), Gemini CLI (.gemini/settings.json) and
// OpenCode (opencode.json, no hooks). Only el-ipc's own entries are ever replaced.
import { join } from "node:path";
import { type HookKind, hookEventsOf } from "./hook-events.js";
import { arrayAt, editJson, type JsonObject, objectAt } from "./json-config.js";
import { setTomlTable } from "./toml-table.js";

/** Harnesses `init` configures. */
export const INIT_KINDS = ["claude", "codex", "cursor", "gemini", "opencode"] as const;

/** One of INIT_KINDS. */
export type InitKind = (typeof INIT_KINDS)[number];

/** The name of el-ipc's MCP server in every configuration. */
export const SERVER_NAME = "el-ipc";

/** What the written entries run. */
export interface InitSettings {
  /** The executable that starts el-ipc (`el-ipc`, or node). */
  command: string;
  /** Arguments before el-ipc's own (the CLI script when `command` is node). */
  prefix: string[];
  /** The agent's name. */
  agent: string;
  /** Absolute path of the agent's private key. */
  key: string;
  /** Server URL, when the agent talks to a server. */
  server?: string;
  /** Absolute database path, when not the default one. */
  db?: string;
  /** Channels the hooks watch besides the agent's inbox. */
  channels?: string;
}

/** One file init writes: its path and the new text given the old (undefined: missing). */
export interface FileEdit {
  path: string;
  /** What el-ipc sets in it, for the summary. */
  entry: string;
  edit(old: string | undefined, parseToml: (text: string) => Record<string, unknown>): string;
}

/** Folders the configurations are relative to. */
export interface Places {
  /** The project (current folder) for project scope, else the home folder. */
  base: string;
  scope: "project" | "user";
  env: NodeJS.ProcessEnv;
  home: string;
}

function sharedArgs(s: InitSettings): string[] {
  return [
    "--agent",
    s.agent,
    "--key",
    s.key,
    ...(s.server ? ["--server", s.server] : []),
    ...(s.db ? ["--db", s.db] : []),
  ];
}

/** The arguments after `command` that start the MCP server. */
export function mcpArgs(s: InitSettings): string[] {
  return [...s.prefix, "mcp", ...sharedArgs(s)];
}

/** `word` quoted for a POSIX shell when it needs it. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The shell command of el-ipc's hook for `event` of `kind`. */
export function hookCommand(s: InitSettings, kind: HookKind, event: string): string {
  const channels = s.channels ? ["--channels", s.channels] : [];
  return [s.command, ...s.prefix, "hook", kind, event, ...sharedArgs(s), ...channels]
    .map(shellWord)
    .join(" ");
}

/** True for a hook command init wrote (any agent, any options): `... hook <kind> <event> ... --agent ...`. */
export function isOurHook(command: unknown): boolean {
  return (
    typeof command === "string" &&
    /\shook (claude|codex|cursor|gemini) (session-start|user-prompt-submit|before-submit-prompt|before-agent)\s/.test(
      `${command} `,
    ) &&
    command.includes("--agent")
  );
}

/** Native event names, by kebab-case name, of the harnesses with Claude-style hook groups. */
const NATIVE: Record<string, string> = {
  "session-start": "SessionStart",
  "user-prompt-submit": "UserPromptSubmit",
  "before-agent": "BeforeAgent",
  "before-submit-prompt": "beforeSubmitPrompt",
};

/** Sets el-ipc's hooks in Claude-style `hooks: {Event: [{matcher?, hooks: [{type, command}]}]}`. */
function setGroupedHooks(doc: JsonObject, file: string, s: InitSettings, kind: HookKind) {
  const gemini = kind === "gemini";
  const hooks = objectAt(doc, "hooks", file);
  for (const event of hookEventsOf(kind)) {
    const name = NATIVE[event] as string;
    const groups = arrayAt(hooks, name, file);
    const kept = groups
      .map((g) => {
        if (typeof g !== "object" || g === null || !Array.isArray((g as JsonObject).hooks)) return g;
        const list = ((g as JsonObject).hooks as unknown[]).filter(
          (h) => !isOurHook((h as JsonObject)?.command),
        );
        return list.length === 0 ? undefined : { ...(g as JsonObject), hooks: list };
      })
      .filter((g) => g !== undefined);
    // Timeouts: Claude Code counts seconds, Gemini CLI milliseconds; Codex keeps its default.
    const handler = {
      ...(gemini ? { name: SERVER_NAME } : {}),
      type: "command",
      command: hookCommand(s, kind, event),
      ...(kind === "claude" ? { timeout: 10 } : gemini ? { timeout: 10_000 } : {}),
    };
    hooks[name] = [...kept, { ...(gemini ? { matcher: "*" } : {}), hooks: [handler] }];
  }
}

/** Sets el-ipc's hooks in Cursor's `{version: 1, hooks: {event: [{command}]}}`. */
function setCursorHooks(doc: JsonObject, file: string, s: InitSettings) {
  doc.version ??= 1;
  const hooks = objectAt(doc, "hooks", file);
  for (const event of hookEventsOf("cursor")) {
    const name = NATIVE[event] as string;
    const kept = arrayAt(hooks, name, file).filter((h) => !isOurHook((h as JsonObject)?.command));
    hooks[name] = [...kept, { command: hookCommand(s, "cursor", event) }];
  }
}

function jsonFile(path: string, entry: string, edit: (doc: JsonObject, file: string) => void): FileEdit {
  return { path, entry, edit: (old) => editJson(old, path, (doc) => edit(doc, path)) };
}

/** `mcpServers.el-ipc` of Claude Code, Cursor and Gemini CLI. */
function mcpServersFile(path: string, s: InitSettings, type?: "stdio"): FileEdit {
  return jsonFile(path, `mcpServers.${SERVER_NAME}`, (doc, file) => {
    objectAt(doc, "mcpServers", file)[SERVER_NAME] = {
      ...(type ? { type } : {}),
      command: s.command,
      args: mcpArgs(s),
    };
  });
}

/** The files init writes for `kind`, in the order it writes them. */
export function initFiles(kind: InitKind, s: InitSettings, p: Places): FileEdit[] {
  const user = p.scope === "user";
  switch (kind) {
    case "claude":
      return [
        mcpServersFile(user ? join(p.home, ".claude.json") : join(p.base, ".mcp.json"), s, "stdio"),
        jsonFile(
          join(p.base, ".claude", "settings.json"),
          "hooks (SessionStart, UserPromptSubmit)",
          (doc, f) => setGroupedHooks(doc, f, s, "claude"),
        ),
      ];
    case "codex": {
      const dir = user ? p.env.CODEX_HOME || join(p.home, ".codex") : join(p.base, ".codex");
      const toml = join(dir, "config.toml");
      return [
        {
          path: toml,
          entry: `[mcp_servers.${SERVER_NAME}]`,
          edit: (old, parse) =>
            setTomlTable(
              old ?? "",
              ["mcp_servers", SERVER_NAME],
              { command: s.command, args: mcpArgs(s) },
              parse,
              toml,
            ),
        },
        jsonFile(join(dir, "hooks.json"), "hooks (SessionStart, UserPromptSubmit)", (doc, f) =>
          setGroupedHooks(doc, f, s, "codex"),
        ),
      ];
    }
    case "cursor":
      return [
        mcpServersFile(join(p.base, ".cursor", "mcp.json"), s),
        jsonFile(
          join(p.base, ".cursor", "hooks.json"),
          "hooks (sessionStart, beforeSubmitPrompt)",
          (doc, f) => setCursorHooks(doc, f, s),
        ),
      ];
    case "gemini":
      return [
        jsonFile(
          join(p.base, ".gemini", "settings.json"),
          `mcpServers.${SERVER_NAME}, hooks (SessionStart, BeforeAgent)`,
          (doc, f) => {
            objectAt(doc, "mcpServers", f)[SERVER_NAME] = { command: s.command, args: mcpArgs(s) };
            setGroupedHooks(doc, f, s, "gemini");
          },
        ),
      ];
    case "opencode": {
      const dir = user ? join(p.env.XDG_CONFIG_HOME || join(p.home, ".config"), "opencode") : p.base;
      return [
        jsonFile(join(dir, "opencode.json"), `mcp.${SERVER_NAME}`, (doc, f) => {
          doc.$schema ??= "https://opencode.ai/config.json";
          objectAt(doc, "mcp", f)[SERVER_NAME] = {
            type: "local",
            command: [s.command, ...mcpArgs(s)],
            enabled: true,
          };
        }),
      ];
    }
  }
}
