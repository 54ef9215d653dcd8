// A compact reporter for node --test: a dot per passing test, a line at once for each failure (so a run that
// is cut short still names them), then every failure with its error, then node's totals as `# pass N` /
// `# fail N` lines (what CI reads) and one `N passed, N failed` line.
// A run in which no test ends for EL_IPC_TEST_IDLE_S seconds (default 600) is stopped: the reporter names
// the tests still running and the failures so far, ends with `N passed, N failed`, and exits 1.
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

/** The first line of a failure's described error (describeError), for the lines that name it briefly. */
function firstLine(described) {
  const line = described.split("\n").find((l) => l.trim().length > 0) ?? "";
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

const IDLE_MS = Number(process.env.EL_IPC_TEST_IDLE_S ?? 600) * 1000;

/** The reporter: node calls it with the stream of test events and writes what it yields. */
export default async function* compactReporter(source) {
  const failures = [];
  let passed = 0;
  /** Tests begun and not yet ended (test:dequeue to test:complete, in the order they run), keyed by file,
   * nesting and name, as "file > ancestry > name"; and per file the names of those begun at each level. */
  const running = new Map();
  const begun = new Map();
  const key = (data) => `${data.file}\0${data.nesting}\0${data.name}`;
  let lastEnd = Date.now();
  const watchdog = setInterval(() => {
    if (Date.now() - lastEnd < IDLE_MS) return;
    const lines = [`\ntest: no test ended for ${IDLE_MS / 1000} s; stopping the run. Still running:`];
    for (const r of running.values()) lines.push(`  ${r}`);
    if (failures.length > 0) lines.push(`Failed so far (${failures.length}):`);
    for (const f of failures) lines.push(`  ${f.title} (${f.where}): ${firstLine(f.error)}`);
    lines.push(`${passed} passed, ${failures.length + Math.max(running.size, 1)} failed (stopped: hung)`);
    process.stdout.write(`${lines.join("\n")}\n`, () => process.exit(1));
  }, 1000);
  watchdog.unref();
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
      case "test:dequeue": {
        const path = begun.get(data.file) ?? [];
        path.length = data.nesting;
        path.push(data.name);
        begun.set(data.file, path);
        running.set(key(data), data.name === data.file ? data.file : [data.file, ...path].join(" > "));
        break;
      }
      case "test:complete": {
        running.delete(key(data));
        lastEnd = Date.now();
        break;
      }
      case "test:stderr": {
        const tail = stderr.get(data.file) ?? [];
        tail.push(...String(data.message).split("\n"));
        stderr.set(data.file, tail.slice(-20));
        break;
      }
      case "test:pass":
        if (data.details?.type !== "suite") {
          if (!data.skip && !data.todo) passed += 1;
          yield mark(data.skip || data.todo ? "s" : ".");
        }
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
        const failure = failures.at(-1);
        column = 0;
        yield `F\nFAIL ${failure.title} (${failure.where}): ${firstLine(failure.error)}\n`;
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
  clearInterval(watchdog);
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
  // The runner waits for every test file's output to close; a process a test left behind can hold it open
  // after the report is complete. Past 5 s, end the runner with the report's verdict (the timer does not
  // keep it alive if it ends on its own).
  setTimeout(() => process.exit(fail > 0 ? 1 : 0), 5000).unref();
}
