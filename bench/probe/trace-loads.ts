// Preload (node --import) that records every module a process loads into the file named by
// BENCH_TRACE_FILE: ES modules through a resolve hook, CommonJS ones from require.cache at exit.
import { appendFileSync } from "node:fs";
import { createRequire, register } from "node:module";

const file = process.env.BENCH_TRACE_FILE;
if (file) {
  register(new URL("./trace-hooks.js", import.meta.url), { data: { file } });
  const cache = createRequire(import.meta.url).cache;
  process.on("exit", () => {
    appendFileSync(
      file,
      Object.keys(cache)
        .map((k) => `cjs ${k}\n`)
        .join(""),
    );
  });
}
