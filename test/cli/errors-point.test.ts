// Errors that point the right way: a wrong key is named by fingerprint (locally both keys, remotely only
// the caller's own), an API key refusal says missing or wrong, IPC_KEY is --key's default, and every CLI
// error, usage errors included, starts with "el-ipc: ".
import assert from "node:assert/strict";
import { createHash, createPublicKey } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli, startServerProcess, tempDb } from "../helpers/cli.js";

/** SHA256:<base64 of SHA-256 of the raw 32-byte Ed25519 key>, computed here independently of src/. */
function fingerprint(pemFile: string): string {
  const der = createPublicKey(readFileSync(pemFile, "utf8")).export({ type: "spki", format: "der" });
  const raw = der.subarray(der.length - 32);
  return `SHA256:${createHash("sha256").update(raw).digest("base64").replace(/=+$/, "")}`;
}

describe("errors that point the right way", () => {
  const t = tempDb();
  const file = (n: string) => join(t.dir, n);
  let server: Awaited<ReturnType<typeof startServerProcess>> | undefined;

  before(async () => {
    const seeded = await runCli(["seed", "op"], t.env);
    assert.equal(seeded.code, 0, seeded.stderr);
    writeFileSync(file("op.key"), seeded.stdout, { mode: 0o600 });
    for (const n of ["herald", "other"])
      assert.equal((await runCli(["keygen", "--out", file(n)], t.env)).code, 0);
    const reg = await runCli(
      ["register", "herald", "--pubkey", file("herald.pub"), "--as", "op", "--key", file("op.key")],
      t.env,
    );
    assert.equal(reg.code, 0, reg.stderr);
    server = await startServerProcess({ ...t.env, IPC_API_KEY: "the-right-api-key-for-tests" });
  });
  after(async () => {
    await server?.stop();
    t.cleanup();
  });

  it("locally, a message signed with the wrong key names both fingerprints", async () => {
    const r = await runCli(["send", "plan", "herald", "hi", "--key", file("other.key")], t.env);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `el-ipc: message signature refused: your key ${fingerprint(file("other.pub"))} is not herald's registered key ${fingerprint(file("herald.pub"))}\n`,
    );
  });

  it("remotely, the caller learns its own key's fingerprint, never the registered one", async () => {
    const env = { ...t.env, IPC_URL: server?.url, IPC_API_KEY: "the-right-api-key-for-tests" };
    const r = await runCli(["send", "plan", "herald", "hi", "--key", file("other.key")], env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^el-ipc: .*unauthorized|^el-ipc: proof not accepted/);
    assert.ok(r.stderr.includes(`signed with key ${fingerprint(file("other.pub"))}`), r.stderr);
    assert.ok(!r.stderr.includes(fingerprint(file("herald.pub"))), r.stderr);
  });

  it("an IPC_API_KEY refusal says whether the API key is missing or wrong", async () => {
    const env = { ...t.env, IPC_URL: server?.url };
    const missing = await runCli(["send", "plan", "herald", "hi", "--key", file("herald.key")], env);
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      /^el-ipc: missing API key \(Authorization: Bearer <key>; the CLI sends IPC_API_KEY\)/,
    );
    const wrong = await runCli(["send", "plan", "herald", "hi", "--key", file("herald.key")], {
      ...env,
      IPC_API_KEY: "not-the-api-key",
    });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /^el-ipc: wrong API key/);
  });

  it("IPC_KEY is --key's default, locally and remotely", async () => {
    const env = { ...t.env, IPC_KEY: file("herald.key") };
    const local = await runCli(["send", "plan", "herald", "from env"], env);
    assert.equal(local.code, 0, local.stderr);
    assert.equal(JSON.parse(local.stdout).signed, true);
    const remote = await runCli(["send", "plan", "herald", "from env"], {
      ...env,
      IPC_URL: server?.url,
      IPC_API_KEY: "the-right-api-key-for-tests",
    });
    assert.equal(remote.code, 0, remote.stderr);
    // --key wins over IPC_KEY.
    const over = await runCli(["send", "plan", "herald", "x", "--key", file("other.key")], env);
    assert.equal(over.code, 1);
  });

  it("usage errors start with el-ipc:, point to --help and exit 2", async () => {
    for (const [args, want] of [
      [["send", "plan", "herald", "hi", "--from", "a"], /^el-ipc: unknown option '--from'\n/],
      [["key-events"], /^el-ipc: missing required argument 'name'\n/],
      [["nope"], /^el-ipc: unknown command 'nope'\n/],
      [["read", "plan", "herald", "--limit", "x"], /^el-ipc: /],
    ] as const) {
      const r = await runCli([...args], t.env);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, want, args.join(" "));
      assert.match(r.stderr, /--help/, args.join(" "));
      assert.doesNotMatch(r.stderr, /^error:/m, args.join(" "));
    }
  });
});
