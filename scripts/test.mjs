// Runs every compiled test file with Node's built-in test runner (Node 20 has no glob support in --test).
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? find(join(dir, e.name)) : e.name.endsWith(".test.js") ? [join(dir, e.name)] : [],
  );
}
const filter = process.argv.slice(2);
const files = find(join(process.env.EL_IPC_OUT || "dist", "test"))
  .filter((f) => filter.length === 0 || filter.some((p) => f.includes(p)))
  .sort();
const r = spawnSync(process.execPath, ["--test", "--test-reporter=tap", ...files], { stdio: "inherit" });
process.exit(r.status ?? 1);
