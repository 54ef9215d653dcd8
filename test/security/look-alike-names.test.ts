// Look-alike names: invisible, bidi-control, non-NFC and @-look-alike names are refused, and an agent or
// operator name whose UTS #39 skeleton matches an existing one cannot be registered (HTTP and CLI).
import * as assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { signRegistration } from "../../src/client/sign.js";
import { checkName } from "../../src/core/limits.js";
import { runCli, tempDb } from "../helpers/cli.js";
import { newKeys, type SecureServer, secureServer } from "./helpers.js";

const LOOK_ALIKES: [string, RegExp][] = [
  ["herald\u200b", /invisible, format or bidi-control/],
  ["\u202Eherald", /invisible, format or bidi-control/],
  ["herald\u2800", /invisible, format or bidi-control/],
  ["her\u00ADald", /invisible, format or bidi-control/],
  ["herald\u{E0041}", /invisible, format or bidi-control/],
  ["h\u0435rald", /looks like the existing name "herald"/],
  ["\u{FF20}herald", /look-alike of "@"/],
  ["\u{FE6B}herald", /look-alike of "@"/],
  ["he\u0301rald", /not in Unicode normal form C/],
];

// Every invisible, bidi-control or blank-looking code point the rule names, as [first, last] ranges.
const INVISIBLE: [number, number][] = [
  [0xad, 0xad],
  [0x34f, 0x34f],
  [0x61c, 0x61c],
  [0x115f, 0x1160],
  [0x17b4, 0x17b5],
  [0x180b, 0x180f],
  [0x200b, 0x200f],
  [0x202a, 0x202e],
  [0x2060, 0x206f],
  [0x2800, 0x2800],
  [0x3164, 0x3164],
  [0xfe00, 0xfe0f],
  [0xfeff, 0xfeff],
  [0xffa0, 0xffa0],
  [0xfff0, 0xfff8],
  [0x1d173, 0x1d17a],
  [0xe0000, 0xe0fff],
];

describe("the name rule", () => {
  it("refuses every invisible, bidi-control or blank-looking code point, alone or inside a name", () => {
    for (const [first, last] of INVISIBLE) {
      for (let c = first; c <= last; c++) {
        const ch = String.fromCodePoint(c);
        for (const name of [`herald${ch}`, `${ch}herald`, `her${ch}ald`, ch]) {
          assert.throws(() => checkName("agent", name), /may not contain/, c.toString(16));
        }
      }
    }
  });

  it("accepts the names of the reference's data and ordinary non-Latin names", () => {
    for (const name of [
      "general",
      "agent-a",
      "ops",
      "ünïcødé-chan",
      "other",
      "herald",
      "op-main",
      "@herald",
    ]) {
      assert.equal(checkName("channel", name), name);
    }
    for (const name of ["\u03b1\u03b8\u03b7\u03bd\u03ac", "\u6f22\u5b57", "caf\u00e9"]) {
      assert.equal(checkName("agent", name), name);
    }
  });
});

describe("look-alike names over HTTP", () => {
  let s: SecureServer;
  before(async () => {
    s = await secureServer();
  });
  after(() => s.close());

  for (const [name, why] of LOOK_ALIKES) {
    it(`registering ${JSON.stringify(name)} beside herald is refused with 400 and stores nothing`, async () => {
      const k = newKeys();
      const r = await s.post(
        "/register",
        signRegistration(s.op.key, { operator: "op-main", name, identity: "", publicKey: k.pem }),
      );
      assert.equal(r.statusCode, 400, r.body);
      assert.equal(r.json().code, "invalid_argument");
      assert.match(r.json().error, why);
      assert.equal(await s.db.getAgent(name), undefined);
    });
  }

  it("a channel named with a fullwidth or small @ is refused, not a public channel", async () => {
    for (const channel of ["\u{FF20}herald", "\u{FE6B}herald", "@\u{FF20}herald"]) {
      const r = await s.send("alice", channel, "for herald?");
      assert.equal(r.statusCode, 400, r.body);
      assert.match(r.json().error, /look-alike of "@"/);
    }
  });

  it("ünïcødé-chan (NFC, visible) stays an ordinary channel", async () => {
    assert.equal((await s.send("alice", "ünïcødé-chan", "still fine")).statusCode, 200);
    const got = await s.read("bob", "ünïcødé-chan");
    assert.deepEqual(
      got.map((m) => m.content),
      ["still fine"],
    );
  });

  it("a name that only shares letters with another (heralds) is fine", async () => {
    await s.register("heralds");
  });
});

describe("look-alike names through the CLI", () => {
  const t = tempDb();
  before(async () => {
    const seeded = await runCli(["seed", "op-main"], t.env);
    assert.equal(seeded.code, 0, seeded.stderr);
    assert.equal((await runCli(["keygen", "--out", join(t.dir, "x")], t.env)).code, 0);
  });
  after(() => t.cleanup());

  it("seeding an operator that looks like an existing one exits 2 with a clear message", async () => {
    const r = await runCli(["seed", "op-rnain"], t.env);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^el-ipc: operator name "op-rnain" looks like the existing name "op-main"/);
  });

  it("registering h\u0435rald (Cyrillic е) beside herald exits 2", async () => {
    const op = join(t.dir, "op.key");
    const seeded = await runCli(["seed", "op2"], t.env);
    assert.equal(seeded.code, 0, seeded.stderr);
    writeFileSync(op, seeded.stdout, { mode: 0o600 });
    const pub = join(t.dir, "x.pub");
    const ok = await runCli(["register", "herald", "--pubkey", pub, "--as", "op2", "--key", op], t.env);
    assert.equal(ok.code, 0, ok.stderr);
    const r = await runCli(["register", "h\u0435rald", "--pubkey", pub, "--as", "op2", "--key", op], t.env);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^el-ipc: agent name "h\\u\{435\}rald" looks like the existing name "herald"/);
  });
});
