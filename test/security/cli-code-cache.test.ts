// The CLI's V8 code cache (lib/cli.cjs.cache, written by the build) can make the CLI run nothing but its
// bundle: V8 checks only the source's length, so the launcher refuses a cache older than the bundle, and a
// cache that is not V8's (garbage, another Node's) is rejected and the bundle compiled as usual.
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CLI, finished, tempDb } from "../helpers/cli.js";

const LIB = dirname(CLI);
// The send's answer, as the bundle writes it, and the same text with one letter changed (same length).
const ORIGINAL = "const out = { ok: true,";
const EDITED = "const out = { OK: true,";

describe("CLI code cache", () => {
  let lib: string;
  let db: ReturnType<typeof tempDb>;
  before(() => {
    // Beside the real lib/ so that packages resolve from the same node_modules.
    lib = mkdtempSync(join(dirname(LIB), "lib-cache-test-"));
    cpSync(LIB, lib, { recursive: true });
    db = tempDb();
  });
  after(() => {
    rmSync(lib, { recursive: true, force: true });
    db.cleanup();
  });

  const send = () =>
    finished(
      spawn(process.execPath, [join(lib, "cli.js"), "send", "general", "alice", "hi"], { env: db.env }),
    );
  const bundle = () => join(lib, "cli.cjs");
  const cache = () => join(lib, "cli.cjs.cache");

  it("is written by the build beside the bundle", () => {
    assert.ok(existsSync(join(LIB, "cli.cjs.cache")));
    assert.ok(readFileSync(bundle(), "utf8").includes(ORIGINAL), "the edit below finds its text");
  });

  it("runs an edited bundle, not the cached code of the old one", async () => {
    const source = readFileSync(bundle(), "utf8");
    writeFileSync(bundle(), source.replace(ORIGINAL, EDITED));
    const now = Date.now() / 1000;
    utimesSync(cache(), now - 60, now - 60);
    utimesSync(bundle(), now, now);
    const r = await send();
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\{"OK":true,/);
  });

  it("compiles the bundle as usual when the cache is garbage", async () => {
    writeFileSync(cache(), Buffer.alloc(150_000, 7));
    const now = Date.now() / 1000 + 60;
    utimesSync(cache(), now, now);
    const r = await send();
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\{"OK":true,"id":\d+,"channel":"general","signed":false[,}]/);
  });
});
