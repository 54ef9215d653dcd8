// `send <channel> <from> -` reads standard input as HTTP reads a body: invalid UTF-8 is refused, and an
// empty input is refused as a mistake; an explicit "" argument still sends an empty message.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { type CliResult, cliJson, finished, runCli, spawnCli, tempDb } from "../helpers/cli.js";

/** Runs the CLI with raw bytes on standard input. */
function withBytes(args: string[], env: NodeJS.ProcessEnv, input: Buffer): Promise<CliResult> {
  const child = spawnCli(args, env);
  const done = finished(child);
  child.stdin?.end(input);
  return done;
}

describe("send from standard input", () => {
  const t = tempDb();
  after(() => t.cleanup());

  it("refuses invalid UTF-8 (exit 2) and stores nothing", async () => {
    for (const bytes of [
      Buffer.from([0x68, 0x69, 0xff]),
      Buffer.from([0xc3]),
      Buffer.from([0xed, 0xa0, 0x80]),
    ]) {
      const r = await withBytes(["send", "raw", "alice", "-"], t.env, bytes);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr, "el-ipc: standard input is not valid UTF-8; el-ipc messages are text\n");
    }
    const batch = await withBytes(
      ["send-batch"],
      t.env,
      Buffer.from('{"channel":"raw","sender":"a","content":"\xff"}\n', "latin1"),
    );
    assert.equal(batch.code, 2, batch.stderr);
    assert.match(batch.stderr, /not valid UTF-8/);
    assert.deepEqual(await cliJson(["read", "raw", "bob"], t.env), []);
  });

  it("refuses an empty input as a mistake, and sends an explicit empty argument", async () => {
    for (const input of ["", "\n"]) {
      const r = await runCli(["send", "empty", "alice", "-"], t.env, { input });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^el-ipc: standard input is empty: nothing to send/);
    }
    assert.deepEqual(await cliJson(["read", "empty", "bob"], t.env), []);
    const sent = await cliJson<{ id: number }>(["send", "empty", "alice", ""], t.env);
    const got = await cliJson<{ id: number; content: string }[]>(["read", "empty", "bob"], t.env);
    assert.deepEqual(
      got.map((m) => [m.id, m.content]),
      [[sent.id, ""]],
    );
    const text = await cliJson<{ id: number }>(["send", "empty", "alice", "-"], t.env, "ünïcødé ✓\n");
    assert.equal(
      (await cliJson<{ content: string }[]>(["read", "empty", "bob"], t.env))[0]?.content,
      "ünïcødé ✓",
    );
    assert.ok(text.id > sent.id);
  });
});
