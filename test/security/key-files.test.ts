// Private keys never leave the machine: register and rotate check the --pubkey file locally and refuse a
// private key before anything is sent (a recording proxy in front of a real server sees every request) or
// stored; --key refuses a public key by its contents.
import * as assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { cliJson, runCli, startServerProcess, tempDb } from "../helpers/cli.js";

/** An HTTP proxy that records every request (method, url, body) before passing it to `target`. */
async function recordingProxy(target: string): Promise<{ url: string; seen: string[]; server: Server }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      seen.push(`${req.method} ${req.url} ${JSON.stringify(req.headers)} ${body.toString("utf8")}`);
      const headers = { ...req.headers } as Record<string, string>;
      delete headers.host;
      delete headers["content-length"];
      fetch(`${target}${req.url}`, {
        method: req.method,
        headers,
        ...(body.length ? { body } : {}),
      })
        .then(async (r) => {
          res.writeHead(r.status, { "content-type": r.headers.get("content-type") ?? "application/json" });
          res.end(Buffer.from(await r.arrayBuffer()));
        })
        .catch(() => {
          res.writeHead(502);
          res.end();
        });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

describe("key files given to the CLI", () => {
  const t = tempDb();
  const op = join(t.dir, "op.key");
  const file = (name: string) => join(t.dir, name);
  let server: Awaited<ReturnType<typeof startServerProcess>> | undefined;
  let proxy: Awaited<ReturnType<typeof recordingProxy>> | undefined;
  /** Every line of the private key's base64, which must appear in no request. */
  let secretLines: string[] = [];

  before(async () => {
    const seeded = await runCli(["seed", "op"], t.env);
    assert.equal(seeded.code, 0, seeded.stderr);
    writeFileSync(op, seeded.stdout, { mode: 0o600 });
    for (const name of ["herald", "bob", "bob2"]) {
      assert.equal((await runCli(["keygen", "--out", file(name)], t.env)).code, 0);
    }
    const bob = await runCli(
      ["register", "bob", "--pubkey", file("bob.pub"), "--as", "op", "--key", op],
      t.env,
    );
    assert.equal(bob.code, 0, bob.stderr);
    secretLines = readFileSync(file("herald.key"), "utf8")
      .split("\n")
      .filter((l) => l && !l.startsWith("-----"));
    server = await startServerProcess(t.env);
    proxy = await recordingProxy(server.url);
  });
  after(async () => {
    proxy?.server.close();
    await server?.stop();
    t.cleanup();
  });

  it("register --pubkey herald.key is refused with the hint, before any request, locally and remotely", async () => {
    const remote = { ...t.env, IPC_URL: proxy?.url ?? "" };
    for (const env of [remote, t.env]) {
      const r = await runCli(
        ["register", "herald", "--pubkey", file("herald.key"), "--as", "op", "--key", op],
        env,
      );
      assert.equal(r.code, 2, r.stderr);
      assert.equal(
        r.stderr,
        `el-ipc: ${file("herald.key")} is a private key; give the public key, ${file("herald.pub")}\n`,
      );
    }
    const rotate = await runCli(
      ["rotate", "bob", "--pubkey", file("herald.key"), "--as", "op", "--key", op],
      remote,
    );
    assert.equal(rotate.code, 2, rotate.stderr);
    assert.match(rotate.stderr, /is a private key; give the public key/);
    assert.deepEqual(proxy?.seen, []);
    const agents = await cliJson<{ name: string }[]>(["agents", "--json"], t.env);
    assert.deepEqual(agents.map((a) => a.name).sort(), ["bob", "op"]);
  });

  it("the proxy does see a correct registration, and the private key is in no request", async () => {
    const remote = { ...t.env, IPC_URL: proxy?.url ?? "" };
    const r = await runCli(
      ["register", "herald", "--pubkey", file("herald.pub"), "--as", "op", "--key", op],
      remote,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(proxy?.seen.length, 1);
    const all = proxy?.seen.join("\n") ?? "";
    assert.match(all, /POST \/register/);
    assert.doesNotMatch(all, /PRIVATE/);
    for (const line of secretLines) assert.ok(!all.includes(line), "a line of the private key was sent");
  });

  it("--key herald.pub says it is a public key and that --key takes herald.key, whatever its mode", async () => {
    const r = await runCli(["send", "general", "herald", "hi", "--key", file("herald.pub")], t.env);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(
      r.stderr,
      `el-ipc: ${file("herald.pub")} is a public key; --key takes the private key, ${file("herald.key")}\n`,
    );
  });
});
