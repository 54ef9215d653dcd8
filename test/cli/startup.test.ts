// The CLI's send and read paths run once per message and must start fast: they may not load the HTTP
// framework, its validation library or its logger. A module-resolve hook lists what a real run loads.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { CLI } from "../helpers/cli.js";

const HEAVY = ["/fastify/", "/zod/", "/pino/", "/undici/", "/src/http/"];

describe("CLI start-up", () => {
  const dir = mkdtempSync(join(tmpdir(), "el-ipc-startup-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const hooks = join(dir, "hooks.mjs");
  writeFileSync(
    hooks,
    "export async function resolve(s, c, next) { const r = await next(s, c); process.stderr.write(`LOADED ${r.url}\\n`); return r; }\n",
  );
  const register = join(dir, "register.mjs");
  writeFileSync(
    register,
    `import { register } from "node:module"; register(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
  );

  function loaded(args: string[]): string[] {
    const r = spawnSync(process.execPath, ["--import", register, CLI, ...args], {
      env: { ...process.env, IPC_DB_PATH: join(dir, "ipc.db") },
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
    return r.stderr
      .split("\n")
      .filter((l) => l.startsWith("LOADED "))
      .map((l) => l.slice(7));
  }

  for (const args of [
    ["send", "general", "alice", "hi"],
    ["read", "general", "bob"],
  ]) {
    it(`${args[0]} loads better-sqlite3 but no HTTP framework`, () => {
      const urls = loaded(args);
      assert.ok(
        urls.some((u) => u.includes("/better-sqlite3/")),
        "the resolve hook saw the modules (sanity check)",
      );
      for (const heavy of HEAVY) {
        assert.deepEqual(
          urls.filter((u) => u.includes(heavy)),
          [],
          `${args[0]} must not load ${heavy}`,
        );
      }
    });
  }
});
