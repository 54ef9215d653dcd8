// Rotation ends what the old key opened: a long-poll or SSE stream proven with an agent's old key stops
// (403 / `event: error`) once the key is rotated, exactly as for revocation, and delivers nothing more.
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { requestProofHeaders } from "../../src/client/sign.js";
import { openSse } from "../helpers/sse.js";
import { type Keys, newKeys, type SecureServer, secureServer } from "./helpers.js";

describe("rotation ends the waits the old key opened", () => {
  let s: SecureServer;
  before(async () => {
    s = await secureServer({ agents: ["alice", "poller", "streamer"], listen: true });
  });
  after(() => s.close());

  const keyOf = (name: string): Keys => {
    const k = s.keys[name];
    if (!k) throw new Error(`no key for ${name}`);
    return k;
  };

  it("answers 403 to a long-poll proven with the old key, without the message sent after the rotation", async () => {
    const old = keyOf("poller").key;
    const target = "/messages?channel=rot-wait&agent=poller&wait=true&timeout=10";
    const poll = s.app.inject({
      url: target,
      headers: requestProofHeaders(old, "poller", "GET", target, ""),
    });
    while (s.queue.waiting() === 0) await new Promise((r) => setImmediate(r));
    assert.equal((await s.post("/rotate", s.sign.rotate("poller", newKeys().pem))).statusCode, 200);
    assert.equal((await s.send("alice", "rot-wait", "not for the old key")).statusCode, 200);
    const r = await poll;
    assert.equal(r.statusCode, 403, r.body);
    assert.equal(r.json().code, "forbidden");
    assert.match(r.json().error, /rotated/);
    assert.equal((await s.db.getWatermarks("poller", ["rot-wait"])).get("rot-wait"), 0);
    assert.ok(s.events.some((e) => e.type === "rotated_key" && e.agent === "poller"));
  });

  it("ends an SSE stream proven with the old key with an error event instead of the next message", async () => {
    const old = keyOf("streamer").key;
    const target = "/stream?channel=rot-stream&agent=streamer";
    const c = await openSse(s.url + target, requestProofHeaders(old, "streamer", "GET", target, ""));
    assert.equal(c.status, 200, c.body);
    assert.equal((await s.send("alice", "rot-stream", "before")).statusCode, 200);
    assert.equal(JSON.parse((await c.next()).data).content, "before");
    assert.equal((await s.post("/rotate", s.sign.rotate("streamer", newKeys().pem))).statusCode, 200);
    assert.equal((await s.send("alice", "rot-stream", "after")).statusCode, 200);
    const ev = await c.next();
    assert.equal(ev.event, "error", ev.data);
    assert.equal(JSON.parse(ev.data).code, "forbidden");
    await c.ended;
  });
});
