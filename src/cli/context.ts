// Shared plumbing of CLI commands: configuration from global flags and environment, keys, the backend.
import type { KeyObject } from "node:crypto";
import { type Command, InvalidArgumentError } from "commander";
import { type Config, resolveConfig } from "../config.js";
import { IpcError } from "../core/errors.js";
import { type Backend, openBackend } from "./backend.js";
import { loadPrivateKeyFile } from "./keyfile.js";

/** Resolved configuration for the command being run (global --db / --server, then environment). */
export function configOf(cmd: Command, extra: { port?: string; host?: string } = {}): Config {
  const g = cmd.optsWithGlobals() as { db?: string; server?: string };
  return resolveConfig({ db: g.db, server: g.server, ...extra }, process.env);
}

/** Loads the private key named by --key, if any. */
export function keyOf(path: string | undefined): KeyObject | undefined {
  return path === undefined ? undefined : loadPrivateKeyFile(path);
}

/** Runs `fn` with the backend of this command and closes it afterwards. */
export async function withBackend<T>(cmd: Command, fn: (b: Backend) => Promise<T>): Promise<T> {
  const backend = await openBackend(configOf(cmd));
  try {
    return await fn(backend);
  } finally {
    await backend.close();
  }
}

/** Parses a positive integer option value (commander argParser). */
export function intOption(name: string, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n > max) {
      throw new InvalidArgumentError(`${name} must be a whole number up to ${max}, got '${value}'`);
    }
    return n;
  };
}

/** `--key <file> --as <agent>` of commands that only need to prove who calls. */
export interface CallerOptions {
  key?: string;
  as?: string;
}

/** The caller's proof from --key and --as (both or neither); undefined when not given. */
export function callerProof(opts: CallerOptions): { key: KeyObject; agent: string } | undefined {
  if (opts.key === undefined && opts.as === undefined) return undefined;
  if (opts.key === undefined || opts.as === undefined) {
    throw new IpcError(
      "invalid_argument",
      "--key and --as go together: your private key and your agent name",
    );
  }
  return { key: loadPrivateKeyFile(opts.key), agent: opts.as };
}
