// Seek in secure mode over HTTP: an agent moves only its own watermark, with its request proof; a proven
// operator may move anyone's; nobody else can, with or without a proof; every seek lands in _security.
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { requestProofHeaders } from "../../src/client/sign.js";
import { type SecureServer, secureServer } from "./helpers.js";

describe("POST /seek in secure mode", () => {
  let s: SecureServer;
  const ids: number[] = [];
  const mark = async (agent: string) => (await s.db.getWatermarks(agent, ["plan"])).get("plan");

  before(async () => {
    s = await secureServer({ agents: ["builder", "mallory", "boss"] });
    for (const c of ["p1", "p2", "p3"]) ids.push((await s.send("boss", "plan", c)).json().id);
    assert.equal((await s.read("builder", "plan")).length, 3);
  });
  after(() => s.close());

  it("lets an agent move its own watermark back with its proof, and re-read", async () => {
    const r = await s.postAs("builder", "/seek", { channel: "plan", agent: "builder", to: ids[0] });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(r.json(), { ok: true, watermark: ids[0] });
    assert.deepEqual(
      (await s.read("builder", "plan")).map((m) => m.content),
      ["p2", "p3"],
    );
  });

  it("refuses a seek without a proof (401) and another agent's proof (403), leaving the watermark", async () => {
    const before = await mark("builder");
    const anon = await s.post("/seek", { channel: "plan", agent: "builder", to: "start" });
    assert.equal(anon.statusCode, 401, anon.body);
    const byMallory = await s.postAs("mallory", "/seek", { channel: "plan", agent: "builder", to: "start" });
    assert.equal(byMallory.statusCode, 403, byMallory.body);
    assert.equal(byMallory.json().code, "forbidden");
    assert.match(byMallory.json().error, /for operators only; 'mallory' is not an operator/);
    // A proof made by mallory but claiming to be builder does not verify.
    const text = JSON.stringify({ channel: "plan", agent: "builder", to: "start" });
    const forged = await s.post(
      "/seek",
      text,
      requestProofHeaders(s.keys.mallory?.key ?? s.op.key, "builder", "POST", "/seek", text),
    );
    assert.equal(forged.statusCode, 401, forged.body);
    assert.equal(await mark("builder"), before);
  });

  it("lets a proven operator move any agent's watermark, and only a registered agent's", async () => {
    const r = await s.postAs("op-main", "/seek", { channel: "plan", agent: "builder", to: "start" });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(await mark("builder"), 0);
    const ghost = await s.postAs("op-main", "/seek", { channel: "plan", agent: "ghost", to: "end" });
    assert.equal(ghost.statusCode, 403, ghost.body);
    assert.equal(ghost.json().code, "unknown_agent");
  });

  it("refuses an id beyond the channel's last message and a malformed target with 400", async () => {
    const beyond = await s.postAs("builder", "/seek", { channel: "plan", agent: "builder", to: 9999 });
    assert.equal(beyond.statusCode, 400, beyond.body);
    assert.equal(beyond.json().code, "invalid_argument");
    for (const to of [-1, "middle", null, 1.5]) {
      const r = await s.postAs("builder", "/seek", { channel: "plan", agent: "builder", to });
      assert.equal(r.statusCode, 400, `${to}: ${r.body}`);
    }
    assert.equal(await mark("builder"), 0);
  });

  it("records every seek in _security with who, whose and from → to", async () => {
    await s.postAs("builder", "/seek", { channel: "plan", agent: "builder", to: "end" });
    const seeks = (await s.securityChannel()).filter((e) => e.type === "admin" && e.action === "seek");
    assert.deepEqual(
      seeks.map((e) => [e.type, e.by, e.agent, e.operator, e.from, e.to]),
      [
        ["admin", "builder", "builder", undefined, ids[2], ids[0]],
        ["admin", "op-main", "builder", "op-main", ids[2], 0],
        ["admin", "builder", "builder", undefined, 0, ids[2]],
      ],
    );
    assert.match(seeks[1]?.message ?? "", /operator 'op-main' moved builder's watermark on 'plan'/);
    // The refused ones were recorded as refusals, not as seeks.
    assert.ok((await s.securityChannel()).some((e) => e.type === "forbidden" && e.action === "seek"));
  });
});
