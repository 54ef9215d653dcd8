// Attacks on idempotency keys: a key must not reveal a message to someone who merely re-posts a signed body,
// and a key reused for other content must be refused without naming any id.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { signMessageV2 } from "../../src/client/sign.js";
import { type SecureServer, secureServer } from "./helpers.js";

describe("idempotency keys reveal nothing", () => {
  let s: SecureServer;
  before(async () => {
    s = await secureServer();
  });
  after(() => s.close());

  const signedBody = (agent: string, channel: string, content: string, key?: string) => {
    const m = { channel, sender: agent, content };
    const k = s.keys[agent]?.key;
    assert.ok(k);
    return { ...m, ...signMessageV2(k, m), ...(key !== undefined ? { key } : {}) };
  };

  it("re-posting someone's public message with their key learns no id of a message the caller cannot read", async () => {
    // herald writes to alice's inbox (which bob cannot read) with key "plan-7", and to general without one.
    const secret = await s.post("/send", signedBody("herald", "@alice", "the plan", "plan-7"));
    assert.equal(secret.statusCode, 200, secret.body);
    const publicBody = signedBody("herald", "general", "hello all");
    assert.equal((await s.post("/send", publicBody)).statusCode, 200);

    // bob saw herald's public message and re-posts it with the key herald used for the inbox message.
    const probe = await s.post("/send", { ...publicBody, key: "plan-7" });
    assert.equal(probe.statusCode, 409, probe.body);
    const body = probe.json() as Record<string, unknown>;
    assert.equal(body.code, "replayed");
    assert.equal("id" in body, false, `no id in ${probe.body}`);
    assert.doesNotMatch(probe.body, new RegExp(`\\b${(secret.json() as { id: number }).id}\\b`));
  });

  it("a key reused with other content is 409 idempotency_conflict without an id", async () => {
    const first = await s.post("/send", signedBody("herald", "build", "step one", "k-reuse"));
    assert.equal(first.statusCode, 200, first.body);
    for (const [channel, content] of [
      ["build", "step two"],
      ["other", "step one"],
    ] as const) {
      const r = await s.post("/send", signedBody("herald", channel, content, "k-reuse"));
      assert.equal(r.statusCode, 409, r.body);
      const body = r.json() as Record<string, unknown>;
      assert.equal(body.code, "idempotency_conflict");
      assert.equal("id" in body, false);
    }
    assert.equal((await s.read("alice", "other")).length, 0);
  });

  it("a genuine repeat by the sender, and the identical signed body resent, return the first id", async () => {
    const body = signedBody("herald", "deploy", "ship it", "k-deploy");
    const first = (await s.post("/send", body)).json() as { id: number; duplicate: boolean };
    assert.equal(first.duplicate, false);
    const resent = (await s.post("/send", body)).json() as { id: number; duplicate: boolean };
    assert.deepEqual([resent.id, resent.duplicate], [first.id, true]);
    const fresh = (await s.post("/send", signedBody("herald", "deploy", "ship it", "k-deploy"))).json() as {
      id: number;
      duplicate: boolean;
    };
    assert.deepEqual([fresh.id, fresh.duplicate], [first.id, true]);
    assert.equal((await s.read("alice", "deploy")).length, 1);
  });
});
