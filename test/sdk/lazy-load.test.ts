// `import { connect } from "el-ipc"` (the built package entry, lib/index.js) loads no HTTP framework, no
// SQLite and no zod; a remote client stays that way; only a local database loads SQLite.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { CLI, finished } from "../helpers/cli.js";
import { makeTempDir } from "../helpers/fixtures.js";
import { type ListeningServer, listeningServer } from "../helpers/http.js";

const SDK = join(dirname(CLI), "index.js");
const HEAVY = ["/fastify/", "/better-sqlite3/", "/zod/", "/pino/", "/@modelcontextprotocol/", "/src/http/"];

describe("SDK loading", () => {
  const dir = makeTempDir("el-ipc-sdk-load-");
  let server: ListeningServer;
  before(async () => {
    server = await listeningServer();
  });
  after(async () => {
    await server.close();
    dir.cleanup();
  });

  /** Runs `body` after importing the SDK; resolves to every module URL or file the process loaded. */
  async function loaded(body: string): Promise<string[]> {
    const hooks = dir.path("hooks.mjs");
    writeFileSync(
      hooks,
      'export async function resolve(s, c, next) { const r = await next(s, c); process.stderr.write("LOADED " + r.url + "\\n"); return r; }\n',
    );
    const script = dir.path("main.mjs");
    writeFileSync(
      script,
      [
        'import { createRequire, register } from "node:module";',
        `register(${JSON.stringify(pathToFileURL(hooks).href)});`,
        `const { connect } = await import(${JSON.stringify(pathToFileURL(SDK).href)});`,
        body,
        "const require = createRequire(import.meta.url);",
        'for (const f of Object.keys(require.cache)) process.stderr.write("LOADED " + f + "\\n");',
        "",
      ].join("\n"),
    );
    const child = spawn(process.execPath, [script], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: process.env.PATH },
    });
    const r = await finished(child);
    assert.equal(r.code, 0, r.stderr);
    return r.stderr
      .split("\n")
      .filter((l) => l.startsWith("LOADED "))
      .map((l) => l.slice(7));
  }

  it("import and a remote client's calls load no HTTP framework, SQLite or zod", async () => {
    const urls = await loaded(
      `const c = await connect({ url: ${JSON.stringify(server.url)}, agent: "a", env: {} });\n` +
        'await c.send("general", "hi");\nconst h = await c.health();\nif (h.status !== "ok") process.exit(3);',
    );
    assert.ok(
      urls.some((u) => u.endsWith("/lib/index.js")),
      "the hooks saw the SDK (sanity check)",
    );
    for (const heavy of HEAVY)
      assert.deepEqual(
        urls.filter((u) => u.includes(heavy)),
        [],
        heavy,
      );
  });

  it("a local database loads SQLite, and only then", async () => {
    const db = dir.path("local.db");
    const urls = await loaded(
      `const c = await connect({ db: ${JSON.stringify(db)}, agent: "a", env: {} });\n` +
        'await c.send("general", "hi");\nawait c.close();',
    );
    assert.ok(urls.some((u) => u.includes("/better-sqlite3/")));
    assert.deepEqual(
      urls.filter((u) => u.includes("/fastify/")),
      [],
    );
  });
});
