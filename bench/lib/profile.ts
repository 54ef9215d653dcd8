// Reads a V8 .cpuprofile (node --cpu-prof) and says where the time went: the functions with the most
// self time, and self time per package (fastify, zod, better-sqlite3, el-ipc's own src, node internals).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Where a profiled process spent its time. */
export interface ProfileSummary {
  /** Profiled wall time, ms. */
  totalMs: number;
  /** Non-idle time, ms. */
  busyMs: number;
  /** Top functions by self time: "name (file:line)" and ms and share of busy time (%). */
  functions: { name: string; ms: number; pct: number }[];
  /** Self time by package or area, largest first. */
  areas: { area: string; ms: number; pct: number }[];
}

/** The package or area a script URL belongs to. */
function areaOf(url: string, fn: string): string {
  if (url === "") return fn.startsWith("(") ? fn : "(native)";
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (nm?.[1]) return nm[1];
  if (url.startsWith("node:")) return "node internals";
  const src = /\/src\/([^/]+)\//.exec(url);
  if (src?.[1]) return `el-ipc src/${src[1]}`;
  return url.replace(/^.*\//, "");
}

function shortUrl(url: string): string {
  const nm = /node_modules\/(.*)$/.exec(url);
  if (nm?.[1]) return nm[1];
  const src = /\/(src\/.*)$/.exec(url);
  if (src?.[1]) return src[1];
  return url.replace(/^file:\/\//, "");
}

/** Summarises one .cpuprofile file. */
export function summarizeProfile(file: string, top = 15): ProfileSummary {
  const p = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  });
  const fns = new Map<string, number>();
  const areas = new Map<string, number>();
  let idle = 0;
  let total = 0;
  for (const [id, us] of self) {
    const n = byId.get(id);
    if (!n) continue;
    total += us;
    const { functionName, url, lineNumber } = n.callFrame;
    if (functionName === "(idle)") {
      idle += us;
      continue;
    }
    const name = `${functionName || "(anonymous)"}${url ? ` (${shortUrl(url)}:${lineNumber + 1})` : ""}`;
    fns.set(name, (fns.get(name) ?? 0) + us);
    const area = areaOf(url, functionName);
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  const busy = total - idle;
  const rank = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([k, us]) => ({ k, ms: us / 1000, pct: busy > 0 ? (100 * us) / busy : 0 }));
  return {
    totalMs: total / 1000,
    busyMs: busy / 1000,
    functions: rank(fns)
      .slice(0, top)
      .map((r) => ({ name: r.k, ms: r.ms, pct: r.pct })),
    areas: rank(areas)
      .slice(0, top)
      .map((r) => ({ area: r.k, ms: r.ms, pct: r.pct })),
  };
}

/** Summarises the newest .cpuprofile in `dir`, if any. */
export function summarizeProfileDir(dir: string, top = 15): ProfileSummary | undefined {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"));
  } catch {
    return undefined;
  }
  // CPU.<date>.<time>.<pid>.<thread id>.<n>.cpuprofile: thread 0 is the main thread; worker threads (the
  // WAL checkpointer) write their own profiles beside it.
  const main = files.filter((f) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(f));
  const last = (main.length > 0 ? main : files).sort().pop();
  return last ? summarizeProfile(join(dir, last), top) : undefined;
}

/** Formats a summary as indented text lines. */
export function formatProfile(title: string, s: ProfileSummary): string {
  const out = [`${title}: ${s.busyMs.toFixed(0)} ms busy of ${s.totalMs.toFixed(0)} ms profiled`];
  out.push("  by area:");
  for (const a of s.areas.slice(0, 8)) out.push(`    ${a.pct.toFixed(1).padStart(5)}%  ${a.area}`);
  out.push("  top functions (self time):");
  for (const f of s.functions) out.push(`    ${f.pct.toFixed(1).padStart(5)}%  ${f.name}`);
  return out.join("\n");
}
