// Doctor's checks of how agents reach el-ipc: el-ipc and el's event-listen.sh on PATH, the el plugin's
// event source, and the MCP configurations `el-ipc init` writes (their command and key still there).
import { accessSync, constants, existsSync, readFileSync, statSync } from "node:fs";
import { delimiter, dirname, isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import { INIT_KINDS, initFiles, SERVER_NAME } from "../agents/init-targets.js";
import { type CheckResult, failed, pass, warn } from "./check.js";

/** Where the setup checks look. */
export interface SetupCheckOptions {
  /** Environment (PATH, HOME, CODEX_HOME, XDG_CONFIG_HOME). */
  env: NodeJS.ProcessEnv;
  /** The project folder (the current one). */
  cwd: string;
  /** The home folder. */
  home: string;
  /** Parses TOML (Codex's config.toml). */
  parseToml: (text: string) => Record<string, unknown>;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The first executable `name` on PATH, if any. */
export function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir !== "" && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** The package's root (holds sources.d/ipc.sh), from this module's place in dist/. */
function packageRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, "package.json"))) return dir;
    dir = dirname(dir);
  }
  return undefined;
}

/** el-ipc and el on PATH, and the plugin's event source. */
export function checkTools(o: SetupCheckOptions): CheckResult[] {
  const results: CheckResult[] = [];
  const cli = onPath("el-ipc", o.env);
  results.push(
    cli
      ? pass("el-ipc on PATH", cli)
      : warn(
          "el-ipc on PATH",
          "not found: hooks, el's ipc source and MCP entries that run `el-ipc` cannot start it",
          "npm install -g el-ipc (or npm link in a checkout)",
        ),
  );
  const el = onPath("event-listen.sh", o.env);
  const root = packageRoot();
  const source = root ? join(root, "sources.d", "ipc.sh") : undefined;
  if (!el) {
    results.push(
      warn(
        "el plugin",
        "el's event-listen.sh is not on PATH (needed only to wake agents through el)",
        "install claude-code-event-listeners, then: event-listen.sh ipc <channel> <agent>",
      ),
    );
  } else if (!source || !isExecutable(source)) {
    results.push(
      failed(
        "el plugin",
        `el is at ${el}, but this package has no executable sources.d/ipc.sh${source ? ` (${source})` : ""}`,
        source ? `chmod +x ${source}` : "reinstall el-ipc",
      ),
    );
  } else results.push(pass("el plugin", `el at ${el}; event source ${source}`));
  return results;
}

/** The command and arguments of el-ipc's MCP entry in one configuration file, or undefined without one. */
function mcpEntry(
  file: string,
  text: string,
  parseToml: SetupCheckOptions["parseToml"],
): string[] | undefined {
  if (file.endsWith(".toml")) {
    const doc = parseToml(text) as { mcp_servers?: Record<string, { command?: unknown; args?: unknown }> };
    const e = doc.mcp_servers?.[SERVER_NAME];
    return e ? [String(e.command), ...(Array.isArray(e.args) ? e.args.map(String) : [])] : undefined;
  }
  const doc = JSON.parse(text) as {
    mcpServers?: Record<string, { command?: unknown; args?: unknown }>;
    mcp?: Record<string, { command?: unknown }>;
  };
  const e = doc.mcpServers?.[SERVER_NAME];
  if (e) return [String(e.command), ...(Array.isArray(e.args) ? e.args.map(String) : [])];
  const oc = doc.mcp?.[SERVER_NAME]?.command;
  return Array.isArray(oc) ? oc.map(String) : undefined;
}

/** One line per MCP configuration `el-ipc init` wrote (project and user scope), or a warning for none. */
export function checkMcpConfigs(o: SetupCheckOptions): CheckResult[] {
  const settings = { command: "el-ipc", prefix: [], agent: "x", key: "/x" };
  const files = new Set<string>();
  for (const kind of INIT_KINDS) {
    for (const scope of ["project", "user"] as const) {
      const base = scope === "user" ? o.home : o.cwd;
      for (const f of initFiles(kind, settings, { base, scope, env: o.env, home: o.home })) {
        if (f.entry.includes(SERVER_NAME) && /mcp/i.test(f.entry)) files.add(f.path);
      }
    }
  }
  const results: CheckResult[] = [];
  for (const file of files) {
    if (!existsSync(file)) continue;
    let entry: string[] | undefined;
    try {
      entry = mcpEntry(file, readFileSync(file, "utf8"), o.parseToml);
    } catch (e) {
      results.push(
        failed(
          "MCP config",
          `${file} does not parse: ${(e as Error).message.split("\n")[0]}`,
          `fix the file, or run el-ipc init again`,
        ),
      );
      continue;
    }
    if (!entry) continue;
    const [command = "", ...args] = entry;
    const found = isAbsolute(command) ? isExecutable(command) : onPath(command, o.env) !== undefined;
    const at = args.indexOf("--key");
    const key = at >= 0 ? args[at + 1] : undefined;
    const keyMode = key ? statSync(key, { throwIfNoEntry: false })?.mode : undefined;
    const agent = args[args.indexOf("--agent") + 1] ?? "?";
    const again = `el-ipc init <kind> --agent ${agent}`;
    if (!found)
      results.push(
        failed(
          "MCP config",
          `${file}: its command ${command} is not found`,
          `${again} (writes the command that runs here)`,
        ),
      );
    else if (key && keyMode === undefined)
      results.push(
        failed("MCP config", `${file}: its key ${key} is missing`, `${again} (makes the key), or restore it`),
      );
    else if (keyMode !== undefined && (keyMode & 0o077) !== 0)
      results.push(failed("MCP config", `${file}: its key ${key} is readable by others`, `chmod 600 ${key}`));
    else results.push(pass("MCP config", `${file}: el-ipc as ${agent}${key ? `, key ${key}` : ""}`));
  }
  if (results.length === 0) {
    results.push(
      warn(
        "MCP config",
        `no MCP configuration by el-ipc init in ${o.cwd} or ${o.home}`,
        "el-ipc init <claude|codex|cursor|gemini|opencode> --agent <name>",
      ),
    );
  }
  return results;
}
