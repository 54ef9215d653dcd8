// A compact reporter for node --test: a dot per passing test, then every failure with its error, then node's
// totals as `# pass N` / `# fail N` lines (what CI reads) and one `N passed, N failed` line.
import { inspect } from "node:util";

const WIDTH = 80;
/** Stack frames worth showing: not node's own. */
const OWN_FRAME = /^\s*at (?!.*(node:internal|node:test|node:async_hooks|\(<anonymous>\)$))/;

/** Formats a failure's error: the cause's stack (message included) without node's frames. */
function describeError(error) {
  const cause = error?.cause ?? error;
  if (!(cause instanceof Error)) return inspect(cause, { depth: 4 });
  const lines = (cause.stack ?? String(cause)).split("\n");
  const firstFrame = lines.findIndex((l) => /^\s*at /.test(l));
  if (firstFrame < 0) return lines.join("\n");
  const frames = lines.slice(firstFrame).filter((l) => OWN_FRAME.test(l));
  return [...lines.slice(0, firstFrame), ...frames.slice(0, 6)].join("\n");
}

function indent(text, by) {
  return text
    .split("\n")
    .map((l) => (l.length > 0 ? by + l : l))
    .join("\n");
}

/** The reporter: node calls it with the stream of test events and writes what it yields. */
export default async function* compactReporter(source) {
  const failures = [];
  const totals = new Map();
  /** Per file: the names of the tests started at each nesting level (the current ancestry). */
  const started = new Map();
  /** Per file: the last lines the file wrote to stderr (shown when the file itself fails). */
  const stderr = new Map();
  let column = 0;
  const mark = (c) => {
    column += 1;
    if (column < WIDTH) return c;
    column = 0;
    return `${c}\n`;
  };
  for await (const event of source) {
    const data = event.data ?? {};
    switch (event.type) {
      case "test:start": {
        const path = started.get(data.file) ?? [];
        path.length = data.nesting;
        path.push(data.name);
        started.set(data.file, path);
        break;
      }
      case "test:stderr": {
        const tail = stderr.get(data.file) ?? [];
        tail.push(...String(data.message).split("\n"));
        stderr.set(data.file, tail.slice(-20));
        break;
      }
      case "test:pass":
        if (data.details?.type !== "suite") yield mark(data.skip || data.todo ? "s" : ".");
        break;
      case "test:fail": {
        const error = data.details?.error;
        if (error?.failureType === "subtestsFailed") break; // its failing subtests are listed themselves
        const path = (started.get(data.file) ?? []).slice(0, data.nesting);
        failures.push({
          title: [...path, data.name].join(" > "),
          where: data.file ? `${data.file}${data.line ? `:${data.line}:${data.column}` : ""}` : "",
          error: describeError(error),
          stderr: data.nesting === 0 && data.name === data.file ? (stderr.get(data.file) ?? []) : [],
        });
        yield mark("F");
        break;
      }
      case "test:diagnostic": {
        const m = /^(tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) ([\d.]+)$/.exec(data.message);
        if (m && data.nesting === 0) totals.set(m[1], m[2]);
        break;
      }
      default:
        break;
    }
  }
  let out = column > 0 ? "\n" : "";
  if (failures.length > 0) {
    out += `\nFailures (${failures.length}):\n`;
    failures.forEach((f, i) => {
      out += `\n${i + 1}) ${f.title}\n`;
      if (f.where) out += `   at ${f.where}\n`;
      out += `${indent(f.error, "   ")}\n`;
      const tail = f.stderr.filter((l) => l.trim().length > 0);
      if (tail.length > 0) out += `   stderr:\n${indent(tail.join("\n"), "     ")}\n`;
    });
  }
  out += "\n";
  // A cancelled test (timed out, or its file died) did not pass: it counts as failed in what CI reads.
  const cancelled = Number(totals.get("cancelled") ?? 0);
  const fail = Number(totals.get("fail") ?? failures.length) + cancelled;
  if (totals.has("fail")) totals.set("fail", String(fail));
  for (const [key, value] of totals) out += `# ${key} ${value}\n`;
  const pass = totals.get("pass") ?? "0";
  out += `${pass} passed, ${fail} failed${cancelled > 0 ? ` (${cancelled} cancelled)` : ""}\n`;
  yield out;
}
