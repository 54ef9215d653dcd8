// Test helpers that run the built CLI as real processes against a temp database.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
/** Repository root (<out>/test/helpers/ is three levels below it). */
export const REPO_ROOT = join(HERE, "..", "..", "..");
/** The built CLI entry point of the same build as this file. */
export const CLI = join(HERE, "..", "..", "lib", "cli.js");

/** Result of a finished CLI run. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A temp folder with a database path, removed by cleanup(). */
export function tempDb(): { dir: string; db: string; env: NodeJS.ProcessEnv; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), "el-ipc-test-"));
  const db = join(dir, "ipc.db");
  const env: NodeJS.ProcessEnv = { ...process.env, IPC_DB_PATH: db };
  delete env.IPC_URL;
  delete env.IPC_API_KEY;
  return { dir, db, env, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts the CLI; the caller waits on the returned child. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv, cwd?: string): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], {
    env,
    cwd: cwd ?? REPO_ROOT,
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/** Collects a child's output until it exits. */
export function finished(child: ChildProcess): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d) => {
    stdout += d;
  });
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  return new Promise((resolve) => {
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/**
 * Runs another program (an agent's CLI) to completion in a process group of its own. Past `timeoutMs` the
 * group is killed; once the program exits, what it left running in its group is killed too, and its output
 * is taken as it stands half a second later, so a background process that keeps the pipes open cannot keep
 * the test waiting (as a hung `claude plugin install` once kept a CI run).
 */
export function runTool(
  file: string,
  args: string[],
  opts: { env: NodeJS.ProcessEnv; cwd?: string; input?: string; timeoutMs?: number },
): Promise<CliResult & { timedOut: boolean }> {
  const child = spawn(file, args, { env: opts.env, cwd: opts.cwd, stdio: "pipe", detached: true });
  const killGroup = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    } catch {}
  };
  let stdout = "";
  let stderr = "";
  let timedOut = false;
  child.stdout.on("data", (d) => {
    stdout += d;
  });
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  child.stdin.on("error", () => undefined); // a program that exits without reading its input
  child.stdin.end(opts.input ?? "");
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, opts.timeoutMs ?? 120_000);
  return new Promise((resolve) => {
    let done = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      killGroup();
      child.stdout.destroy();
      child.stderr.destroy();
      resolve({ code, signal, stdout, stderr, timedOut });
    };
    child.on("error", (e) => {
      stderr += `${file}: ${e.message}`;
      finish(null, null);
    });
    child.on("close", finish);
    child.on("exit", (code, signal) => setTimeout(() => finish(code, signal), 500).unref());
  });
}

/** Runs the CLI to completion, feeding `input` on stdin. */
export async function runCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  opts: { input?: string; cwd?: string } = {},
): Promise<CliResult> {
  const child = spawnCli(args, env, opts.cwd);
  const done = finished(child);
  child.stdin?.end(opts.input ?? "");
  return done;
}

/** Runs the CLI and parses its stdout as JSON; throws with stderr when it fails. */
export async function cliJson<T = unknown>(
  args: string[],
  env: NodeJS.ProcessEnv,
  input?: string,
): Promise<T> {
  const r = await runCli(args, env, input === undefined ? {} : { input });
  if (r.code !== 0) throw new Error(`el-ipc ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** Starts `el-ipc serve <port>` (default 0: a free one) and resolves with its URL once it listens. */
export async function startServerProcess(
  env: NodeJS.ProcessEnv,
  extraArgs: string[] = [],
  port = "0",
): Promise<{ url: string; child: ChildProcess; stop(): Promise<CliResult> }> {
  const child = spawnCli(["serve", port, ...extraArgs], env);
  const done = finished(child);
  const url = await new Promise<string>((resolve, reject) => {
    let err = "";
    const onData = (d: Buffer) => {
      err += d;
      const m = /Listening on (http:\/\/[^\s"]+)/.exec(err);
      if (m?.[1]) {
        child.stderr?.off("data", onData);
        resolve(m[1]);
      }
    };
    child.stderr?.on("data", onData);
    child.on("exit", (code) => reject(new Error(`server exited ${code} before listening: ${err}`)));
  });
  return {
    url,
    child,
    stop: async () => {
      child.kill("SIGTERM");
      return done;
    },
  };
}

/** Resolves after `ms` (only for checking that something is still blocked). */
export const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A port of 127.0.0.1 that was free a moment ago (for a server restarted on the same address). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}
