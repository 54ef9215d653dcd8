// Runs every compiled test file with Node's built-in test runner (Node 20 has no glob support in --test):
// a compact report on stdout (failures with their errors at the end, then the totals), the full spec
// report in <out>/test-report.log. A test that runs longer than EL_IPC_TEST_TIMEOUT_S seconds (default 300; the
// longest here takes about 40) fails as timed out, and the run's processes are one group that is killed when
// it ends, so a process a test leaves behind cannot keep CI waiting.
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? find(join(dir, e.name)) : e.name.endsWith(".test.js") ? [join(dir, e.name)] : [],
  );
}
const out = process.env.EL_IPC_OUT || "dist";
const filter = process.argv.slice(2);
const files = find(join(out, "test"))
  .filter((f) => filter.length === 0 || filter.some((p) => f.includes(p)))
  .sort();
if (files.length === 0) {
  console.error(`test: no test file under ${join(out, "test")} matches ${filter.join(" ") || "*.test.js"}`);
  process.exit(1);
}
const reporter = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), "test-reporter.mjs")).href;
const log = join(out, "test-report.log");
const timeout = Number(process.env.EL_IPC_TEST_TIMEOUT_S ?? 300) * 1000;
const child = spawn(
  process.execPath,
  [
    "--test",
    `--test-timeout=${timeout}`,
    `--test-reporter=${reporter}`,
    "--test-reporter-destination=stdout",
    "--test-reporter=spec",
    `--test-reporter-destination=${log}`,
    ...files,
  ],
  { stdio: "inherit", detached: true },
);
/** Ends what is left of the run's process group (the runner, its test files and what they started). */
const killGroup = (signal) => {
  try {
    process.kill(-child.pid, signal);
  } catch {}
};
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    killGroup(signal);
    setTimeout(() => {
      killGroup("SIGKILL");
      process.exit(1);
    }, 3000).unref();
  });
}
child.on("exit", (code, signal) => {
  killGroup("SIGKILL");
  const shown = relative(process.cwd(), log);
  console.log(`Full report: ${shown.startsWith("..") ? resolve(log) : shown}`);
  process.exit(signal ? 1 : (code ?? 1));
});
