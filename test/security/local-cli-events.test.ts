// The local CLI in secure mode reports to _security like the HTTP face: refusals (no key, a wrong key, an
// inbox nobody owns) and operator actions (here unset, set and removed locally and through a server).
import * as assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { resolveConfig } from "../../src/config.js";
import type { SecurityEvent } from "../../src/core/security-log.js";
import { type RunningHttpServer, startHttpServer } from "../../src/http/server.js";
import { createSqliteStore } from "../../src/store/sqlite/index.js";
import { runCli, tempDb } from "../helpers/cli.js";

describe("the local CLI writes _security", () => {
  const t = tempDb();
  const op = join(t.dir, "op.key");
  const herald = join(t.dir, "herald.key");
  let server: RunningHttpServer;
  const events = async (): Promise<SecurityEvent[]> => {
    const store = createSqliteStore({ path: t.db });
    try {
      const msgs = await store.readAfter([{ channel: "_security", after: 0 }], 10_000);
      return msgs.map((m) => JSON.parse(m.content) as SecurityEvent);
    } finally {
      await store.close();
    }
  };
  const cli = async (args: string[], code: number, env = t.env) => {
    const r = await runCli(args, env);
    assert.equal(r.code, code, `el-ipc ${args.join(" ")}: ${r.stderr}`);
    return r;
  };

  before(async () => {
    const seeded = await runCli(["seed", "op"], t.env);
    assert.equal(seeded.code, 0, seeded.stderr);
    writeFileSync(op, seeded.stdout, { mode: 0o600 });
    await cli(["keygen", "--out", join(t.dir, "herald")], 0);
    await cli(["register", "herald", "--pubkey", join(t.dir, "herald.pub"), "--as", "op", "--key", op], 0);
    server = await startHttpServer(resolveConfig({ db: t.db, port: 0, host: "127.0.0.1" }, {}), {
      logLevel: "silent",
    });
  });
  after(async () => {
    await server.close();
    t.cleanup();
  });

  it("records local refusals: no key, someone else's key, an inbox nobody owns", async () => {
    await cli(["read", "general", "herald"], 1);
    await cli(["send", "general", "herald", "as herald", "--key", op], 1);
    const ghost = await cli(["send", "@ghost", "herald", "hello?", "--key", herald], 1);
    assert.match(ghost.stderr, /^el-ipc: @ghost is nobody's inbox: no agent 'ghost' is registered/);
    const got = await events();
    const refusals = got.filter((e) => e.type !== "admin").map((e) => [e.type, e.agent, e.remote]);
    assert.deepEqual(refusals, [
      ["unauthenticated", "herald", "local"],
      ["bad_signature", "herald", "local"],
      ["access_denied", "herald", "local"],
    ]);
    assert.equal(got.find((e) => e.type === "access_denied")?.code, "not_found");
    assert.deepEqual(
      got.filter((e) => e.type === "admin").map((e) => [e.action, e.operator, e.agent]),
      [["register", "op", "herald"]],
    );
  });

  it("unset removes a rule locally and through the server; each change is recorded", async () => {
    const remote = { ...t.env, IPC_URL: server.url };
    await cli(["deny", "herald", "team-*", "--as", "op", "--key", op], 0);
    await cli(["send", "team-a", "herald", "blocked", "--key", herald], 1);
    const w = await cli(["unset", "herald", "team-*", "--write", "--as", "op", "--key", op], 0, remote);
    assert.deepEqual(JSON.parse(w.stdout), {
      ok: true,
      message: "Operator 'op' removed herald's rule on 'team-*' (deny write)",
    });
    await cli(["send", "team-a", "herald", "allowed now", "--key", herald], 0);
    await cli(["unset", "herald", "team-*", "--as", "op", "--key", op], 0);
    const none = await cli(["unset", "herald", "team-*", "--read", "--as", "op", "--key", op], 1);
    assert.match(none.stderr, /^el-ipc: herald has no read rule on 'team-\*' to remove/);
    const mid = await cli(["grant", "herald", "rev*ew", "--as", "op", "--key", op], 2);
    assert.match(mid.stderr, /^el-ipc: pattern 'rev\*ew' has a \* before its end/);
    const unsets = (await events()).filter((e) => e.type === "admin" && e.action === "unset");
    assert.deepEqual(
      unsets.map((e) => [e.remote === "local" ? "local" : "http", e.message]),
      [
        ["http", "Operator 'op' removed herald's rule on 'team-*' (deny write)"],
        ["local", "Operator 'op' removed herald's rule on 'team-*' (deny read)"],
      ],
    );
  });
});
