// `el-ipc seek` as a user meets it: recovering from an ack typo, re-reading history, skipping to the end;
// locally and through a real server; in secure mode with the agent's own key or an operator's (--as).
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { resolveConfig } from "../../src/config.js";
import { type RunningHttpServer, startHttpServer } from "../../src/http/server.js";
import { cliJson, runCli, tempDb } from "../helpers/cli.js";

interface Msg {
  id: number;
  content: string;
}

describe("el-ipc seek, open mode", () => {
  const t = tempDb();
  after(() => t.cleanup());

  it("re-reads from an id or the start, skips to the end, and refuses ids beyond the channel (exit 2)", async () => {
    const ids: number[] = [];
    for (const c of ["s1", "s2", "s3"])
      ids.push((await cliJson<{ id: number }>(["send", "plan", "boss", c], t.env)).id);
    assert.equal((await cliJson<Msg[]>(["read", "plan", "builder"], t.env)).length, 3);
    assert.deepEqual(await cliJson(["seek", "plan", "builder", String(ids[0])], t.env), {
      ok: true,
      channel: "plan",
      agent: "builder",
      watermark: ids[0],
    });
    assert.deepEqual(
      (await cliJson<Msg[]>(["read", "plan", "builder", "--peek"], t.env)).map((m) => m.content),
      ["s2", "s3"],
    );
    assert.equal(
      (await cliJson<{ watermark: number }>(["seek", "plan", "builder", "start"], t.env)).watermark,
      0,
    );
    assert.equal((await cliJson<Msg[]>(["read", "plan", "builder", "--peek"], t.env)).length, 3);
    assert.equal(
      (await cliJson<{ watermark: number }>(["seek", "plan", "builder", "end"], t.env)).watermark,
      ids[2],
    );
    const beyond = await runCli(["seek", "plan", "builder", "9999"], t.env);
    assert.equal(beyond.code, 2, beyond.stderr);
    assert.match(beyond.stderr, /^el-ipc: id 9999 is beyond the last message of channel 'plan'/);
    const word = await runCli(["seek", "plan", "builder", "middle"], t.env);
    assert.equal(word.code, 2, word.stderr);
    assert.match(word.stderr, /^el-ipc: .*a message id, start or end/);
    assert.doesNotMatch(beyond.stderr + word.stderr, /\n\s+at /);
  });
});

describe("el-ipc seek, secure mode, locally and through a server", () => {
  const t = tempDb();
  const op = join(t.dir, "op.key");
  const builder = join(t.dir, "builder.key");
  let server: RunningHttpServer;
  const remote = () => ({ ...t.env, IPC_URL: server.url, IPC_DB_PATH: "/nonexistent/ipc.db" });
  let last = 0;

  before(async () => {
    const seeded = await runCli(["seed", "op"], t.env);
    assert.equal(seeded.code, 0, seeded.stderr);
    writeFileSync(op, seeded.stdout, { mode: 0o600 });
    assert.equal((await runCli(["keygen", "--out", join(t.dir, "builder")], t.env)).code, 0);
    const reg = await runCli(
      ["register", "builder", "--pubkey", join(t.dir, "builder.pub"), "--as", "op", "--key", op],
      t.env,
    );
    assert.equal(reg.code, 0, reg.stderr);
    for (const c of ["k1", "k2"]) {
      last = (await cliJson<{ id: number }>(["send", "plan", "builder", c, "--key", builder], t.env)).id;
    }
    server = await startHttpServer(resolveConfig({ db: t.db, port: 0, host: "127.0.0.1" }, {}), {
      logLevel: "silent",
    });
  });
  after(async () => {
    await server.close();
    t.cleanup();
  });

  it("the agent seeks with its own key; without a key it is refused", async () => {
    const anon = await runCli(["seek", "plan", "builder", "end"], t.env);
    assert.equal(anon.code, 1, anon.stderr);
    assert.match(
      anon.stderr,
      /^el-ipc: secure mode is on: --key <file> with builder's private key is required/,
    );
    assert.equal(
      (await cliJson<{ watermark: number }>(["seek", "plan", "builder", "end", "--key", builder], t.env))
        .watermark,
      last,
    );
    const back = await cliJson<{ watermark: number }>(
      ["seek", "plan", "builder", "start", "--key", builder],
      remote(),
    );
    assert.equal(back.watermark, 0);
    const reread = await cliJson<Msg[]>(["read", "plan", "builder", "--key", builder], remote());
    assert.deepEqual(
      reread.map((m) => m.content),
      ["k1", "k2"],
    );
  });

  it("an operator moves another agent's watermark with --as, locally and remotely", async () => {
    const local = await cliJson<{ watermark: number }>(
      ["seek", "plan", "builder", "start", "--key", op, "--as", "op"],
      t.env,
    );
    assert.equal(local.watermark, 0);
    const far = await cliJson<{ watermark: number }>(
      ["seek", "plan", "builder", "end", "--key", op, "--as", "op"],
      remote(),
    );
    assert.equal(far.watermark, last);
    // The agent's key with --as naming the operator is not the operator's proof.
    const posing = await runCli(
      ["seek", "plan", "builder", "start", "--key", builder, "--as", "op"],
      remote(),
    );
    assert.equal(posing.code, 1, posing.stderr);
    assert.match(posing.stderr, /^el-ipc: proof not accepted/);
  });
});
