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

  it("leaves only /health, the agent card and the dashboard (its own session) without the API key", async () => {
    const ui = [...PUBLIC_PATHS].filter((p) => p === "/ui" || p.startsWith("/ui/"));
    assert.deepEqual([...PUBLIC_PATHS].filter((p) => !ui.includes(p)).sort(), [
      "/.well-known/agent-card.json",
      "/health",
    ]);
    for (const url of ["/.well-known/agent-card.json", "/health"]) {
      assert.equal((await s.app.inject({ method: "GET", url })).statusCode, 200, url);
    }
    // The dashboard skips the API key for its session cookie: without one, only its static files and the
    // sign-in form answer; every view and action is 401.
    const statics = new Set(["/ui/app.js", "/ui/app.css", "/ui/sign-in"]);
    for (const url of ui) {
      const post = url === "/ui/api/send" || url === "/ui/sign-out";
      const r = await s.app.inject({
        method: post ? "POST" : "GET",
        url: `${url}?channel=secret-project`,
        ...(post ? { payload: { channel: "secret-project", sender: "mallory", content: "x" } } : {}),
      });
      if (statics.has(url)) assert.equal(r.statusCode, 200, url);
      else assert.ok(r.statusCode === 401 || r.statusCode === 403, `${url}: ${r.statusCode} ${r.body}`);
      assert.ok(!r.body.includes("mallory-target"), url);
    }
  });
});
