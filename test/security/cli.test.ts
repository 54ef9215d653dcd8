// The operator commands and the caller proof of listings through the real CLI: locally on the database
// and remotely against a real server process, with real key files.
import * as assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { cliJson, runCli, startServerProcess, tempDb } from "../helpers/cli.js";

describe("CLI operator commands", () => {
  const t = tempDb();
  const op = join(t.dir, "op.key");
  const key = (name: string) => join(t.dir, `${name}.key`);
  const pub = (name: string) => join(t.dir, `${name}.pub`);
  let server: Awaited<ReturnType<typeof startServerProcess>> | undefined;
  const remote = () => ({ ...t.env, IPC_URL: server?.url ?? "" });

  before(async () => {
    const seeded = await runCli(["seed", "op"], t.env);
    assert.equal(seeded.code, 0, seeded.stderr);
    writeFileSync(op, seeded.stdout, { mode: 0o600 });
    for (const name of ["herald", "bob", "bob2", "carol", "dave"]) {
      assert.equal((await runCli(["keygen", "--out", join(t.dir, name)], t.env)).code, 0);
    }
    for (const name of ["herald", "bob", "carol", "dave"]) {
      const r = await runCli(["register", name, "--pubkey", pub(name), "--as", "op", "--key", op], t.env);
      assert.equal(r.code, 0, r.stderr);
    }
    server = await startServerProcess(t.env);
  });
  after(async () => {
    await server?.stop();
    t.cleanup();
  });

  it("revoke: herald can then neither send nor read, locally or through the server", async () => {
    assert.equal((await runCli(["send", "general", "herald", "hi", "--key", key("herald")], t.env)).code, 0);
    const r = await cliJson<{ ok: boolean; message: string }>(
      ["revoke", "herald", "--as", "op", "--key", op],
      t.env,
    );
    assert.deepEqual(r, { ok: true, message: "Agent 'herald' revoked by operator 'op'" });
    for (const env of [t.env, remote()]) {
      const send = await runCli(["send", "general", "herald", "again", "--key", key("herald")], env);
      assert.equal(send.code, 1);
      assert.match(send.stderr, /revoked/);
      const read = await runCli(["read", "general", "herald", "--key", key("herald")], env);
      assert.equal(read.code, 1);
      assert.match(read.stderr, /revoked/);
    }
    const agents = await cliJson<{ name: string; revoked_by?: string }[]>(["agents", "--json"], t.env);
    assert.equal(agents.find((a) => a.name === "herald")?.revoked_by, "op");
    const text = await runCli(["agents"], t.env);
    assert.match(text.stdout, /herald .*\[revoked\]/);
  });

  it("rotate through the server: the old key stops, the new one works", async () => {
    const r = await cliJson<{ message: string }>(
      ["rotate", "bob", "--pubkey", pub("bob2"), "--as", "op", "--key", op],
      remote(),
    );
    assert.equal(r.message, "Key of 'bob' rotated by operator 'op'");
    const old = await runCli(["send", "general", "bob", "old", "--key", key("bob")], remote());
    assert.equal(old.code, 1);
    assert.match(old.stderr, /proof not accepted/);
    const fresh = await cliJson<{ signed: boolean }>(
      ["send", "general", "bob", "new", "--key", key("bob2")],
      remote(),
    );
    assert.equal(fresh.signed, true);
  });

  it("deny and grant, locally and remotely, enforced on both", async () => {
    const deny = await cliJson<{ message: string }>(
      ["deny", "carol", "secret-*", "--write", "--as", "op", "--key", op],
      t.env,
    );
    assert.equal(deny.message, "Operator 'op' denied carol write on 'secret-*'");
    for (const env of [t.env, remote()]) {
      const r = await runCli(["send", "secret-plans", "carol", "x", "--key", key("carol")], env);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /carol may not write secret-plans/);
    }
    // Reading was not denied.
    assert.equal((await runCli(["read", "secret-plans", "carol", "--key", key("carol")], remote())).code, 0);
    const grant = await cliJson<{ message: string }>(
      ["grant", "carol", "secret-plans", "--as", "op", "--key", op],
      remote(),
    );
    assert.equal(grant.message, "Operator 'op' granted carol read and write on 'secret-plans'");
    assert.equal(
      (await runCli(["send", "secret-plans", "carol", "ok", "--key", key("carol")], t.env)).code,
      0,
    );
  });

  it("an operator command signed by an agent's key is refused", async () => {
    const r = await runCli(["revoke", "dave", "--as", "op", "--key", key("carol")], remote());
    assert.equal(r.code, 1);
    assert.match(r.stderr, /proof not accepted/);
    const asAgent = await runCli(["grant", "dave", "*", "--as", "carol", "--key", key("carol")], t.env);
    assert.equal(asAgent.code, 1);
    assert.match(asAgent.stderr, /not an operator/);
  });

  it("remote channels and agents need --key and --as; local ones do not", async () => {
    for (const cmd of ["channels", "agents"]) {
      const anonymous = await runCli([cmd], remote());
      assert.equal(anonymous.code, 1, cmd);
      assert.match(anonymous.stderr, /registered identity/);
      const half = await runCli([cmd, "--key", key("dave")], remote());
      assert.equal(half.code, 2, cmd);
      assert.match(half.stderr, /--key and --as go together/);
      const proven = await runCli([cmd, "--key", key("dave"), "--as", "dave"], remote());
      assert.equal(proven.code, 0, proven.stderr);
      assert.equal((await runCli([cmd], t.env)).code, 0);
    }
    const chans = await cliJson<{ channel: string }[]>(
      ["channels", "--key", key("dave"), "--as", "dave"],
      remote(),
    );
    assert.ok(chans.some((c) => c.channel === "general"));
  });
});
