// The CLI's bundle: one CommonJS file, lib/cli.cjs, behind a three-line lib/cli.js (the `bin`). An
// `el-ipc send` is mostly start-up, and Node 20 loads one CommonJS file faster than the ES module loader
// loads twenty chunks (each ES module is resolved, read and linked on its own). Packages stay in
// node_modules and are require()d only when the code needing them runs, so `send` loads no HTTP framework;
// `serve` loads the HTTP face from this same file, so every module is loaded once per process.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The source module of the CLI's entry. */
const CLI_ENTRY = "src/cli/main.ts";

/**
 * lib/cli.js, the `bin`: compiles lib/cli.cjs with the V8 code cache the build wrote beside it (Node 20
 * has no compile cache of its own; Node 22's needs a folder to write in) and runs it as a CommonJS module.
 * The cache is only read here; V8 refuses one made by another V8 version or for a source of another
 * length, and it is not used when the bundle changed after it was written. `produce` (the build only)
 * writes the cache when the command is done instead.
 */
const launcher = (produce) => `#!/usr/bin/env node
// el-ipc's command line: lib/cli.cjs, compiled with its V8 code cache when there is one (scripts/build-cli.mjs).
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const { readFileSync, statSync${produce ? ", writeFileSync" : ""} } = require("node:fs");
const Module = require("node:module");
const { dirname } = require("node:path");
const { Script } = require("node:vm");
const file = require.resolve("./cli.cjs");
const cacheFile = \`\${file}.cache\`;
let cachedData;
${
  produce
    ? ""
    : `try {
  if (statSync(cacheFile).mtimeMs >= statSync(file).mtimeMs) cachedData = readFileSync(cacheFile);
} catch {}`
}
const source = readFileSync(file, "utf8").replace(/^#!.*/, "");
const script = new Script(Module.wrap(source), { filename: file, cachedData });
const m = new Module(file, undefined);
m.filename = file;
m.paths = Module._nodeModulePaths(dirname(file));
Module._cache[file] = m;
script.runInThisContext().call(m.exports, m.exports, createRequire(file), m, file, dirname(file));
m.loaded = true;
${produce ? 'process.once("exit", () => writeFileSync(cacheFile, script.createCachedData()));' : ""}
`;

/** Every package import becomes a require() that runs when the importing module is first used. */
const lazyPackages = {
  name: "el-ipc-lazy-packages",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      // import() of a built-in module becomes a require() too: the launcher's vm.Script runs no import().
      if (args.path.startsWith("node:")) {
        return args.kind === "dynamic-import" ? { path: args.path, namespace: "package" } : undefined;
      }
      // The require() inside the stand-in module below is the package itself, left to Node.
      if (args.namespace !== "file") return { path: args.path, external: true };
      return { path: args.path, namespace: "package" };
    });
    build.onLoad({ filter: /.*/, namespace: "package" }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: "js",
    }));
  },
};

/**
 * The packages `entry` loads before any of its code runs: those reached from it through static imports
 * only (a module reached through import() is initialised when that import() runs).
 */
function eagerPackages(inputs, entry) {
  const seen = new Set();
  const eager = new Set();
  const walk = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const i of inputs[file]?.imports ?? []) {
      if (i.kind !== "import-statement" || i.path.startsWith("node:")) continue;
      if (i.path.startsWith("package:")) eager.add(i.path.slice("package:".length));
      else walk(i.path);
    }
  };
  walk(entry);
  return [...eager];
}

/**
 * Bundles the CLI into `lib` and writes its launcher. Fails when the CLI would load a package at every
 * start: `el-ipc send` must not load the HTTP framework, its logger, its validation library or commander.
 */
export async function bundleCli(esbuild, { root, lib }) {
  const { metafile } = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { cli: CLI_ENTRY },
    outdir: lib,
    outExtension: { ".js": ".cjs" },
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    plugins: [lazyPackages],
    // Modules find files beside themselves (the migrations) through import.meta.url.
    define: { "import.meta.url": "__elIpcModuleUrl" },
    banner: { js: 'const __elIpcModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
    metafile: true,
    logLevel: "warning",
  });
  const eager = eagerPackages(metafile.inputs, CLI_ENTRY);
  if (eager.length > 0) {
    console.error(
      `build: the CLI would load ${eager.join(", ")} at every start; import() it where it is needed`,
    );
    process.exit(1);
  }
  if (/\bimport\(/.test(readFileSync(join(lib, "cli.cjs"), "utf8"))) {
    console.error("build: lib/cli.cjs calls import(), which its launcher's vm.Script cannot run");
    process.exit(1);
  }
  writeFileSync(join(lib, "cli.js"), launcher(false));
  writeCodeCache(lib);
}

/**
 * Runs one `send` on a scratch database through a launcher that writes the code cache once it is done, so
 * the cache holds every function a send compiles. A failure leaves no cache (the CLI then compiles as usual).
 */
function writeCodeCache(lib) {
  const producer = join(lib, "cli-cache-producer.mjs");
  const scratch = mkdtempSync(join(tmpdir(), "el-ipc-build-"));
  try {
    writeFileSync(producer, launcher(true));
    const r = spawnSync(process.execPath, [producer, "send", "build", "build", "warm-up"], {
      env: { ...cleanEnv(), IPC_DB_PATH: join(scratch, "ipc.db") },
      encoding: "utf8",
    });
    if (r.status !== 0) console.error(`build: no code cache for the CLI (${r.stderr.trim()})`);
  } finally {
    rmSync(producer, { force: true });
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The environment without el-ipc's own variables (a developer's IPC_URL must not reach the warm-up). */
function cleanEnv() {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith("IPC_") && k !== "NODE_OPTIONS"),
  );
}
