// Child processes of the benchmark: servers started on port 0 (URL read from stderr), bounded runs of
// tools and clients, and what /proc says about a process (RSS, CPU time).
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";

/** Every child still running, so an interrupted run leaves nothing behind. */
const live = new Set<ChildProcess>();

/** Kills every child this process started that is still running (SIGKILL, by pid). */
export function killAll(): void {
  for (const c of live) {
    try {
      c.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
  live.clear();
}

function track(c: ChildProcess): ChildProcess {
  live.add(c);
  c.once("exit", () => live.delete(c));
  return c;
}

/** The environment for children: the parent's, minus anything that would point el-ipc elsewhere. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith("IPC_")) delete env[k];
  delete env.NODE_OPTIONS;
  return { ...env, ...extra };
}

/** A server started by startServer. */
export interface ServerProcess {
  url: string;
  pid: number;
  /** Last lines it wrote to stderr (for error messages). */
  stderrTail(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Options of startServer. */
export interface StartServerOptions {
  /** Program and arguments after `node` (e.g. [cli, "serve", "0"]). */
  args: string[];
  /** Extra environment (IPC_DB_PATH, ...). */
  env?: Record<string, string>;
  /** Extra node flags (--cpu-prof, ...). */
  nodeFlags?: string[];
  /** How long to wait for "Listening on http://...". Default 15 s. */
  timeoutMs?: number;
}

/** Starts a node server process and resolves once it printed "Listening on http://..." on stderr. */
export function startServer(o: StartServerOptions): Promise<ServerProcess> {
  const child = track(
    spawn(process.execPath, [...(o.nodeFlags ?? []), ...o.args], {
      env: cleanEnv(o.env),
      stdio: ["ignore", "ignore", "pipe"],
    }),
  );
  let tail = "";
  let exited = false;
  const exitP = new Promise<void>((resolve) =>
    child.once("exit", () => {
      exited = true;
      resolve();
    }),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`server did not start within ${o.timeoutMs ?? 15_000} ms: ${tail.trim()}`));
    }, o.timeoutMs ?? 15_000);
    let found = false;
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      tail = (tail + chunk).slice(-4000);
      const m = /Listening on (http:\/\/[^\s"]+)/.exec(tail);
      if (!found && m?.[1]) {
        found = true;
        clearTimeout(timer);
        const url = m[1];
        resolve({
          url,
          pid: child.pid as number,
          stderrTail: () => tail,
          async stop(graceMs = 10_000) {
            if (exited) return;
            child.kill("SIGTERM");
            const kill = setTimeout(() => child.kill("SIGKILL"), graceMs);
            await exitP;
            clearTimeout(kill);
          },
        });
      }
    });
    child.once("exit", (code, signal) => {
      if (!found) {
        clearTimeout(timer);
        reject(new Error(`server exited (${code ?? signal}) before listening: ${tail.trim()}`));
      }
    });
  });
}

/** What a bounded run produced. */
export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time of the process, ms. */
  ms: number;
}

/** Options of run. */
export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Killed (SIGKILL) after this long. Default 120 s. */
  timeoutMs?: number;
  /** Written to the child's stdin, which is then closed. */
  input?: string;
  /** Copy the child's stderr to ours as it comes (progress lines). */
  echoStderr?: boolean;
}

/** Runs a program to completion (bounded by a timeout) and collects its output. */
export function run(cmd: string, args: string[], o: RunOptions = {}): Promise<RunResult> {
  const t0 = performance.now();
  const child = track(
    spawn(cmd, args, {
      env: o.env ?? cleanEnv(),
      cwd: o.cwd,
      stdio: [o.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    }),
  );
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8");
  child.stderr?.setEncoding("utf8");
  child.stdout?.on("data", (c: string) => {
    stdout += c;
  });
  child.stderr?.on("data", (c: string) => {
    stderr += c;
    if (o.echoStderr) process.stderr.write(c);
  });
  if (o.input !== undefined) child.stdin?.end(o.input);
  const timer = setTimeout(() => child.kill("SIGKILL"), o.timeoutMs ?? 120_000);
  return new Promise((resolve, reject) => {
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

/** Runs a bench client (a node script printing one JSON line last on stdout) and parses that line. */
export async function runClient<T>(
  script: string,
  args: string[],
  o: { timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<T> {
  const r = await run(process.execPath, [script, ...args], {
    env: cleanEnv(o.env),
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    echoStderr: true,
  });
  const last = r.stdout.trim().split("\n").pop() ?? "";
  if (r.code !== 0 || !last.startsWith("{")) {
    throw new Error(
      `client ${script} failed (${r.code ?? r.signal}): ${(r.stderr || r.stdout).trim().slice(-800)}`,
    );
  }
  return JSON.parse(last) as T;
}

/** True when `cmd` can be run (found on PATH). */
export async function hasProgram(cmd: string, versionArg = "--version"): Promise<boolean> {
  try {
    const r = await run(cmd, [versionArg], { timeoutMs: 10_000 });
    return r.code === 0 || r.stdout.length > 0 || r.stderr.length > 0;
  } catch {
    return false;
  }
}

/** Resident set size and its peak (kB) of a process, from /proc/<pid>/status. */
export function memoryOf(pid: number): { rssKb: number; hwmKb: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (name: string): number =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
  return { rssKb: kb("VmRSS"), hwmKb: kb("VmHWM") };
}

/** CPU time a process has used so far in user and kernel mode, in clock ticks (usually 10 ms). */
export function cpuSplitOf(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { user: Number(rest[11]), system: Number(rest[12]) };
}

/** CPU time (user + system) a process has used so far, in clock ticks (usually 10 ms). */
export function cpuTicksOf(pid: number): number {
  const c = cpuSplitOf(pid);
  return c.user + c.system;
}

/**
 * Waits until process `pid` is idle: at most `maxTicks` of CPU per `windowMs`, `windows` times in a row,
 * after at least `minMs`. Gives up (returns false) after `timeoutMs`.
 */
export async function waitIdle(
  pid: number,
  o: { minMs?: number; windowMs?: number; windows?: number; maxTicks?: number; timeoutMs?: number } = {},
): Promise<boolean> {
  const start = performance.now();
  const windowMs = o.windowMs ?? 200;
  let quiet = 0;
  let last = cpuTicksOf(pid);
  while (performance.now() - start < (o.timeoutMs ?? 20_000)) {
    await sleep(windowMs);
    const now = cpuTicksOf(pid);
    quiet = now - last <= (o.maxTicks ?? 1) ? quiet + 1 : 0;
    last = now;
    if (quiet >= (o.windows ?? 3) && performance.now() - start >= (o.minMs ?? 1000)) return true;
  }
  return false;
}

function cpuTotals(): { busy: number; total: number } {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
  const total = f.reduce((a, b) => a + b, 0);
  // idle and iowait are the 4th and 5th fields (proc(5)).
  return { busy: total - (f[3] ?? 0) - (f[4] ?? 0), total };
}

/** CPU ticks used so far by this process and its reaped children (and theirs). */
function ownTicks(): number {
  const rest = readFileSync("/proc/self/stat", "utf8");
  const f = rest.slice(rest.lastIndexOf(")") + 2).split(" ");
  // utime, stime, cutime, cstime are fields 14-17 (proc(5)).
  return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
}

/** A mark to measure, later, how much CPU other processes used in the meantime. */
export interface LoadMark {
  machine: { busy: number; total: number };
  own: number;
}

/** Starts measuring the CPU load that is not ours (tests or builds running beside the benchmark). */
export function markLoad(): LoadMark {
  return { machine: cpuTotals(), own: ownTicks() };
}

/**
 * Share (0..1) of all CPUs used by other processes since `m`: machine-wide busy time minus this
 * process and the children it has reaped. Kernel network work done on our behalf in softirq
 * context can count as "other", so a few percent is normal.
 */
export function othersLoad(m: LoadMark): number {
  const now = cpuTotals();
  const total = now.total - m.machine.total;
  if (total <= 0) return 0;
  return Math.max(0, (now.busy - m.machine.busy - (ownTicks() - m.own)) / total);
}

/** Share (0..1) of all CPUs that were busy during the next `ms`, whoever used them. */
export async function machineBusy(ms = 1000): Promise<number> {
  const a = cpuTotals();
  await sleep(ms);
  const b = cpuTotals();
  return b.total > a.total ? (b.busy - a.busy) / (b.total - a.total) : 0;
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
