// `el-ipc send-batch` as a real process: NDJSON and JSON-array input from a file or stdin, one
// transaction, line numbers in errors, signing with --key, and the same through a server.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { cliJson, runCli, startServerProcess, tempDb } from "../helpers/cli.js";

interface Msg {
  id: number;
  channel: string;
  sender: string;
  content: string;
  signed?: boolean;
  sig_version?: number;
}

const line = (o: object): string => JSON.stringify(o);

describe("CLI send-batch (local database)", () => {
  const t = tempDb();
  after(() => t.cleanup());

  it("sends NDJSON from a file in one call and prints the ids in input order", async () => {
    const file = join(t.dir, "batch.ndjson");
    writeFileSync(
      file,
      [
        line({ channel: "bat", sender: "alice", content: "one" }),
        "",
        line({ channel: "bat2", sender: "bob", content: "two\nlines" }),
        line({ channel: "bat", sender: "alice", content: "three", key: "k-3" }),
        "",
      ].join("\n"),
    );
    const r = await cliJson<{ ok: boolean; ids: number[] }>(["send-batch", file], t.env);
    assert.equal(r.ok, true);
    assert.equal(r.ids.length, 3);
    assert.ok(r.ids.every((id, i) => i === 0 || id > (r.ids[i - 1] as number)));
    const got = await cliJson<Msg[]>(["read", "bat,bat2", "reader"], t.env);
    assert.deepEqual(
      got.map((m) => [m.id, m.channel, m.sender, m.content]),
      [
        [r.ids[0], "bat", "alice", "one"],
        [r.ids[1], "bat2", "bob", "two\nlines"],
        [r.ids[2], "bat", "alice", "three"],
      ],
    );
    // The idempotency key holds across batches: the repeat returns the first id and stores nothing.
    const again = await cliJson<{ ids: number[] }>(
      ["send-batch", "-"],
      t.env,
      `${line({ channel: "bat", sender: "alice", content: "three", key: "k-3" })}\n`,
    );
    assert.deepEqual(again.ids, [r.ids[2]]);
    assert.deepEqual(await cliJson(["read", "bat", "reader"], t.env), []);
  });

  it("shares idempotency keys with send --dedupe-key", async () => {
    const r = await cliJson<{ ids: number[] }>(
      ["send-batch"],
      t.env,
      `${line({ channel: "idem", sender: "alice", content: "once", key: "deploy-7" })}\n`,
    );
    const again = await cliJson<{ id: number; duplicate?: boolean }>(
      ["send", "idem", "alice", "once", "--dedupe-key", "deploy-7"],
      t.env,
    );
    assert.equal(again.id, r.ids[0]);
    assert.equal(again.duplicate, true);
    const other = await cliJson<{ id: number; duplicate?: boolean }>(
      ["send", "idem", "bob", "once", "--dedupe-key", "deploy-7"],
      t.env,
    );
    assert.notEqual(other.id, r.ids[0], "keys are per sender");
    assert.equal(other.duplicate, false);
    assert.equal((await cliJson<unknown[]>(["read", "idem", "reader"], t.env)).length, 2);
  });

  it("takes a JSON array on standard input", async () => {
    const input = JSON.stringify(
      [
        { channel: "arr", sender: "alice", content: "a" },
        { channel: "arr", sender: "alice", content: "b" },
      ],
      null,
      2,
    );
    const r = await cliJson<{ ids: number[] }>(["send-batch"], t.env, input);
    assert.equal(r.ids.length, 2);
    const got = await cliJson<Msg[]>(["read", "arr", "reader"], t.env);
    assert.deepEqual(
      got.map((m) => m.content),
      ["a", "b"],
    );
  });

  it("refuses malformed input with the line number, exit 2, and stores nothing", async () => {
    const good = line({ channel: "bad", sender: "alice", content: "fine" });
    const cases: [string, RegExp][] = [
      [`${good}\n${good}\n{"channel": "bad", "sender":\n`, /^el-ipc: line 3: malformed JSON/],
      [
        `${good}\n${line({ channel: "bad", sender: "alice" })}\n`,
        /^el-ipc: line 2: content must be a string/,
      ],
      [
        `${good}\n\n${line({ channel: "bad", sender: "a", content: "x", signature: "s" })}\n`,
        /^el-ipc: line 3: unknown field 'signature'/,
      ],
      [`${good}\n[1]\n`, /^el-ipc: line 2: expected a JSON object/],
      [
        `${good}\n${line({ channel: "bad chan", sender: "alice", content: "x" })}\n`,
        /^el-ipc: line 2: channel name .* whitespace/,
      ],
      ['[\n{"channel": "bad"},\n]\n', /malformed JSON array|item 1/],
      ["\n\n", /no messages/],
    ];
    for (const [input, expected] of cases) {
      const r = await runCli(["send-batch"], t.env, { input });
      assert.equal(r.code, 2, `${JSON.stringify(input)}: ${r.stderr}`);
      assert.match(r.stderr, expected);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.equal(r.stdout, "");
    }
    assert.deepEqual(await cliJson(["read", "bad", "reader"], t.env), []);
    const missing = await runCli(["send-batch", join(t.dir, "nope.ndjson")], t.env);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read .*nope\.ndjson: ENOENT/);
  });
});

describe("CLI send-batch (secure mode, local and through a server)", () => {
  const t = tempDb();
  const herald = join(t.dir, "herald");
  let server: Awaited<ReturnType<typeof startServerProcess>>;
  before(async () => {
    const op = join(t.dir, "op.key");
    const seeded = await runCli(["seed", "op"], t.env);
    writeFileSync(op, seeded.stdout, { mode: 0o600 });
    assert.equal((await runCli(["keygen", "--out", herald], t.env)).code, 0);
    const reg = await runCli(
      ["register", "herald", "--pubkey", `${herald}.pub`, "--as", "op", "--key", op],
      t.env,
    );
    assert.equal(reg.code, 0, reg.stderr);
    server = await startServerProcess(t.env);
  });
  after(async () => {
    await server.stop();
    t.cleanup();
  });

  const batch = (content: string) =>
    `${line({ channel: "sb", sender: "herald", content: `${content} 1` })}\n${line({ channel: "sb", sender: "herald", content: `${content} 2` })}\n`;

  it("signs every message with --key (v2), locally and remotely", async () => {
    const local = await cliJson<{ ids: number[] }>(
      ["send-batch", "--key", `${herald}.key`],
      t.env,
      batch("local"),
    );
    const remote = await cliJson<{ ids: number[] }>(
      ["--server", server.url, "send-batch", "--key", `${herald}.key`],
      t.env,
      batch("remote"),
    );
    assert.equal(local.ids.length + remote.ids.length, 4);
    const got = await cliJson<Msg[]>(["read", "sb", "herald", "--key", `${herald}.key`], t.env);
    assert.deepEqual(
      got.map((m) => [m.id, m.content, m.signed, m.sig_version]),
      [
        [local.ids[0], "local 1", true, 2],
        [local.ids[1], "local 2", true, 2],
        [remote.ids[0], "remote 1", true, 2],
        [remote.ids[1], "remote 2", true, 2],
      ],
    );
  });

  it("without a key nothing is stored and the error names the line", async () => {
    for (const args of [["send-batch"], ["--server", server.url, "send-batch"]]) {
      const r = await runCli(args, t.env, { input: batch("unsigned") });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^el-ipc: line 1: .*signature/);
    }
    assert.deepEqual(await cliJson(["read", "sb", "herald", "--key", `${herald}.key`], t.env), []);
  });
});
