// Build: type-check and compile src/, test/ and bench/ with tsc (tests and benchmarks run from its output,
// declarations go to <out>/types), then bundle the shipped faces with esbuild into <out>/lib.
import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, readdirSync, rmSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleCli } from "./build-cli.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
// EL_IPC_OUT builds into another folder (parallel work on one checkout); the default is dist/.
const out = join(root, process.env.EL_IPC_OUT || "dist");
const lib = join(out, "lib");
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
if (!existsSync(tsc)) {
  console.error("build: TypeScript is not installed; run npm install");
  process.exit(1);
}
rmSync(out, { recursive: true, force: true });
// tsc still emits when it reports errors; finish the other steps, then fail with tsc's status.
let failed = false;
try {
  execFileSync(
    process.execPath,
    [
      tsc,
      "-p",
      join(root, "tsconfig.json"),
      "--outDir",
      out,
      "--declaration",
      "--declarationDir",
      join(out, "types"),
    ],
    { stdio: "inherit", cwd: root },
  );
} catch {
  failed = true;
}
/**
 * Entry points of the one ES build: the SDK (`"."`, lib/index.js), the HTTP server (`"./server"`) and the
 * WAL checkpointer's worker thread (started by the file beside it, lib/checkpoint-worker.js). Code
 * splitting puts what they share in chunks beside them, so a process that loads several loads each module
 * once. The CLI (the `bin`) is bundled as one CommonJS file (build-cli.mjs): docs/PERFORMANCE.md, figure 8,
 * has the measurements that keep it apart.
 */
const ENTRIES = {
  index: "src/sdk/index.ts",
  server: "src/http/server.ts",
  "checkpoint-worker": "src/store/sqlite/checkpoint-worker.ts",
};
/** CommonJS packages the bundle loads with require() (see the plugin below). */
const REQUIRED_PACKAGES = new Set(["better-sqlite3"]);
/** Entries that may load no package at start-up, only when a code path needs it. */
const LAZY_ENTRIES = ["index.js"];

for (const backend of readdirSync(join(root, "src", "store"), { withFileTypes: true })) {
  const from = join(root, "src", "store", backend.name, "migrations");
  if (backend.isDirectory() && existsSync(from)) {
    cpSync(from, join(out, "src", "store", backend.name, "migrations"), { recursive: true });
    // The bundle is one flat folder, so a migrator's `./migrations/` is lib/migrations/.
    cpSync(from, join(lib, "migrations"), { recursive: true });
  }
}
// The dashboard's page and assets (src/ui/assets.ts reads them beside itself): the tests' tree and lib/.
cpSync(join(root, "src", "ui", "assets"), join(out, "src", "ui", "assets"), { recursive: true });
cpSync(join(root, "src", "ui", "assets"), join(lib, "assets"), { recursive: true });
await bundle();
await bundleCli(await import("esbuild"), { root, lib });
chmodSync(join(lib, "cli.js"), 0o755);
if (failed) process.exit(1);

/**
 * Bundles ENTRIES into lib/ as ES modules with code splitting; packages stay in node_modules. Every output
 * is in lib/ itself (no sub-folders), so `new URL("./migrations/", import.meta.url)` finds lib/migrations.
 * Fails when an entry in LAZY_ENTRIES would import a package at start-up: `el-ipc send` must not load the
 * HTTP framework, and `import "el-ipc"` must load neither it nor SQLite.
 */
async function bundle() {
  let esbuild;
  try {
    esbuild = await import("esbuild");
  } catch {
    console.error("build: esbuild is not installed; run npm install");
    process.exit(1);
  }
  const packages = {
    name: "el-ipc-packages",
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith("node:")) return undefined;
        // An ESM import of an external module is hoisted to its chunk's start, where it would load that
        // package with the chunk; require() runs when the module needing it does. It also spares Node a
        // parse of the CommonJS package for its export names.
        if (REQUIRED_PACKAGES.has(args.path) && args.namespace === "file") {
          return { path: args.path, namespace: "required" };
        }
        return { path: args.path, external: true };
      });
      build.onLoad({ filter: /.*/, namespace: "required" }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(args.path)});`,
        loader: "js",
      }));
    },
  };
  const { metafile } = await esbuild.build({
    absWorkingDir: root,
    entryPoints: ENTRIES,
    outdir: lib,
    bundle: true,
    splitting: true,
    platform: "node",
    format: "esm",
    target: "node20",
    plugins: [packages],
    banner: {
      js: 'import { createRequire as __createRequire } from "node:module";\nconst require = __createRequire(import.meta.url);',
    },
    metafile: true,
    logLevel: "warning",
  });
  const outputs = metafile.outputs;
  const name = (p) => relative(relative(root, lib), p);
  for (const entry of LAZY_ENTRIES) {
    const seen = new Set();
    const eager = [];
    const walk = (file) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const i of outputs[file]?.imports ?? []) {
        if (i.kind !== "import-statement" || i.path.startsWith("node:")) continue;
        if (i.external) eager.push(i.path);
        else walk(i.path);
      }
    };
    walk(relative(root, join(lib, entry)));
    if (eager.length > 0) {
      console.error(
        `build: ${entry} would load ${[...new Set(eager)].join(", ")} at every start; ` +
          "import() it where it is needed, or add it to REQUIRED_PACKAGES",
      );
      process.exit(1);
    }
  }
  const files = Object.keys(outputs).map(name);
  if (files.some((f) => basename(f) !== f)) {
    console.error(`build: lib/ must stay flat (the migrations are found beside the chunks): ${files}`);
    process.exit(1);
  }
}
