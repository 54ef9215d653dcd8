// Whose budget a request spends: only a verified proof selects an agent's bucket; unverified claims
// (an X-IPC-Agent header without a valid proof, on any route) count against the client's address.
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { requestProofHeaders, signMessageV2 } from "../../src/client/sign.js";
import { newKeys, secureServer } from "./helpers.js";

describe("rate budgets follow verified proofs only", () => {
  it("an attacker naming herald in X-IPC-Agent (no or bogus proof) cannot make herald's signed read 429", async () => {
    const s = await secureServer({ env: { IPC_RATE_LIMIT: "1,5" }, agents: ["herald", "mallory"] });
    try {
      const attacker = "10.6.6.6";
      const forged = requestProofHeaders(newKeys().key, "herald", "GET", "/health", "");
      for (let i = 0; i < 10; i++) {
        await s.app.inject({ url: "/health", remoteAddress: attacker, headers: { "x-ipc-agent": "herald" } });
        await s.app.inject({ url: "/health", remoteAddress: attacker, headers: forged });
        await s.app.inject({
          url: "/.well-known/agent-card.json",
          remoteAddress: attacker,
          headers: { "x-ipc-agent": "herald" },
        });
        // mallory's own valid signed send, with herald in the header.
        const m = { channel: "general", sender: "mallory", content: `m${i}` };
        await s.app.inject({
          method: "POST",
          url: "/send",
          remoteAddress: attacker,
          headers: { "x-ipc-agent": "herald" },
          payload: { ...m, ...signMessageV2((s.keys.mallory ?? newKeys()).key, m) },
        });
      }
      const own = await s.get("/messages?channel=general&agent=herald", "herald");
      assert.equal(own.statusCode, 200, own.body);
      // The attacker's unproven requests were limited by its address.
      const more = await s.app.inject({ url: "/health", remoteAddress: attacker });
      assert.equal(more.statusCode, 429, more.body);
    } finally {
      await s.close();
    }
  });

  it("a client inventing a new X-IPC-Agent name per request is still limited by its address", async () => {
    const s = await secureServer({ env: { IPC_RATE_LIMIT: "1,5" }, agents: ["herald"] });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 7; i++) {
        const r = await s.app.inject({
          url: "/health",
          remoteAddress: "10.7.7.7",
          headers: { "x-ipc-agent": `invented-${i}` },
        });
        codes.push(r.statusCode);
      }
      assert.deepEqual(codes, [200, 200, 200, 200, 200, 429, 429]);
      // Another address, and herald's verified requests, are not affected.
      assert.equal((await s.app.inject({ url: "/health", remoteAddress: "10.7.7.8" })).statusCode, 200);
      assert.equal((await s.get("/messages?channel=general&agent=herald", "herald")).statusCode, 200);
    } finally {
      await s.close();
    }
  });

  it("a verified agent's requests spend its own budget, whatever address they come from", async () => {
    const s = await secureServer({ env: { IPC_RATE_LIMIT: "1,5" }, agents: ["herald"] });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 6; i++) {
        const r = await s.get("/messages?channel=general&agent=herald", "herald", {
          remoteAddress: `10.8.0.${i}`,
        });
        codes.push(r.statusCode);
      }
      assert.deepEqual(codes, [200, 200, 200, 200, 200, 429]);
    } finally {
      await s.close();
    }
  });
});
