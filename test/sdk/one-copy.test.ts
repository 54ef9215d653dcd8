// A program that imports both faces of the package, "el-ipc" (lib/index.js) and "el-ipc/server"
// (lib/server.js), loads the code they share once: one IpcError class, so an error the server face or the
// core under it throws is an `instanceof` the IpcError the SDK exports. A second copy of the core in the
// server's bundle would fail both checks.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { CLI, finished } from "../helpers/cli.js";
import { makeTempDir } from "../helpers/fixtures.js";

const LIB = dirname(CLI);
const SDK = join(LIB, "index.js");
const SERVER = join(LIB, "server.js");

describe("a program importing el-ipc and el-ipc/server", () => {
  const dir = makeTempDir("el-ipc-one-copy-");
  after(() => dir.cleanup());

  it("loads the shared core once: one IpcError class for both faces", async () => {
    const hooks = dir.path("hooks.mjs");
    writeFileSync(
      hooks,
      'export async function resolve(s, c, next) { const r = await next(s, c); process.stderr.write("LOADED " + r.url + "\\n"); return r; }\n',
    );
    const script = dir.path("main.mjs");
    const url = (f: string): string => JSON.stringify(pathToFileURL(f).href);
    writeFileSync(
      script,
      [
        'import { register } from "node:module";',
        `register(${url(hooks)});`,
        `const { IpcError } = await import(${url(SDK)});`,
        `const { resolveConfig, startHttpServer } = await import(${url(SERVER)});`,
        `const config = resolveConfig({ db: ${JSON.stringify(dir.path("ipc.db"))} }, {});`,
        // Refused by the server face itself: an open-mode server on every address.
        "const refused = await startHttpServer({ ...config, host: '0.0.0.0', port: 0 }, { metrics: false }).catch((e) => e);",
        "const server = await startHttpServer({ ...config, host: '127.0.0.1', port: 0 }, { metrics: false });",
        // Refused by the core the server face runs on: a channel name no queue accepts.
        "const bad = await server.queue.send({ channel: 'no spaces', sender: 'a', content: 'x' }).catch((e) => e);",
        "await server.close();",
        "console.log(JSON.stringify({",
        "  server: [refused instanceof IpcError, refused?.code],",
        "  core: [bad instanceof IpcError, bad?.code],",
        "}));",
        "",
      ].join("\n"),
    );
    const child = spawn(process.execPath, [script], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: process.env.PATH },
    });
    const r = await finished(child);
    assert.equal(r.code, 0, r.stderr);
    const got = JSON.parse(r.stdout) as { server: [boolean, string]; core: [boolean, string] };
    assert.deepEqual(got.server, [true, "forbidden"], r.stdout);
    assert.deepEqual(got.core, [true, "invalid_argument"], r.stdout);

    // The hook sees every import of a module; each is loaded once, so count distinct files.
    const ours = [
      ...new Set(
        r.stderr
          .split("\n")
          .filter((l) => l.startsWith(`LOADED ${pathToFileURL(LIB).href}/`))
          .map((l) => fileURLToPath(l.slice(7))),
      ),
    ];
    assert.ok(ours.includes(SDK) && ours.includes(SERVER), "the hooks saw both entries (sanity check)");
    const holders = ours.filter((f) =>
      /\bclass IpcError\b|\bIpcError = class\b/.test(readFileSync(f, "utf8")),
    );
    assert.equal(holders.length, 1, `IpcError is defined once in what was loaded: ${holders.join(", ")}`);
  });
});
