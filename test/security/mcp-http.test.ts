// Attacks on /mcp and its bearer tokens: unauthenticated requests, a token used as another agent,
// revoked, expired, forged or guessed tokens, tokens of a revoked agent, cross-site requests (Origin)
// and DNS rebinding (Host), tokens kept only as hashes, and token issuing by non-operators.
import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { after, before, describe, it } from "node:test";
import { requestProofHeaders } from "../../src/client/sign.js";
import { LOCAL } from "../../src/core/caller.js";
import { addExpiredToken, type SecureServer, secureServer } from "./helpers.js";

const LIST_TOOLS = { jsonrpc: "2.0", id: 1, method: "tools/list" };

/** POSTs one JSON-RPC message to /mcp with `headers`. */
function mcpPost(
  url: string,
  headers: Record<string, string>,
  body: unknown = LIST_TOOLS,
): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

/** The same POST through node:http, which sends the Host header it is given (fetch sets its own). */
function rawPost(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const body = JSON.stringify(LIST_TOOLS);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          "content-length": Buffer.byteLength(body),
          ...headers,
        },
      },
      (res) => {
        let text = "";
        res.on("data", (d) => {
          text += d;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe("attacks on /mcp in secure mode", () => {
  let s: SecureServer;
  let mcp: string;
  let aliceToken: string;
  before(async () => {
    s = await secureServer({
      listen: true,
      agents: ["alice", "bob", "mallory"],
      env: { IPC_MCP_ORIGINS: "https://app.example" },
    });
    mcp = `${s.url}/mcp`;
    aliceToken = (await s.queue.issueToken(LOCAL, { agent: "alice" })).token;
  });
  after(() => s.close());

  it("a request with no token and no proof is refused 401, with a Bearer challenge", async () => {
    const res = await mcpPost(mcp, {});
    assert.equal(res.status, 401);
    assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer /);
    const body = (await res.json()) as { error: string; code: string };
    assert.equal(body.code, "unauthorized");
    assert.match(body.error, /bearer token/);
    // Naming an agent in the URL proves nothing.
    assert.equal((await mcpPost(`${mcp}?agent=alice`, {})).status, 401);
  });

  it("the tool call works with alice's token, and the same token cannot act as bob", async () => {
    assert.equal((await mcpPost(mcp, bearer(aliceToken))).status, 200);
    const res = await mcpPost(`${mcp}?agent=bob`, bearer(aliceToken));
    assert.equal(res.status, 403);
    assert.deepEqual(await res.json(), { error: "authenticated as alice, not bob", code: "forbidden" });
  });

  it("a forged, guessed or truncated token is refused with one answer that reveals nothing", async () => {
    const [, id] = /^elipc_([0-9a-f]{16})\./.exec(aliceToken) ?? [];
    const forged = [
      `elipc_${id}.${"A".repeat(43)}`,
      `elipc_${"0".repeat(16)}.${"A".repeat(43)}`,
      aliceToken.slice(0, -1),
      `${aliceToken}x`,
    ];
    for (const token of forged) {
      const res = await mcpPost(mcp, bearer(token));
      assert.equal(res.status, 401, token);
      assert.deepEqual(await res.json(), { error: "invalid bearer token", code: "unauthorized" }, token);
    }
  });

  it("a revoked token is refused at once", async () => {
    const t = await s.queue.issueToken(LOCAL, { agent: "bob" });
    assert.equal((await mcpPost(mcp, bearer(t.token))).status, 200);
    await s.queue.revokeToken(LOCAL, t.id);
    const res = await mcpPost(mcp, bearer(t.token));
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), { error: `token ${t.id} was revoked`, code: "unauthorized" });
  });

  it("a revoke ends a wait in progress at once, not at its next check", { timeout: 30_000 }, async () => {
    const t = await s.queue.issueToken(LOCAL, { agent: "bob" });
    const caller = await s.queue.authenticateToken(t.token);
    const before = s.queue.waiting();
    // A wait far longer than the test's own limit: only the revoke can end it in time.
    const wait = s.queue.read(caller, {
      channels: ["@bob"],
      agent: "bob",
      peek: true,
      wait: true,
      timeoutMs: 600_000,
    });
    const ended = wait.then(
      () => "answered",
      (e: Error) => e.message,
    );
    while (s.queue.waiting() === before) await new Promise((r) => setTimeout(r, 5));
    await s.queue.revokeToken(LOCAL, t.id);
    assert.equal(await ended, `token ${t.id} was revoked`);
  });

  it("an expired token is refused", async () => {
    const id = "0123456789abcdef";
    const res = await mcpPost(mcp, bearer(await addExpiredToken(s.db, "bob", id)));
    assert.equal(res.status, 401);
    const body = (await res.json()) as { error: string };
    assert.match(body.error, new RegExp(`^token ${id} expired at `));
  });

  it("the token of an agent revoked since is refused", async () => {
    const t = await s.queue.issueToken(LOCAL, { agent: "mallory" });
    assert.equal((await s.post("/revoke", s.sign.revoke("mallory"))).statusCode, 200);
    const res = await mcpPost(mcp, bearer(t.token));
    assert.equal(res.status, 403);
    assert.deepEqual(await res.json(), { error: "agent 'mallory' has been revoked", code: "forbidden" });
  });

  it("a page on another site cannot call /mcp (Origin), nor a rebound DNS name (Host)", async () => {
    for (const origin of ["https://evil.example", "http://localhost.evil.example", "null"]) {
      const res = await mcpPost(mcp, { ...bearer(aliceToken), origin });
      assert.equal(res.status, 403, origin);
      assert.equal(((await res.json()) as { code: string }).code, "forbidden");
    }
    for (const origin of ["http://localhost:5173", "http://127.0.0.1:8080", "https://app.example"]) {
      assert.equal((await mcpPost(mcp, { ...bearer(aliceToken), origin })).status, 200, origin);
    }
    const rebound = await rawPost(mcp, { ...bearer(aliceToken), host: "evil.example:9876" });
    assert.equal(rebound.status, 403);
    assert.equal((JSON.parse(rebound.body) as { code: string }).code, "forbidden");
    assert.equal((await rawPost(mcp, { ...bearer(aliceToken), host: "localhost" })).status, 200);
  });

  it("only the hash of a token's secret is stored", async () => {
    const t = await s.queue.issueToken(LOCAL, { agent: "alice" });
    const secret = t.token.split(".")[1] as string;
    const row = await s.db.tokens?.getToken(t.id);
    assert.equal(row?.secretHash, createHash("sha256").update(secret).digest("hex"));
    assert.ok(!readFileSync(s.dbPath).includes(secret), "the secret is not in the database file");
  });

  it("only an operator issues, lists and revokes tokens", async () => {
    const body = JSON.stringify({ agent: "bob" });
    const post = (headers: Record<string, string>) =>
      fetch(`${s.url}/tokens`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body,
      });
    assert.equal((await post({})).status, 401);
    const asAlice = requestProofHeaders(s.keys.alice?.key as never, "alice", "POST", "/tokens", body);
    assert.equal((await post(asAlice)).status, 403);
    const asOp = requestProofHeaders(s.op.key, "op-main", "POST", "/tokens", body);
    const res = await post(asOp);
    assert.equal(res.status, 200);
    const issued = (await res.json()) as { token: string; agent: string };
    assert.equal(issued.agent, "bob");
    // A token is no request proof: it cannot issue tokens or list them.
    assert.equal((await post(bearer(issued.token))).status, 401);
    const list = await fetch(`${s.url}/tokens`, { headers: bearer(issued.token) });
    assert.equal(list.status, 401);
    // Nor does a token stand for an agent's key on other routes.
    const read = await fetch(`${s.url}/messages?channel=@bob&agent=bob`, { headers: bearer(issued.token) });
    assert.equal(read.status, 401);
  });
});

describe("tokens on a server with an API key", () => {
  let s: SecureServer;
  before(async () => {
    s = await secureServer({ listen: true, agents: ["alice"], env: { IPC_API_KEY: "shared-secret" } });
  });
  after(() => s?.close());

  it("a token stands for the API key on /mcp only; a made-up elipc_ value gets nothing", async () => {
    const t = await s.queue.issueToken(LOCAL, { agent: "alice" });
    assert.equal((await mcpPost(`${s.url}/mcp`, bearer(t.token))).status, 200);
    assert.equal(
      (await mcpPost(`${s.url}/mcp`, bearer(`elipc_${"1".repeat(16)}.${"C".repeat(43)}`))).status,
      401,
    );
    assert.equal((await fetch(`${s.url}/channels`, { headers: bearer(t.token) })).status, 401);
  });
});
