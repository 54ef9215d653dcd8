// GET /openapi.json as an attacker sees it: behind the API key like every non-public route, and the same
// document on every server of a version, so it tells nothing about a deployment (agents, channels,
// webhooks, settings). Which routes skip the API key is decided by the operation table alone.
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { VERSION } from "../../src/core/version.js";
import { openApiDocument } from "../../src/protocol/openapi.js";
import { PUBLIC_PATHS } from "../../src/protocol/operations.js";
import { type InjectServer, injectServer } from "../helpers/http.js";

const API_KEY = "an-api-key-long-enough-for-the-tests";

describe("security: GET /openapi.json", () => {
  let s: InjectServer;
  before(async () => {
    s = await injectServer({ IPC_API_KEY: API_KEY });
    await s.queue.send({ channel: "secret-project", sender: "mallory-target", content: "x" });
  });
  after(() => s.close());

  it("needs the API key: missing or wrong is 401, and nothing of the document is sent", async () => {
    for (const headers of [{}, { authorization: "Bearer wrong-key" }]) {
      const res = await s.app.inject({ method: "GET", url: "/openapi.json", headers });
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().code, "unauthorized");
      assert.ok(!res.body.includes("openapi"), res.body);
    }
  });

  it("is the same document whatever the server holds: no channel, agent or setting leaks", async () => {
    const res = await s.app.inject({
      method: "GET",
      url: "/openapi.json",
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), JSON.parse(JSON.stringify(openApiDocument({ version: VERSION }))));
    for (const leak of ["secret-project", "mallory-target", API_KEY, s.dbPath]) {
      assert.ok(!res.body.includes(leak), `the document names ${leak}`);
    }
  });

  it("leaves only /health and the agent card without the API key, as the table says", async () => {
    assert.deepEqual([...PUBLIC_PATHS].sort(), ["/.well-known/agent-card.json", "/health"]);
    for (const url of PUBLIC_PATHS) {
      assert.equal((await s.app.inject({ method: "GET", url })).statusCode, 200, url);
    }
  });
});
