// Build: compile TypeScript to dist/, copy SQL migrations beside their backend, mark the CLI executable.
import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
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
const cli = join(out, "src", "cli", "main.js");
if (existsSync(cli)) chmodSync(cli, 0o755);
if (failed) process.exit(1);
