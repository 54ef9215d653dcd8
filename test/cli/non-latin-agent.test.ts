// An agent named beyond Latin-1 (Greek) proves its requests: the CLI sends X-IPC-Agent RFC 8187-encoded
// (UTF-8''%CE%B1...) and a real server decodes it; plain names still go as they are.
import * as assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { agentHeaderValue, requestProofHeaders } from "../../src/client/sign.js";
import { generateKeyPair, parsePrivateKey } from "../../src/crypto/keys.js";
import { runCli, startServerProcess, tempDb } from "../helpers/cli.js";

const ATHENA = "\u03b1\u03b8\u03b7\u03bd\u03ac"; // αθηνά

describe("a Greek-named agent through a real server", () => {
  const t = tempDb();
  const op = join(t.dir, "op.key");
  const key = join(t.dir, "athena.key");
  let server: Awaited<ReturnType<typeof startServerProcess>> | undefined;

  before(async () => {
    const seeded = await runCli(["seed", "op-main"], t.env);
    assert.equal(seeded.code, 0, seeded.stderr);
    writeFileSync(op, seeded.stdout, { mode: 0o600 });
    assert.equal((await runCli(["keygen", "--out", join(t.dir, "athena")], t.env)).code, 0);
    const r = await runCli(
      ["register", ATHENA, "--pubkey", join(t.dir, "athena.pub"), "--as", "op-main", "--key", op],
      t.env,
    );
    assert.equal(r.code, 0, r.stderr);
    server = await startServerProcess(t.env);
  });
  after(async () => {
    await server?.stop();
    t.cleanup();
  });

  it("sends to its inbox and reads it with --server, its proof carried in an encoded X-IPC-Agent", async () => {
    const url = server?.url ?? "";
    const sent = await runCli(["send", `@${ATHENA}`, ATHENA, "χαίρε", "--key", key, "--server", url], t.env);
    assert.equal(sent.code, 0, sent.stderr);
    const read = await runCli(["read", `@${ATHENA}`, ATHENA, "--key", key, "--server", url], t.env);
    assert.equal(read.code, 0, read.stderr);
    assert.match(read.stdout, /χαίρε/);
  });

  it("a proof whose encoded name is malformed is refused with 400, not 500", async () => {
    const pair = generateKeyPair();
    const h = requestProofHeaders(parsePrivateKey(pair.privateKey), ATHENA, "GET", "/channels", "");
    for (const bad of ["UTF-8''%CE", "UTF-8''%ZZ", "UTF-8''a b", "UTF-8''%C0%AF"]) {
      const res = await fetch(`${server?.url}/channels`, { headers: { ...h, "x-ipc-agent": bad } });
      assert.equal(res.status, 400, bad);
      const body = (await res.json()) as { error: string; code: string };
      assert.equal(body.code, "invalid_argument");
      assert.match(body.error, /X-IPC-Agent/);
    }
  });
});

describe("X-IPC-Agent encoding", () => {
  it("leaves printable ASCII names as they are and encodes the others as UTF-8''", () => {
    assert.equal(agentHeaderValue("herald"), "herald");
    assert.equal(agentHeaderValue("agent-a"), "agent-a");
    assert.equal(agentHeaderValue(ATHENA), "UTF-8''%CE%B1%CE%B8%CE%B7%CE%BD%CE%AC");
    assert.equal(agentHeaderValue("café"), "UTF-8''caf%C3%A9");
    assert.equal(agentHeaderValue("utf-8''x"), "UTF-8''utf-8%27%27x");
  });
});
