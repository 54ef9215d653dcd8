// docs/SDK.md cannot rot: every ```ts block runs, in order, against a real server and a local database,
// with `client` (alice), `bob` and `operator` (boss) connected and IPC_* set as the page says.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { LOCAL } from "../../src/core/caller.js";
import { generateKeyPair } from "../../src/crypto/keys.js";
import { type ConnectOptions, connect } from "../../src/sdk/index.js";
import { openDatabase } from "../../src/sdk/local.js";
import { makeTempDir, REPO_ROOT } from "../helpers/fixtures.js";
import { listeningServer } from "../helpers/http.js";

/** The modules a block's `import … from "el-ipc"` and `"el-ipc/server"` stand for (this build's source). */
const PACKAGE_URLS: Record<string, string> = {
  "el-ipc": new URL("../../src/sdk/index.js", import.meta.url).href,
  "el-ipc/server": new URL("../../src/http/server.js", import.meta.url).href,
};

/** The ```ts blocks of docs/SDK.md, in order. */
function examples(): string[] {
  const text = readFileSync(join(REPO_ROOT, "docs", "SDK.md"), "utf8");
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
}

/** A block as the body of an async function: its static imports become dynamic ones. */
function runnable(block: string): string {
  return block.replace(/^import \{([^}]*)\} from "([^"]+)";$/gm, (_, names: string, from: string) => {
    const url = PACKAGE_URLS[from] ?? from;
    return `const {${names}} = await import(${JSON.stringify(url)});`;
  });
}

const AsyncFunction = (async () => undefined).constructor as new (
  ...args: string[]
) => (...a: unknown[]) => Promise<void>;

/** Runs every example with IPC_* pointing at `where`; resolves to what each printed. */
async function runAll(where: ConnectOptions, operatorPem: string, dir: string): Promise<string[][]> {
  const operator = await connect({ ...where, agent: "boss", key: operatorPem, env: {} });
  const alice = generateKeyPair();
  const bobPair = generateKeyPair();
  await operator.register("alice", alice.publicKey);
  await operator.register("bob", bobPair.publicKey);
  const aliceFile = join(dir, "alice.key");
  writeFileSync(aliceFile, alice.privateKey, { mode: 0o600 });
  const client = await connect({ ...where, agent: "alice", key: aliceFile, env: {} });
  const bob = await connect({ ...where, agent: "bob", key: bobPair.privateKey, env: {} });
  const saved = { ...process.env };
  const printed: string[][] = [];
  const log = console.log;
  try {
    for (const k of Object.keys(process.env)) if (k.startsWith("IPC_")) delete process.env[k];
    if (where.url) process.env.IPC_URL = where.url;
    if (where.apiKey) process.env.IPC_API_KEY = where.apiKey;
    if (where.db) process.env.IPC_DB_PATH = where.db;
    process.env.IPC_AGENT = "alice";
    process.env.IPC_KEY = aliceFile;
    for (const [i, block] of examples().entries()) {
      const lines: string[] = [];
      console.log = (...a: unknown[]) => lines.push(a.map(String).join(" "));
      try {
        await new AsyncFunction("client", "bob", "operator", runnable(block))(client, bob, operator);
      } catch (e) {
        throw new Error(`docs/SDK.md example ${i + 1} failed: ${(e as Error).message}\n${block}`);
      } finally {
        console.log = log;
      }
      printed.push(lines);
    }
  } finally {
    console.log = log;
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    await Promise.all([client.close(), bob.close(), operator.close()]);
  }
  return printed;
}

/** What the examples printed, checked where it says what they did. */
function check(printed: string[][], mode: string): void {
  const all = printed.flat();
  assert.equal(printed[0]?.[0], `${mode} alice`);
  assert.ok(all.includes("unavailable aborted"), all.join("\n"));
  assert.ok(all.includes("alice job 1"), all.join("\n"));
  assert.ok(all.includes("forbidden 403"), all.join("\n"));
  assert.ok(all.some((l) => /^team-\* read allow$/.test(l)));
  assert.ok(all.some((l) => /^rotate boss \d/.test(l)));
  // The embedded server's first message, on its own fresh database.
  assert.deepEqual(printed.at(-1), ["1"]);
}

describe("docs/SDK.md examples", () => {
  it("has an example for every call of the Client", () => {
    const text = examples().join("\n");
    for (const call of [
      "connect(",
      ".send(",
      ".sendBatch(",
      ".read(",
      ".ack(",
      ".seek(",
      ".channels(",
      ".agents(",
      ".health(",
      ".subscribe(",
      ".register(",
      ".revoke(",
      ".rotate(",
      ".grant(",
      ".deny(",
      ".unset(",
      ".access(",
      ".keyEvents(",
      "IpcError",
    ]) {
      assert.ok(text.includes(call), `no example calls ${call}`);
    }
  });

  it("run against a real server", async () => {
    const s = await listeningServer({ IPC_API_KEY: "docs-key" });
    const dir = makeTempDir("el-ipc-sdk-docs-");
    try {
      const { privateKey } = await s.queue.seed(LOCAL, "boss");
      check(await runAll({ url: s.url, apiKey: "docs-key" }, privateKey, dir.dir), "remote");
    } finally {
      await s.close();
      dir.cleanup();
    }
  });

  it("run against a local database", async () => {
    const dir = makeTempDir("el-ipc-sdk-docs-");
    try {
      const db = dir.path("ipc.db");
      const q = await openDatabase({ path: db, env: {} });
      const { privateKey } = await q.seed(LOCAL, "boss");
      await q.close();
      check(await runAll({ db }, privateKey, dir.dir), "local");
    } finally {
      dir.cleanup();
    }
  });
});
