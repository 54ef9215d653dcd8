// `el-ipc dashboard`: the sign-in link from a real server, with an operator's key or, on a server with
// only an API key, the key; and the one-line refusals (no key, an agent's key, no server).
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { freePort, runCli, startServerProcess, tempDb } from "../helpers/cli.js";
import { listeningServer } from "../helpers/http.js";
import { type SecureServer, secureServer } from "../security/helpers.js";

describe("el-ipc dashboard", () => {
  let s: SecureServer;
  let dir: string;
  const db = tempDb();
  before(async () => {
    s = await secureServer({ listen: true, agents: ["alice"] });
    dir = mkdtempSync(join(tmpdir(), "el-ipc-dash-"));
    writeFileSync(join(dir, "op.key"), s.op.privatePem, { mode: 0o600 });
    writeFileSync(join(dir, "alice.key"), s.keys.alice?.privatePem ?? "", { mode: 0o600 });
  });
  after(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
    db.cleanup();
  });

  it("prints a one-time sign-in link, and the same as JSON", async () => {
    const r = await runCli(
      ["dashboard", "--as", "op-main", "--key", join(dir, "op.key"), "--server", s.url],
      db.env,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(
        `^${s.url}/ui/sign-in\\?code=[A-Za-z0-9_-]{22}\\nOpen it within (59|60) s; it works once\\.\\n$`,
      ),
    );
    const j = await runCli(
      ["dashboard", "--as", "op-main", "--key", join(dir, "op.key"), "--server", s.url, "--json"],
      db.env,
    );
    assert.equal(j.code, 0, j.stderr);
    const out = JSON.parse(j.stdout);
    assert.equal(out.url, `${s.url}/ui/sign-in?code=${out.code}`);
  });

  it("refuses without a key, with an agent's key, and without a server, in one line each", async () => {
    const none = await runCli(["dashboard", "--server", s.url], db.env);
    assert.equal(none.code, 2, none.stderr);
    assert.match(none.stderr, /^el-ipc: el-ipc dashboard signs in as an operator/);
    const agent = await runCli(
      ["dashboard", "--as", "alice", "--key", join(dir, "alice.key"), "--server", s.url],
      db.env,
    );
    assert.equal(agent.code, 1, agent.stderr);
    assert.match(agent.stderr, /for operators only/);
    const port = await freePort();
    const gone = await runCli(
      ["dashboard", "--as", "op-main", "--key", join(dir, "op.key"), "--server", `http://127.0.0.1:${port}`],
      db.env,
    );
    assert.equal(gone.code, 1, gone.stderr);
    assert.match(gone.stderr, /cannot reach/);
    for (const r of [none, agent, gone])
      assert.equal(r.stderr.trim().split("\n").length <= 3, true, r.stderr);
  });

  it("the installed command's server serves the page and its files (shipped beside the bundle)", async () => {
    const open = tempDb();
    const server = await startServerProcess(open.env);
    try {
      for (const [path, type] of [
        ["/ui", "text/html"],
        ["/ui/app.js", "text/javascript"],
        ["/ui/app.css", "text/css"],
      ] as const) {
        const r = await fetch(`${server.url}${path}`);
        assert.equal(r.status, 200, path);
        assert.ok(String(r.headers.get("content-type")).startsWith(type), path);
        assert.ok((await r.text()).length > 500, path);
      }
    } finally {
      await server.stop();
      open.cleanup();
    }
  });

  it("gives the link to the API key holder on a server with no operator", async () => {
    const open = await listeningServer({ IPC_API_KEY: "k".repeat(32) });
    try {
      const r = await runCli(["dashboard", "--server", open.url], { ...db.env, IPC_API_KEY: "k".repeat(32) });
      assert.equal(r.code, 0, r.stderr);
      const wrong = await runCli(["dashboard", "--server", open.url], {
        ...db.env,
        IPC_API_KEY: "x".repeat(32),
      });
      assert.equal(wrong.code, 1, wrong.stderr);
    } finally {
      await open.close();
    }
  });
});
