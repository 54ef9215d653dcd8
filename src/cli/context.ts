// Shared plumbing of CLI commands: configuration from global flags and environment, keys, the backend.
import type { KeyObject } from "node:crypto";
import { type Config, resolveConfig } from "../config.js";
import { IpcError } from "../core/errors.js";
import { type Backend, openBackend } from "./backend.js";
import type { OptionSpec } from "./command.js";
import { loadPrivateKeyFile } from "./keyfile.js";

/** The options every command takes, before or after its name (each command's `run` gets them last). */
export interface GlobalOptions {
  /** --db: the SQLite database. */
  db?: string;
  /** --server: an el-ipc server to use over HTTP instead of the database. */
  server?: string;
}

/** Resolved configuration for the command being run (global --db / --server, then environment). */
export function configOf(globals: GlobalOptions, extra: { port?: string; host?: string } = {}): Config {
  return resolveConfig({ db: globals.db, server: globals.server, ...extra }, process.env);
}

/** The --key file, else IPC_KEY from the environment (empty counts as unset). */
function keyPathOf(path: string | undefined): string | undefined {
  return path ?? (process.env.IPC_KEY || undefined);
}

/** Loads the private key named by --key (default: IPC_KEY), if any. */
export function keyOf(path: string | undefined): KeyObject | undefined {
  const file = keyPathOf(path);
  return file === undefined ? undefined : loadPrivateKeyFile(file);
}

/** Runs `fn` with the backend the global options point at and closes it afterwards. */
export async function withBackend<T>(globals: GlobalOptions, fn: (b: Backend) => Promise<T>): Promise<T> {
  const backend = await openBackend(configOf(globals));
  try {
    return await fn(backend);
  } finally {
    await backend.close();
  }
}

/** A parser (ArgumentSpec.parse, OptionSpec.parse) of whole numbers from 0 to `max`. */
export function wholeNumber(name: string, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n > max) {
      throw new IpcError("invalid_argument", `${name} must be a whole number up to ${max}, got '${value}'`);
    }
    return n;
  };
}

/**
 * The `--key <file> --as <name>` options of a listing a secure server answers only to a proven caller
 * (`operator`: only to an operator). Read by callerProof.
 */
export function callerOptionSpecs(who: "agent" | "operator"): OptionSpec[] {
  const whose = who === "operator" ? "your operator's" : "your";
  return [
    {
      flags: "--key <file>",
      description: `${whose} private key (a secure server needs it; the local database does not)`,
    },
    { flags: `--as <${who}>`, description: `the ${who} whose key --key is` },
  ];
}

/** `--key <file> --as <agent>` of commands that only need to prove who calls. */
export interface CallerOptions {
  key?: string;
  as?: string;
}

/** The caller's proof from --key and --as (both or neither); undefined when not given. */
export function callerProof(opts: CallerOptions): { key: KeyObject; agent: string } | undefined {
  if (opts.key === undefined && opts.as === undefined) return undefined;
  const key = opts.as === undefined ? opts.key : keyPathOf(opts.key);
  if (key === undefined || opts.as === undefined) {
    throw new IpcError(
      "invalid_argument",
      "--key and --as go together: your private key and your agent name",
    );
  }
  return { key: loadPrivateKeyFile(key), agent: opts.as };
}
