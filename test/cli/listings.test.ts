// `el-ipc access` and `el-ipc key-events` end to end: real processes on a temp database, locally (where the
// database in hand shows everything) and against a real secure server (operators only).
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { AccessRuleInfo, KeyEventInfo } from "../../src/core/types.js";
import { parsePublicKey, rawPublicKey } from "../../src/crypto/keys.js";
import { cliJson, runCli, startServerProcess, tempDb } from "../helpers/cli.js";

const ISO = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ";

function noStack(stderr: string): void {
  assert.doesNotMatch(stderr, /\n\s+at /, `stack trace in: ${stderr}`);
}

/** The one-line form of a public key file: base64 of its 32 raw bytes. */
const short = (pubFile: string) =>
  rawPublicKey(parsePublicKey(readFileSync(pubFile, "utf8"))).toString("base64");

describe("CLI access and key-events, open mode", () => {
  const t = tempDb();
  after(() => t.cleanup());

  it("lists no rules; key-events of a name nobody registered is a one-line refusal", async () => {
    const text = await runCli(["access"], t.env);
    assert.equal(text.code, 0, text.stderr);
    assert.equal(text.stdout, "No access rules set\n");
    assert.deepEqual(await cliJson(["access", "--json"], t.env), []);
    const unknown = await runCli(["key-events", "alice"], t.env);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, "el-ipc: unknown agent 'alice': not registered\n");
  });

  it("bad input exits 2 with one line, never a stack trace", async () => {
    const cases: [string[], RegExp][] = [
      [["key-events", "a b"], /may not contain whitespace/],
      [["access", "x,y"], /may not contain/],
      [["key-events"], /missing required argument 'name'/],
      [["access", "a", "b"], /too many arguments/],
      [["access", "--key", "/nonexistent.key"], /--key and --as go together/],
    ];
    for (const [args, error] of cases) {
      const r = await runCli(args, t.env);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, error);
      assert.equal(r.stdout, "");
      noStack(r.stderr);
    }
  });
});

describe("CLI access and key-events, secure mode", () => {
  const t = tempDb();
  const op = join(t.dir, "op.key");
  const key = (name: string) => join(t.dir, `${name}.key`);
  const pub = (name: string) => join(t.dir, `${name}.pub`);
  let server: Awaited<ReturnType<typeof startServerProcess>> | undefined;
  const remote = () => ({ ...t.env, IPC_URL: server?.url ?? "" });
  const must = async (args: string[]) => {
    const r = await runCli(args, t.env);
    assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
  };

  before(async () => {
    const seeded = await runCli(["seed", "op-main"], t.env);
    assert.equal(seeded.code, 0, seeded.stderr);
    writeFileSync(op, seeded.stdout, { mode: 0o600 });
    for (const name of ["alice", "alice2", "bob", "carol"])
      await must(["keygen", "--out", join(t.dir, name)]);
    for (const name of ["alice", "bob", "carol"]) {
      await must(["register", name, "--pubkey", pub(name), "--as", "op-main", "--key", op]);
    }
    await must(["grant", "alice", "build*", "--read", "--as", "op-main", "--key", op]);
    await must(["deny", "bob", "secret", "--write", "--as", "op-main", "--key", op]);
    await must(["rotate", "alice", "--pubkey", pub("alice2"), "--as", "op-main", "--key", op]);
    await must(["revoke", "bob", "--as", "op-main", "--key", op]);
    server = await startServerProcess(t.env);
  });
  after(async () => {
    await server?.stop();
    t.cleanup();
  });

  it("access prints one line per rule, locally without a key", async () => {
    const r = await runCli(["access"], t.env);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split("\n");
    assert.equal(lines.pop(), "");
    assert.equal(lines.length, 2, r.stdout);
    assert.match(
      lines[0] ?? "",
      new RegExp(`^  allow read  alice  build\\*  \\(set by op-main at ${ISO}\\)$`),
    );
    assert.match(lines[1] ?? "", new RegExp(`^  deny  write bob    secret  \\(set by op-main at ${ISO}\\)$`));
    const json = await cliJson<AccessRuleInfo[]>(["access", "--json"], t.env);
    assert.deepEqual(
      json.map(({ set_at, ...rest }) => {
        assert.equal(typeof set_at, "number");
        return rest;
      }),
      [
        { agent: "alice", pattern: "build*", permission: "read", effect: "allow", set_by: "op-main" },
        { agent: "bob", pattern: "secret", permission: "write", effect: "deny", set_by: "op-main" },
      ],
    );
    assert.deepEqual(await cliJson(["access", "bob", "--json"], t.env), [json[1]]);
    assert.equal((await runCli(["access", "carol"], t.env)).stdout, "No access rules set for carol\n");
  });

  it("key-events prints one line per rotation and revocation, locally without a key", async () => {
    const alice = await runCli(["key-events", "alice"], t.env);
    assert.equal(alice.code, 0, alice.stderr);
    assert.match(
      alice.stdout,
      new RegExp(
        `^  rotate alice  by op-main at ${ISO}  \\(key ${short(pub("alice")).replace(/[+/]/g, "\\$&")} -> ${short(pub("alice2")).replace(/[+/]/g, "\\$&")}\\)\\n$`,
      ),
    );
    const bob = await runCli(["key-events", "bob"], t.env);
    assert.match(bob.stdout, new RegExp(`^  revoke bob  by op-main at ${ISO}  \\(key \\S+ revoked\\)\\n$`));
    const json = await cliJson<KeyEventInfo[]>(["key-events", "bob", "--json"], t.env);
    assert.deepEqual(json, [
      {
        name: "bob",
        event: "revoke",
        public_key: null,
        previous_key: readFileSync(pub("bob"), "utf8").trim(),
        by: "op-main",
        at: json[0]?.at,
      },
    ]);
    assert.equal(
      (await runCli(["key-events", "carol"], t.env)).stdout,
      "No key events for carol (its key never changed)\n",
    );
  });

  it("through a secure server: an operator's --key and --as list; nobody else does", async () => {
    const local = await cliJson<AccessRuleInfo[]>(["access", "--json"], t.env);
    const proven = await cliJson<AccessRuleInfo[]>(
      ["access", "--json", "--key", op, "--as", "op-main"],
      remote(),
    );
    assert.deepEqual(proven, local);
    const text = await runCli(["key-events", "alice", "--key", op, "--as", "op-main"], remote());
    assert.equal(text.code, 0, text.stderr);
    assert.equal(text.stdout, (await runCli(["key-events", "alice"], t.env)).stdout);

    const anonymous = await runCli(["access"], remote());
    assert.equal(anonymous.code, 1);
    assert.equal(
      anonymous.stderr,
      "el-ipc: secure mode is on: listing access rules needs an operator's request proof (el-ipc: --key <file> --as <operator>)\n",
    );
    const agent = await runCli(["key-events", "alice", "--key", key("carol"), "--as", "carol"], remote());
    assert.equal(agent.code, 1);
    assert.match(
      agent.stderr,
      /^el-ipc: listing key events is for operators only; 'carol' is not an operator\n$/,
    );
    const revoked = await runCli(["access", "--key", key("bob"), "--as", "bob"], remote());
    assert.equal(revoked.code, 1);
    assert.match(revoked.stderr, /revoked/);
    const bad = await runCli(["key-events", "a,b", "--key", op, "--as", "op-main"], remote());
    assert.equal(bad.code, 2);
    noStack(bad.stderr);
    for (const r of [anonymous, agent, revoked, bad]) assert.equal(r.stdout, "");
  });
});
