// Build: compile TypeScript to dist/, copy SQL migrations beside their backend, bundle the CLI entry into
// one file and mark it executable.
import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
// EL_IPC_OUT builds into another folder (parallel work on one checkout); the default is dist/.
const out = join(root, process.env.EL_IPC_OUT || "dist");
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
if (!existsSync(tsc)) {
  console.error("build: TypeScript is not installed; run npm install");
  process.exit(1);
}
rmSync(out, { recursive: true, force: true });
// tsc still emits when it reports errors; finish the copy steps, then fail with tsc's status.
let failed = false;
try {
  execFileSync(process.execPath, [tsc, "-p", join(root, "tsconfig.json"), "--outDir", out], {
    stdio: "inherit",
    cwd: root,
  });
} catch {
  failed = true;
}
for (const backend of readdirSync(join(root, "src", "store"), { withFileTypes: true })) {
  const from = join(root, "src", "store", backend.name, "migrations");
  if (backend.isDirectory() && existsSync(from)) {
    cpSync(from, join(out, "src", "store", backend.name, "migrations"), { recursive: true });
  }
}
/** Modules of src/ kept out of the CLI bundle (see bundleCli), with why. */
const UNBUNDLED = [
  "http/", // the HTTP face: only `serve` loads it, and with it fastify, zod and pino
  "cli/commander.js", // help and usage errors: only they load commander
  "core/errors.js", // one IpcError class for the bundle and the HTTP face, which the CLI tests with instanceof
];
/** CommonJS packages the bundle loads with require() (see bundleCli). */
const REQUIRED_PACKAGES = new Set(["better-sqlite3"]);
const cli = join(out, "src", "cli", "main.js");
if (existsSync(cli)) {
  await bundleCli(cli);
  chmodSync(cli, 0o755);
}
if (failed) process.exit(1);

/**
 * Replaces tsc's CLI entry with one ESM file holding it and the modules it loads (commands, core, store):
 * loading some 40 modules one by one cost about 15 ms of every `el-ipc send`. Packages stay in
 * node_modules, and the modules in UNBUNDLED and those that find files relative to themselves through
 * import.meta (the SQLite migrations) stay beside the bundle, imported by their path. test/cli/startup.test.ts
 * sees what a run loads only through them, so the bundle may import nothing else at start-up.
 */
async function bundleCli(entry) {
  let esbuild;
  try {
    esbuild = await import("esbuild");
  } catch {
    console.error("build: esbuild is not installed; run npm install");
    process.exit(1);
  }
  const src = join(out, "src");
  const cliDir = dirname(entry);
  const unbundled = (path) =>
    UNBUNDLED.some((u) => relative(src, path).split(sep).join("/").startsWith(u)) ||
    /\bimport\.meta\b/.test(readFileSync(path, "utf8"));
  const split = {
    name: "el-ipc-split",
    setup(build) {
      build.onResolve({ filter: /^\.\.?\// }, (args) => {
        const path = join(args.resolveDir, args.path);
        if (args.kind === "entry-point" || !path.startsWith(src + sep) || !unbundled(path)) return undefined;
        const from = relative(cliDir, path).split(sep).join("/");
        return { path: from.startsWith("../") ? from : `./${from}`, external: true };
      });
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith("node:")) return undefined;
        // An ESM import of an external module is hoisted to the bundle's start, where it would load that
        // package for every command; require() runs when the module needing it does. It also spares
        // Node a parse of the CommonJS package for its export names.
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
    entryPoints: [entry],
    outfile: entry,
    allowOverwrite: true,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    plugins: [split],
    banner: {
      js: 'import { createRequire as __createRequire } from "node:module";\nconst require = __createRequire(import.meta.url);',
    },
    metafile: true,
    logLevel: "warning",
  });
  const eager = Object.values(metafile.outputs)
    .flatMap((o) => o.imports)
    .filter((i) => i.kind === "import-statement" && !i.path.startsWith("node:") && !i.path.startsWith("."));
  if (eager.length > 0) {
    console.error(
      `build: the CLI bundle would load ${eager.map((i) => i.path).join(", ")} at every start; ` +
        "import() it where it is needed, or add it to REQUIRED_PACKAGES",
    );
    process.exit(1);
  }
}
