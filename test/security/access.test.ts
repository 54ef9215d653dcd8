// Channel access over HTTP: operator grant/deny rules on name patterns, IPC_DEFAULT_ACCESS=deny, direct
// inboxes, the operators-only _security channel, and rules changed by another process taking effect at once.
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { signAccessRule } from "../../src/client/sign.js";
import { createQueue } from "../../src/core/queue.js";
import type { ChannelInfo } from "../../src/core/types.js";
import { createSqliteStore } from "../../src/store/sqlite/index.js";
import { type SecureServer, secureServer } from "./helpers.js";

const status = async (p: Promise<{ statusCode: number }>): Promise<number> => (await p).statusCode;

describe("grant and deny (default allow)", () => {
  let s: SecureServer;
  before(async () => {
    s = await secureServer({ agents: ["alice", "bob", "carol"] });
  });
  after(() => s.close());

  it("lets everybody read and write other channels until a rule says otherwise", async () => {
    assert.equal(await status(s.send("alice", "team-a", "hello")), 200);
    assert.equal((await s.read("bob", "team-a")).length, 1);
  });

  it("a deny on a prefix stops reads and writes there, and an exact grant beats it", async () => {
    const deny = await s.post("/deny", s.sign.access("deny", "bob", "team-*", "read,write"));
    assert.equal(deny.statusCode, 200, deny.body);
    assert.equal(deny.json().message, "Operator 'op-main' denied bob read and write on 'team-*'");
    assert.equal(await status(s.send("alice", "team-b", "for the team")), 200);
    assert.equal(await status(s.send("bob", "team-b", "bob writes")), 403);
    const read = await s.get("/messages?channel=team-b&agent=bob", "bob");
    assert.equal(read.statusCode, 403, read.body);
    assert.match(read.json().error, /bob may not read team-b \(denied by an operator\)/);
    assert.equal(await status(s.get("/stream?channel=team-b&agent=bob", "bob")), 403);
    // Several channels in one read: one denied channel refuses the whole read.
    assert.equal(await status(s.get("/messages?channel=general,team-b&agent=bob", "bob")), 403);
    assert.equal((await s.db.getWatermarks("bob", ["team-b"])).get("team-b"), 0);
    // Ack of a denied channel is a read too.
    assert.equal(await status(s.postAs("bob", "/ack", { channel: "team-b", agent: "bob", id: 1 })), 403);

    assert.equal(await status(s.post("/grant", s.sign.access("grant", "bob", "team-b", "read"))), 200);
    assert.deepEqual(
      (await s.read("bob", "team-b")).map((m) => m.content),
      ["for the team"],
    );
    assert.equal(await status(s.send("bob", "team-b", "still no write")), 403);
    assert.equal(await status(s.get("/messages?channel=team-c&agent=bob", "bob")), 403);
    // Other agents are not affected.
    assert.equal(await status(s.send("carol", "team-c", "carol writes")), 200);
  });

  it("a longer prefix beats a shorter one, and the latest rule for a pattern replaces the earlier", async () => {
    await s.post("/deny", s.sign.access("deny", "carol", "proj-*", "write"));
    await s.post("/grant", s.sign.access("grant", "carol", "proj-x-*", "write"));
    assert.equal(await status(s.send("carol", "proj-y", "no")), 403);
    assert.equal(await status(s.send("carol", "proj-x-1", "yes")), 200);
    await s.post("/grant", s.sign.access("grant", "carol", "proj-*", "write"));
    assert.equal(await status(s.send("carol", "proj-y", "now yes")), 200);
    const rules = await s.db.listAccessRules("carol");
    assert.deepEqual(
      rules.map((r) => [r.pattern, r.permission, r.effect, r.setBy]),
      [
        ["proj-*", "write", "allow", "op-main"],
        ["proj-x-*", "write", "allow", "op-main"],
      ],
    );
  });

  it("an @inbox is read by its owner only, whatever the rules; others may write to it", async () => {
    assert.equal(await status(s.send("bob", "@alice", "psst")), 200);
    await s.post("/grant", s.sign.access("grant", "carol", "@*", "read"));
    await s.post("/grant", s.sign.access("grant", "carol", "@alice", "read"));
    for (const who of ["carol", "bob", "op-main"]) {
      const r = await s.get(`/messages?channel=@alice&agent=${who}`, who);
      assert.equal(r.statusCode, 403, `${who}: ${r.body}`);
      assert.match(r.json().error, /only alice reads it/);
      assert.equal(await status(s.postAs(who, "/ack", { channel: "@alice", agent: who, id: 1 })), 403);
    }
    assert.deepEqual(
      (await s.read("alice", "@alice")).map((m) => m.content),
      ["psst"],
    );
  });

  it("lists only the channels the caller may read", async () => {
    await s.send("alice", "@carol", "direct");
    const bobs = ((await s.get("/channels", "bob")).json() as ChannelInfo[]).map((c) => c.channel);
    assert.ok(bobs.includes("team-b") && bobs.includes("proj-y"), bobs.join());
    assert.ok(
      !bobs.includes("team-a") && !bobs.includes("@carol") && !bobs.includes("_security"),
      bobs.join(),
    );
    const carols = ((await s.get("/channels", "carol")).json() as ChannelInfo[]).map((c) => c.channel);
    assert.ok(carols.includes("@carol") && carols.includes("team-a"));
    const ops = ((await s.get("/channels", "op-main")).json() as ChannelInfo[]).map((c) => c.channel);
    assert.ok(ops.includes("_security") && ops.includes("team-a"));
    assert.ok(!ops.includes("@carol"), "an operator does not read others' inboxes either");
  });

  it("refuses rules not signed by an operator, on operators, or with a bad pattern", async () => {
    const alice = s.keys.alice?.key ?? s.op.key;
    const byAgent = signAccessRule(alice, {
      effect: "grant",
      operator: "alice",
      agent: "alice",
      pattern: "*",
      permissions: "read,write",
    });
    assert.equal(await status(s.post("/grant", byAgent)), 403);
    assert.equal(await status(s.post("/deny", s.sign.access("deny", "op-main", "*", "read"))), 400);
    assert.equal(await status(s.post("/grant", s.sign.access("grant", "bob", "a b*", "read"))), 400);
    assert.equal(await status(s.post("/grant", s.sign.access("grant", "ghost", "x", "read"))), 403);
    const body = s.sign.access("grant", "bob", "team-*", "read");
    assert.equal(await status(s.post("/grant", { ...body, permissions: "write" })), 401);
    assert.equal(await status(s.post("/grant", { ...body, permissions: "admin" })), 400);
    // A grant body is not a deny body.
    assert.equal(await status(s.post("/deny", body)), 401);
  });

  it("takes a rule written by another process into account at the next request", async () => {
    assert.equal(await status(s.send("alice", "elsewhere", "one")), 200);
    const other = createQueue({ store: createSqliteStore({ path: s.dbPath }) });
    try {
      await other.setAccessRule({
        effect: "deny",
        agent: "alice",
        pattern: "elsewhere",
        permissions: ["write"],
        operator: "op-main",
        ...(() => {
          const b = s.sign.access("deny", "alice", "elsewhere", "write");
          return { signedAt: b.signed_at, nonce: b.nonce, signature: b.signature };
        })(),
      });
    } finally {
      await other.close();
    }
    assert.equal(await status(s.send("alice", "elsewhere", "two")), 403);
  });
});

describe("IPC_DEFAULT_ACCESS=deny", () => {
  let s: SecureServer;
  before(async () => {
    s = await secureServer({ env: { IPC_DEFAULT_ACCESS: "deny" }, agents: ["alice", "bob"] });
  });
  after(() => s.close());

  it("refuses registered agents every channel nobody granted, but not their inboxes", async () => {
    const send = await s.send("alice", "general", "hi");
    assert.equal(send.statusCode, 403, send.body);
    assert.match(send.json().error, /IPC_DEFAULT_ACCESS=deny/);
    assert.equal(await status(s.get("/messages?channel=general&agent=alice", "alice")), 403);
    // Inboxes: any registered agent writes, only the owner reads.
    assert.equal(await status(s.send("alice", "@bob", "direct")), 200);
    assert.deepEqual(
      (await s.read("bob", "@bob")).map((m) => m.content),
      ["direct"],
    );
    assert.equal(await status(s.get("/messages?channel=@bob&agent=alice", "alice")), 403);
    // An explicit deny closes an inbox to one writer.
    await s.post("/deny", s.sign.access("deny", "alice", "@*", "write"));
    assert.equal(await status(s.send("alice", "@bob", "again")), 403);
    // Operators are not subject to the default.
    assert.equal(await status(s.send("op-main", "general", "from the operator")), 200);
  });

  it("opens exactly what an operator grants", async () => {
    await s.post("/grant", s.sign.access("grant", "alice", "general", "read"));
    assert.equal((await s.read("alice", "general")).length, 1);
    assert.equal(await status(s.send("alice", "general", "write?")), 403);
    await s.post("/grant", s.sign.access("grant", "alice", "gen*", "write"));
    assert.equal(await status(s.send("alice", "general", "write!")), 200);
    assert.equal(await status(s.send("alice", "generic", "also")), 200);
    assert.equal(await status(s.send("bob", "general", "bob?")), 403);
  });
});

describe("the _security channel", () => {
  let s: SecureServer;
  before(async () => {
    s = await secureServer({ agents: ["alice"] });
  });
  after(() => s.close());

  it("is readable by operators only and written by el-ipc only", async () => {
    // Something to see: an unauthenticated read attempt.
    assert.equal(await status(s.get("/messages?channel=general&agent=alice")), 401);
    const asAgent = await s.get("/messages?channel=_security&agent=alice", "alice");
    assert.equal(asAgent.statusCode, 403, asAgent.body);
    assert.match(asAgent.json().error, /operators only/);
    assert.equal(await status(s.get("/stream?channel=_security&agent=alice", "alice")), 403);
    await s.queue.flushSecurityEvents();
    const msgs = await s.read("op-main", "_security");
    assert.ok(msgs.length >= 2, JSON.stringify(msgs));
    assert.ok(msgs.every((m) => m.sender === "el-ipc"));
    const events = msgs.map((m) => JSON.parse(m.content));
    assert.ok(events.some((e) => e.type === "unauthenticated" && e.agent === "alice"));
    assert.ok(events.some((e) => e.type === "access_denied" && e.channel === "_security"));
    for (const who of ["alice", "op-main"]) {
      const forged = await s.send(who, "_security", JSON.stringify({ type: "admin", message: "all clear" }));
      assert.equal(forged.statusCode, 403, forged.body);
    }
    assert.equal(
      await status(s.post("/send", { channel: "_security", sender: "el-ipc", content: "x" })),
      401,
    );
  });
});
