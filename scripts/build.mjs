// Build: compile TypeScript to dist/, copy SQL migrations beside their backend, mark the CLI executable.
import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
if (!existsSync(tsc)) {
  console.error("build: TypeScript is not installed; run npm install");
  process.exit(1);
}
rmSync(join(root, "dist"), { recursive: true, force: true });
execFileSync(process.execPath, [tsc, "-p", join(root, "tsconfig.json")], { stdio: "inherit", cwd: root });
for (const backend of readdirSync(join(root, "src", "store"), { withFileTypes: true })) {
  const from = join(root, "src", "store", backend.name, "migrations");
  if (backend.isDirectory() && existsSync(from)) {
    cpSync(from, join(root, "dist", "src", "store", backend.name, "migrations"), { recursive: true });
  }
}
chmodSync(join(root, "dist", "src", "cli", "main.js"), 0o755);
