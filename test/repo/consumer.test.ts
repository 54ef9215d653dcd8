// The package as another project sees it: `npm pack` ships no tests or benchmarks; a consumer project
// with the tarball installed starts a server through "el-ipc/server", talks to it with `connect` from
// "el-ipc", and compiles under `tsc --strict` against the shipped declarations of both entries.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { finished } from "../helpers/cli.js";
import { makeTempDir, REPO_ROOT } from "../helpers/fixtures.js";

const CONSUMER = `import { connect, IpcError, type Message, type SendResult } from "el-ipc";
import { type Config, resolveConfig, startHttpServer } from "el-ipc/server";

// The server embedded through the package's second entry, configured as the CLI would be.
const config: Config = resolveConfig({ db: process.env.DB_PATH, port: 0 }, { IPC_API_KEY: "pkg-key" });
const server = await startHttpServer(config, { metrics: false });
const client = await connect({ url: server.url, agent: "consumer", apiKey: "pkg-key" });
const sent: SendResult = await client.send("pkg", "hello from a consumer");
const got: Message[] = await client.read("pkg");
const first: string = got[0]?.content ?? "";
try {
  await client.revoke("nobody");
} catch (e) {
  if (!(e instanceof IpcError)) throw e;
  const code: "forbidden" | "unauthorized" | "unknown_agent" | string = e.code;
  console.log(JSON.stringify({ id: sent.id, first, code, status: e.status }));
}
await client.close();
await server.close();
`;

/** Runs a command; fails the test with its output when it fails. */
function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", env, timeout: 120_000 });
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")}: ${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

describe("the packed package in a consumer project", () => {
  const tmp = makeTempDir("el-ipc-consumer-");
  after(() => tmp.cleanup());

  it("ships dist only, compiles under tsc --strict and runs against a real server", async (t) => {
    if (!existsSync(join(REPO_ROOT, "dist", "lib", "index.js"))) return t.skip("no dist/ build to pack");
    // --ignore-scripts: `prepare` would rebuild dist/ under the running tests.
    const packed = JSON.parse(
      run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", tmp.dir], REPO_ROOT),
    ) as { filename: string; files: { path: string }[] }[];
    const files = packed[0]?.files.map((f) => f.path) ?? [];
    assert.ok(files.includes("dist/lib/index.js") && files.includes("dist/types/src/sdk/index.d.ts"));
    assert.deepEqual(
      files.filter((f) => /^(test|bench|dist\/test|dist\/bench|dist\/types\/(test|bench))\//.test(f)),
      [],
    );
    const app = tmp.path("app");
    const pkgDir = join(app, "node_modules", "el-ipc");
    mkdirSync(pkgDir, { recursive: true });
    run("tar", ["-xzf", tmp.path(packed[0]?.filename ?? ""), "-C", pkgDir, "--strip-components=1"], tmp.dir);
    // Offline: the package's dependencies (and the compiler) come from this checkout's node_modules.
    const manifest = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    for (const dep of [...Object.keys(manifest.dependencies), "typescript", "@types/node"]) {
      const to = join(app, "node_modules", dep);
      mkdirSync(join(to, ".."), { recursive: true });
      symlinkSync(join(REPO_ROOT, "node_modules", dep), to, "dir");
    }
    writeFileSync(
      join(app, "package.json"),
      JSON.stringify({ name: "consumer", type: "module", private: true }),
    );
    writeFileSync(
      join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          types: ["node"],
          outDir: "out",
          skipLibCheck: false,
        },
        include: ["index.ts"],
      }),
    );
    writeFileSync(join(app, "index.ts"), CONSUMER);
    run(process.execPath, [join(app, "node_modules", "typescript", "bin", "tsc"), "-p", "."], app);
    const child = spawn(process.execPath, [join(app, "out", "index.js")], {
      cwd: app,
      env: { PATH: process.env.PATH, DB_PATH: tmp.path("consumer.db") },
    });
    const done = await finished(child);
    assert.equal(done.code, 0, done.stderr);
    const out = done.stdout;
    const r = JSON.parse(out) as { id: number; first: string; code: string; status: number };
    assert.equal(r.first, "hello from a consumer");
    assert.ok(r.id > 0);
    // Open mode: a revocation without an operator's signature is refused.
    assert.ok(r.status >= 400 && r.status < 500, out);
  });
});
