// Runs wrk (the HTTP load generator from Debian) with a generated Lua script and reads its summary
// back as JSON from the script's done() callback.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "./procs.js";

/** What one wrk run measured. */
export interface WrkResult {
  /** Responses received. */
  requests: number;
  /** Responses with a status other than 2xx/3xx. */
  statusErrors: number;
  /** Socket errors (connect, read, write, timeout). */
  socketErrors: number;
  /** Wall time of the run, s. */
  seconds: number;
  /** Good (2xx/3xx) responses per second. */
  okPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  /** Set by the signed-bodies script when a thread ran out of distinct bodies. */
  exhausted: boolean;
}

// done() prints one line the parser below looks for; latency figures are in microseconds.
const DONE = `
function done(summary, latency, requests)
  local ex = 0
  for _, t in ipairs(threads) do ex = ex + (t:get("exhausted") or 0) end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"status":%d,"socket":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,"exhausted":%d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max, ex))
end
`;

const SETUP = `
threads = {}
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
`;

/** A script that POSTs the same body (read from `bodyFile`) on every request. */
export function staticPostScript(dir: string, name: string, path: string, bodyFile: string): string {
  const file = join(dir, `${name}.lua`);
  writeFileSync(
    file,
    `${SETUP}
wrk.method = "POST"
wrk.path = ${JSON.stringify(path)}
wrk.headers["Content-Type"] = "application/json"
local f = assert(io.open(${JSON.stringify(bodyFile)}, "rb"))
wrk.body = f:read("*a")
f:close()
${DONE}`,
  );
  return file;
}

/**
 * A script where wrk thread k POSTs the lines of `${prefix}${k}.txt` in order, each once (signed bodies
 * are refused when replayed). A thread that runs out stops and marks itself exhausted.
 */
export function distinctPostScript(dir: string, name: string, path: string, prefix: string): string {
  const file = join(dir, `${name}.lua`);
  writeFileSync(
    file,
    `${SETUP}
local bodies = {}
local n = 0
local i = 0
exhausted = 0
function init(args)
  local f = assert(io.open(${JSON.stringify(prefix)} .. tostring(tid) .. ".txt", "rb"))
  for line in f:lines() do
    n = n + 1
    bodies[n] = line
  end
  f:close()
end
local headers = { ["Content-Type"] = "application/json" }
function request()
  i = i + 1
  if i > n then
    exhausted = 1
    wrk.thread:stop()
    return wrk.format("GET", "/health")
  end
  return wrk.format("POST", ${JSON.stringify(path)}, headers, bodies[i])
end
${DONE}`,
  );
  return file;
}

/** Options of runWrk. */
export interface WrkOptions {
  url: string;
  script: string;
  threads: number;
  connections: number;
  durationS: number;
}

/** Runs wrk once and returns its figures. */
export async function runWrk(o: WrkOptions): Promise<WrkResult> {
  const r = await run(
    "wrk",
    [`-t${o.threads}`, `-c${o.connections}`, `-d${o.durationS}s`, "--timeout", "10s", "-s", o.script, o.url],
    { timeoutMs: (o.durationS + 30) * 1000 },
  );
  const line = r.stdout.split("\n").find((l) => l.startsWith("BENCH_JSON "));
  if (r.code !== 0 || !line) {
    throw new Error(`wrk failed (${r.code ?? r.signal}): ${(r.stderr || r.stdout).trim().slice(-500)}`);
  }
  const j = JSON.parse(line.slice("BENCH_JSON ".length)) as Record<string, number>;
  const seconds = (j.duration_us ?? 0) / 1e6;
  const requests = j.requests ?? 0;
  const statusErrors = j.status ?? 0;
  return {
    requests,
    statusErrors,
    socketErrors: j.socket ?? 0,
    seconds,
    okPerSecond: seconds > 0 ? (requests - statusErrors) / seconds : 0,
    latencyP50Ms: (j.p50_us ?? 0) / 1000,
    latencyP99Ms: (j.p99_us ?? 0) / 1000,
    latencyMaxMs: (j.max_us ?? 0) / 1000,
    exhausted: (j.exhausted ?? 0) > 0,
  };
}
