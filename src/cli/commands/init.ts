// `el-ipc init <agent-kind> --agent <name>`: sets el-ipc up in an agent harness's own configuration (its
// MCP server, and its hooks where it has them), makes the agent's key when it has none and, given an
// operator's key, registers it. Idempotent; only el-ipc's entries change; --dry-run writes nothing.
import { randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { basename, delimiter, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { IpcError } from "../../core/errors.js";
import { checkName } from "../../core/limits.js";
import { defaultKeyPath, ensureKey, ensureRegistered } from "../agents/init-key.js";
import {
  type FileEdit,
  INIT_KINDS,
  type InitKind,
  type InitSettings,
  initFiles,
} from "../agents/init-targets.js";
import { lineDiff } from "../agents/line-diff.js";
import type { CommandSpec } from "../command.js";
import { type GlobalOptions, withBackend } from "../context.js";
import { writeOut } from "../output.js";

/** Options of `init`. */
interface InitOptions {
  agent: string;
  key?: string;
  channels?: string;
  register?: boolean;
  as?: string;
  keyOp?: string;
  project?: boolean;
  user?: boolean;
  dryRun?: boolean;
}

/** `init`'s command line. */
export const command: CommandSpec = {
  name: "init",
  description: "set el-ipc up in an agent's configuration: claude, codex, cursor, gemini or opencode",
  arguments: [{ name: "<agent-kind>", description: INIT_KINDS.join(", ") }],
  options: [
    { flags: "--agent <name>", description: "the agent's el-ipc name", required: true },
    {
      flags: "--key <file>",
      description: "its private key, made when missing (default <data>/keys/<agent>.key)",
    },
    { flags: "--channels <a,b>", description: "channels the hooks watch besides the agent's inbox" },
    { flags: "--register", description: "register the agent's key (needs --as and --key-op)" },
    { flags: "--as <operator>", description: "with --register: the operator who signs" },
    { flags: "--key-op <file>", description: "with --register: the operator's private key" },
    { flags: "--project", description: "write the project's configuration (default, but codex)" },
    { flags: "--user", description: "write the user's configuration (default for codex)" },
    { flags: "--dry-run", description: "show what would change, write nothing" },
  ],
  run,
};

/** Runs `init`. */
export async function run(kind: string, opts: InitOptions, globals: GlobalOptions) {
  if (!(INIT_KINDS as readonly string[]).includes(kind)) {
    throw new IpcError("invalid_argument", `unknown agent kind '${kind}': one of ${INIT_KINDS.join(", ")}`);
  }
  if (opts.project && opts.user) throw new IpcError("invalid_argument", "--project or --user, not both");
  if (opts.register && (!opts.as || !opts.keyOp)) {
    throw new IpcError("invalid_argument", "--register needs the operator: --as <operator> --key-op <file>");
  }
  const agent = checkName("agent", opts.agent);
  const scope = opts.user || (kind === "codex" && !opts.project) ? "user" : "project";
  const dry = opts.dryRun === true;
  const report: string[] = [];
  const key = ensureKey(opts.key ?? (process.env.IPC_KEY || defaultKeyPath(agent, process.env)), dry);
  if (key.created) report.push(`${dry ? "would make" : "made"} the key ${key.path} (0600) and its .pub`);
  if (opts.register) {
    if (dry) report.push(`would register ${agent} (signed by ${opts.as})`);
    else {
      const keyOp = resolve(opts.keyOp as string);
      report.push(
        await withBackend(globals, (b) => ensureRegistered(b, agent, key.path, opts.as as string, keyOp)),
      );
    }
  }
  const settings: InitSettings = {
    ...launcher(process.env),
    agent,
    key: key.path,
    ...(globals.server ? { server: globals.server } : {}),
    ...(globals.db ? { db: resolve(globals.db) } : {}),
    ...(opts.channels ? { channels: opts.channels } : {}),
  };
  const home = process.env.HOME || homedir();
  const base = scope === "user" ? home : process.cwd();
  const { parse } = await import("smol-toml");
  for (const file of initFiles(kind as InitKind, settings, { base, scope, env: process.env, home })) {
    report.push(...apply(file, { scope, base, dry, parse: parse as (t: string) => Record<string, unknown> }));
  }
  await writeOut(`${report.join("\n")}\n`);
}

/** How the written entries start el-ipc: `el-ipc` when that is this very CLI on the PATH, else node and the script. */
function launcher(env: NodeJS.ProcessEnv): { command: string; prefix: string[] } {
  const script = realpathSync(process.argv[1] as string);
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    // npx and npm scripts put node_modules/.bin on the PATH only while they run: not where agents look.
    if (!dir || /node_modules[\\/]\.bin[\\/]?$/.test(dir)) continue;
    const candidate = join(dir, "el-ipc");
    try {
      if (realpathSync(candidate) === script) return { command: "el-ipc", prefix: [] };
    } catch {
      // Not there: look further.
    }
  }
  return { command: process.execPath, prefix: [script] };
}

interface ApplyOptions {
  scope: "project" | "user";
  base: string;
  dry: boolean;
  parse: (text: string) => Record<string, unknown>;
}

/** Writes one file's change (unless dry) and describes it. */
function apply(file: FileEdit, o: ApplyOptions): string[] {
  const target = existsSync(file.path) ? realpathSync(file.path) : file.path;
  // A project file that links outside the project (planted by a repository) is not followed.
  if (o.scope === "project" && !inside(o.base, target)) {
    throw new IpcError(
      "invalid_argument",
      `${file.path} leads outside the project (to ${target}); not writing through it`,
    );
  }
  const old = existsSync(target) ? readFileSync(target, "utf8") : undefined;
  const next = file.edit(old, o.parse);
  const shown = relative(process.cwd(), file.path).startsWith("..")
    ? file.path
    : relative(process.cwd(), file.path);
  if (next === old) return [`unchanged ${shown} (${file.entry})`];
  const verb = old === undefined ? "create" : "update";
  const lines = [
    `${o.dry ? `would ${verb}` : `${verb}d`} ${shown} (${file.entry}):`,
    ...lineDiff(old ?? "", next),
  ];
  if (!o.dry) writeKeepingMode(target, next);
  return lines;
}

function inside(base: string, path: string): boolean {
  let at = resolve(path);
  let rest = "";
  // The nearest folder that exists, with its links resolved, and what is still to be made below it.
  while (!existsSync(at) && dirname(at) !== at) {
    rest = join(basename(at), rest);
    at = dirname(at);
  }
  const rel = relative(realpathSync(base), join(realpathSync(at), rest));
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/** Replaces `path` by a temp file and rename (never half-written), keeping the old file's mode. */
function writeKeepingMode(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const mode = existsSync(path) ? statSync(path).mode & 0o777 : 0o644;
  const tmp = join(dirname(path), `.${randomBytes(6).toString("hex")}.el-ipc-init.tmp`);
  try {
    writeFileSync(tmp, text, { mode, flag: "wx" });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new IpcError(
      "invalid_argument",
      `cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? "error"}`,
    );
  }
}
