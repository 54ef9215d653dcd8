// `_security` cannot be drained: a flood of refused requests from one address spends that address's
// budget only, a real refusal from another address is still written, and the dropped ones are summarized.
import { strict as assert } from "node:assert";
import http from "node:http";
import { describe, it } from "node:test";
import { requestProofHeaders } from "../../src/client/sign.js";
import type { SecurityEvent } from "../../src/core/security-log.js";
import { secureServer } from "./helpers.js";

/** One request over a real socket whose local address is `agent`'s. */
function request(
  agent: http.Agent,
  url: string,
  method: string,
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      new URL(path, url),
      { method, agent, headers: { "content-type": "application/json", ...headers } },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("_security budget per source address", () => {
  it("350 refused requests from one address do not hide another address's access_denied, and are summarized", async () => {
    const s = await secureServer({ listen: true, agents: ["alice", "bob"] });
    const flooder = new http.Agent({ keepAlive: true, localAddress: "127.0.0.2" });
    const victim = new http.Agent({ keepAlive: true, localAddress: "127.0.0.3" });
    try {
      const body = JSON.stringify({ channel: "general", sender: "bob", content: "unsigned" });
      const started = Date.now();
      for (let i = 0; i < 350; i++) {
        const status = await request(flooder, s.url, "POST", "/send", body);
        assert.ok(status === 401 || status === 429, `flood request ${i}: ${status}`);
      }
      const alice = s.keys.alice;
      assert.ok(alice);
      const target = "/messages?channel=%40bob&agent=alice";
      const denied = await request(
        victim,
        s.url,
        "GET",
        target,
        "",
        requestProofHeaders(alice.key, "alice", "GET", target, ""),
      );
      assert.equal(denied, 403);
      // IPC_SECURITY_EVENTS 20 (the default): a burst of 100, then 20 a second.
      const allowed = 100 + Math.ceil(((Date.now() - started) / 1000) * 20) + 1;

      const written = await s.securityChannel();
      const real = written.find((e) => e.type === "access_denied" && e.agent === "alice");
      assert.ok(real, `alice's access_denied is in _security (${written.length} events written)`);
      assert.equal(real.remote, "127.0.0.3");
      const fromFlooder = written.filter((e) => e.remote === "127.0.0.2" && e.type !== "dropped");
      assert.ok(
        fromFlooder.length <= allowed,
        `${fromFlooder.length} flood events written (${allowed} allowed)`,
      );
      assert.ok(fromFlooder.length < 350, "some were dropped");

      let summary: SecurityEvent | undefined;
      for (let t = 0; t < 150 && !summary; t++) {
        summary = (await s.securityChannel()).find((e) => e.type === "dropped" && e.remote === "127.0.0.2");
        if (!summary) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(summary, "a summary of the dropped events is written");
      assert.equal(summary.dropped, 350 - fromFlooder.length);
      const kinds = summary.kinds ?? {};
      assert.equal(
        Object.values(kinds).reduce((a, b) => a + b, 0),
        summary.dropped,
      );
      assert.ok((kinds.unauthenticated ?? 0) > 0, JSON.stringify(kinds));
      assert.match(summary.message, /^dropped \d+ events from 127\.0\.0\.2 \(kinds: .*unauthenticated×\d+/);
    } finally {
      flooder.destroy();
      victim.destroy();
      await s.close();
    }
  });
});
