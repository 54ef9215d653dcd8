// Request ids and request log lines on a real server in secure mode: a full flow (operator-signed
// registration, signed sends, request proofs, a token issued and used over MCP, a stream, refusals) with
// request logging on, then the log is searched for every secret and every content the flow used.
import * as assert from "node:assert/strict";
import { get, type IncomingMessage } from "node:http";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { requestProofHeaders, signMessageV2, signRegistration } from "../../src/client/sign.js";
import { LOCAL } from "../../src/core/caller.js";
import { generateKeyPair, parsePrivateKey } from "../../src/crypto/keys.js";
import { createServerLogger } from "../../src/http/logger.js";
import { type RunningHttpServer, startHttpServer } from "../../src/http/server.js";
import { tempDir, testConfig, until } from "../helpers/http.js";
import { httpClient, ok } from "../helpers/mcp.js";

const API_KEY = "log-test-api-key-5f0c1e2d3b4a";

/** The base64 body of a PEM (its key material), without the armour lines. */
const pemBody = (pem: string): string =>
  pem
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("-----"))
    .join("");

describe("request log", () => {
  const lines: string[] = [];
  const out = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split("\n")) if (l) lines.push(l);
      done();
    },
  });
  const t = tempDir();
  let s: RunningHttpServer;
  let opPem: string;
  const alice = generateKeyPair();
  const aliceKey = parsePrivateKey(alice.privateKey);
  /** Everything that must never reach the log. */
  const secrets: string[] = [API_KEY, pemBody(alice.privateKey), pemBody(alice.publicKey)];
  const auth = { authorization: `Bearer ${API_KEY}` };

  const postJson = async (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${s.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...auth, ...headers },
      body: JSON.stringify(body),
    });
  const provenGet = (target: string, extra: Record<string, string> = {}) => {
    const proof = requestProofHeaders(aliceKey, "alice", "GET", target, "");
    secrets.push(proof["x-ipc-signature"] as string);
    return fetch(`${s.url}${target}`, { headers: { ...auth, ...proof, ...extra } });
  };
  const requestLines = () =>
    lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((o) => o.msg === "request");

  before(async () => {
    const logger = createServerLogger({ level: "info", readable: false, out });
    s = await startHttpServer(testConfig(t.dbPath, { IPC_API_KEY: API_KEY }), { logger, logRequests: true });
    opPem = (await s.queue.seed(LOCAL, "op-main")).privateKey;
    secrets.push(pemBody(opPem));
    const reg = signRegistration(parsePrivateKey(opPem), {
      operator: "op-main",
      name: "alice",
      identity: "id-alice",
      publicKey: alice.publicKey,
    });
    secrets.push(reg.signature);
    const r = await postJson("/register", reg);
    assert.equal(r.status, 200, await r.text());
  });
  after(async () => {
    await s.close();
    t.cleanup();
  });

  it("answers a sane incoming X-Request-ID and logs under it; replaces one that is not", async () => {
    const m = { channel: "plans", sender: "alice", content: "CONTENT-MARKER-signed-send-41" };
    const signed = signMessageV2(aliceKey, m);
    secrets.push(m.content, signed.signature);
    const res = await postJson("/send", { ...m, ...signed }, { "x-request-id": "trace-7f.a:1" });
    assert.equal(res.status, 200, await res.text());
    assert.equal(res.headers.get("x-request-id"), "trace-7f.a:1");
    const line = requestLines().find((l) => l.req_id === "trace-7f.a:1");
    assert.ok(line, lines.join("\n"));
    assert.equal(line.route, "/send");
    assert.equal(line.method, "POST");
    assert.equal(line.status, 200);
    assert.equal(line.agent, "alice");
    assert.equal(typeof line.ms, "number");

    const bad = "<script>x</script>\u001b[31m";
    const res2 = await fetch(`${s.url}/health`, { headers: { "x-request-id": encodeURIComponent(bad) } });
    const given = res2.headers.get("x-request-id") ?? "";
    assert.match(given, /^[0-9a-f]{8}-[0-9a-z]+$/);
    const res3 = await fetch(`${s.url}/health`, { headers: { "x-request-id": "a".repeat(129) } });
    assert.notEqual(res3.headers.get("x-request-id"), "a".repeat(129));
    assert.notEqual(res3.headers.get("x-request-id"), given, "ids are unique");
    assert.ok(!lines.some((l) => l.includes("script")));
  });

  it("logs a full secure flow with the proven agent, and no key, signature, token or content", async () => {
    const read = await provenGet("/messages?channel=plans&agent=alice");
    assert.equal(read.status, 200);
    assert.ok((await read.text()).includes("CONTENT-MARKER-signed-send-41"));
    // An operator issues a token over HTTP (request proof over the body), and alice uses it on /mcp.
    const body = JSON.stringify({ agent: "alice" });
    const proof = requestProofHeaders(parsePrivateKey(opPem), "op-main", "POST", "/tokens", body);
    secrets.push(proof["x-ipc-signature"] as string);
    const issued = await fetch(`${s.url}/tokens`, {
      method: "POST",
      headers: { "content-type": "application/json", ...auth, ...proof },
      body,
    });
    assert.equal(issued.status, 200);
    const { token } = (await issued.json()) as { token: string };
    secrets.push(token, token.slice(token.indexOf(".") + 1));
    const client = await httpClient(`${s.url}/mcp`, { authorization: `Bearer ${token}` });
    try {
      await ok(client, "send_message", { channel: "plans", content: "CONTENT-MARKER-mcp-send-42" });
    } finally {
      await client.close();
    }
    secrets.push("CONTENT-MARKER-mcp-send-42");
    // A stream that delivers a message, then ends.
    const target = "/stream?channel=plans&agent=alice&last_event_id=0";
    const sp = requestProofHeaders(aliceKey, "alice", "GET", target, "");
    secrets.push(sp["x-ipc-signature"] as string);
    const stream = get(`${s.url}${target}`, { agent: false, headers: { ...auth, ...sp } });
    const res = await new Promise<IncomingMessage>((resolve) => stream.once("response", resolve));
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers["x-request-id"]), /^[0-9a-f]{8}-[0-9a-z]+$/);
    const first = await new Promise<string>((resolve) => res.once("data", (c: Buffer) => resolve(String(c))));
    assert.ok(first.includes("CONTENT-MARKER"));
    stream.destroy();
    // Refusals: a forged send, a wrong API key, a replayed proof.
    const forged = { channel: "plans", sender: "alice", content: "CONTENT-MARKER-forged-43" };
    const forgedSig = signMessageV2(parsePrivateKey(generateKeyPair().privateKey), forged);
    secrets.push(forged.content, forgedSig.signature);
    assert.equal((await postJson("/send", { ...forged, ...forgedSig })).status, 401);
    assert.equal(
      (await fetch(`${s.url}/channels`, { headers: { authorization: "Bearer not-the-key-9z9z" } })).status,
      401,
    );
    secrets.push("not-the-key-9z9z");
    const once = requestProofHeaders(aliceKey, "alice", "GET", "/channels", "");
    secrets.push(once["x-ipc-signature"] as string);
    assert.equal((await fetch(`${s.url}/channels`, { headers: { ...auth, ...once } })).status, 200);
    assert.equal((await fetch(`${s.url}/channels`, { headers: { ...auth, ...once } })).status, 409);
    await s.queue.flushSecurityEvents();

    const log = lines.join("\n");
    for (const secret of secrets) {
      assert.ok(secret.length >= 16, `a secret worth looking for: ${secret}`);
      assert.ok(!log.includes(secret), `the log holds ${secret.slice(0, 24)}...`);
    }
    assert.ok(!/PRIVATE KEY|elipc_[0-9a-f]/.test(log), "key or token material in the log");

    const reqs = requestLines();
    for (const l of reqs) {
      for (const field of ["req_id", "method", "route", "status", "ms"])
        assert.ok(field in l, `${field}: ${JSON.stringify(l)}`);
      assert.ok(!("url" in l) && !("headers" in l), JSON.stringify(l));
    }
    const by = (route: string, status: number) =>
      reqs.filter((l) => l.route === route && l.status === status);
    assert.equal(by("/register", 200)[0]?.agent, "op-main");
    assert.equal(by("/messages", 200)[0]?.agent, "alice");
    assert.equal(by("/tokens", 200)[0]?.agent, "op-main");
    assert.ok(by("/mcp", 200).some((l) => l.agent === "alice"));
    assert.equal(by("/send", 401)[0]?.agent, undefined, "a forged send proves nobody");
    assert.equal(by("/channels", 409).length, 1);
    assert.ok(
      await until(() => requestLines().some((l) => l.route === "/stream" && l.agent === "alice")),
      "an event stream is logged once it ends",
    );
    // Security events raised while a request is handled name its id.
    const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((o) => "security" in o);
    const forgedLine = by("/send", 401)[0];
    const badSig = events.find((e) => (e.security as { type?: string }).type === "bad_signature");
    assert.ok(forgedLine && badSig, lines.join("\n"));
    assert.equal(badSig.req_id, forgedLine.req_id);
    const replay = events.find((e) => (e.security as { type?: string }).type === "replay");
    assert.equal(replay?.req_id, by("/channels", 409)[0]?.req_id);
    const registered = events.find((e) => (e.security as { action?: string }).action === "register");
    assert.equal(registered?.req_id, by("/register", 200)[0]?.req_id);
  });
});
