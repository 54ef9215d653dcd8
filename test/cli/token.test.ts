// `el-ipc token`, `tokens` and `token-revoke`, locally and through a server: an operator issues a token,
// an MCP client (the official SDK) uses it on /mcp, and once revoked it is refused.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { cliJson, runCli, startServerProcess, tempDb } from "../helpers/cli.js";
import { httpClient, ok } from "../helpers/mcp.js";

interface Issued {
  ok: boolean;
  token: string;
  id: string;
  agent: string;
  expires_at: number;
}

describe("el-ipc token", () => {
  const t = tempDb();
  const op = join(t.dir, "op.key");
  const key = (name: string) => join(t.dir, `${name}.key`);
  let server: Awaited<ReturnType<typeof startServerProcess>>;
  let remote: NodeJS.ProcessEnv;
  before(async () => {
    const seeded = await runCli(["seed", "op"], t.env);
    writeFileSync(op, seeded.stdout, { mode: 0o600 });
    for (const name of ["alice", "bob"]) {
      assert.equal((await runCli(["keygen", "--out", join(t.dir, name)], t.env)).code, 0);
      const r = await runCli(
        ["register", name, "--pubkey", join(t.dir, `${name}.pub`), "--as", "op", "--key", op],
        t.env,
      );
      assert.equal(r.code, 0, r.stderr);
    }
    server = await startServerProcess(t.env);
    remote = { ...t.env, IPC_URL: server.url, IPC_DB_PATH: "/nonexistent/never/ipc.db" };
  });
  after(async () => {
    await server?.stop();
    t.cleanup();
  });

  it("issues tokens locally and through the server; an MCP client acts as the agent with one", async () => {
    const before = Date.now() / 1000;
    const local = await cliJson<Issued>(["token", "alice", "--as", "op", "--key", op, "--ttl", "2h"], t.env);
    assert.equal(local.agent, "alice");
    assert.match(local.token, /^elipc_[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/);
    assert.ok(Math.abs(local.expires_at - (before + 7200)) < 5);
    const viaServer = await cliJson<Issued>(["token", "bob", "--as", "op", "--key", op], remote);
    assert.ok(Math.abs(viaServer.expires_at - (before + 86400)) < 5, "24 h by default");

    const alice = await httpClient(`${server.url}/mcp`, { authorization: `Bearer ${local.token}` });
    const bob = await httpClient(`${server.url}/mcp`, { authorization: `Bearer ${viaServer.token}` });
    try {
      await ok(alice, "send_message", { channel: "@bob", content: "from a token" });
      const page = await ok<{ messages: { sender: string; content: string }[] }>(bob, "read_messages", {
        channels: ["@bob"],
      });
      assert.deepEqual(
        page.messages.map((m) => [m.sender, m.content]),
        [["alice", "from a token"]],
      );
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }

    const listed = await cliJson<{ id: string; agent: string; issued_by: string }[]>(
      ["tokens", "--as", "op", "--key", op],
      remote,
    );
    assert.deepEqual(
      listed.map((x) => [x.id, x.agent, x.issued_by]).sort(),
      [
        [local.id, "alice", "op"],
        [viaServer.id, "bob", "op"],
      ].sort(),
    );
    assert.ok(!JSON.stringify(listed).includes(local.token.split(".")[1] as string), "no secret is listed");

    const revoked = await cliJson<{ message: string }>(
      ["token-revoke", local.id, "--as", "op", "--key", op],
      remote,
    );
    assert.equal(revoked.message, `token ${local.id} revoked`);
    const refused = await fetch(`${server.url}/mcp`, {
      method: "POST",
      headers: { authorization: `Bearer ${local.token}`, "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    assert.equal(refused.status, 401);
  });

  it("refuses a bad lifetime, a non-operator and an unknown agent with one line each", async () => {
    const ttl = await runCli(["token", "alice", "--as", "op", "--key", op, "--ttl", "1y"], t.env);
    assert.equal(ttl.code, 2);
    assert.match(ttl.stderr, /^el-ipc: [^\n]*--ttl takes a lifetime/);
    const long = await runCli(["token", "alice", "--as", "op", "--key", op, "--ttl", "91d"], t.env);
    assert.equal(long.code, 2);
    for (const env of [t.env, remote]) {
      const agent = await runCli(["token", "bob", "--as", "alice", "--key", key("alice")], env);
      assert.equal(agent.code, 1);
      assert.match(agent.stderr, /^el-ipc: [^\n]*operators only[^\n]*\n$/);
      const unknown = await runCli(["token", "nobody", "--as", "op", "--key", op], env);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /^el-ipc: unknown agent 'nobody'/);
    }
  });
});
