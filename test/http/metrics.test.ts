// GET /metrics on a real server: what it counts (by channel kind, never by name), the route-pattern
// durations, refusals, waits and streams, and who may scrape it in secure mode (attack tests).
import * as assert from "node:assert/strict";
import type { KeyObject } from "node:crypto";
import { get, type IncomingMessage } from "node:http";
import { after, before, describe, it } from "node:test";
import { requestProofHeaders, signMessageV2, signRegistration } from "../../src/client/sign.js";
import { LOCAL } from "../../src/core/caller.js";
import { generateKeyPair, parsePrivateKey } from "../../src/crypto/keys.js";
import { channelKind } from "../../src/http/metrics.js";
import { startHttpServer } from "../../src/http/server.js";
import { type ListeningServer, listeningServer, tempDir, testConfig, until } from "../helpers/http.js";

/** The value of one sample line (`name{labels} value`), or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

describe("GET /metrics", () => {
  let s: ListeningServer;
  const scrape = async (): Promise<string> => {
    const res = await fetch(`${s.url}/metrics`);
    assert.equal(res.status, 200, await res.clone().text());
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    return res.text();
  };
  const send = (channel: string, content = "hello") =>
    fetch(`${s.url}/send`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ channel, sender: "amy", content }),
    });

  before(async () => {
    s = await listeningServer();
  });
  after(() => s.close());

  it("names channel kinds, never channels", () => {
    assert.equal(channelKind("@bob"), "inbox");
    assert.equal(channelKind("_security"), "security");
    assert.equal(channelKind("_a2a"), "system");
    assert.equal(channelKind("general"), "channel");
  });

  it("counts messages stored and delivered by kind, and no channel name reaches the text", async () => {
    assert.equal((await send("project-zebra-7431")).status, 200);
    assert.equal((await send("project-zebra-7431")).status, 200);
    assert.equal((await send("@bob")).status, 200);
    const read = await fetch(`${s.url}/messages?channel=project-zebra-7431&agent=bob`);
    assert.equal(((await read.json()) as unknown[]).length, 2);
    const text = await scrape();
    assert.equal(sample(text, 'elipc_messages_stored_total{kind="channel"}'), 2);
    assert.equal(sample(text, 'elipc_messages_stored_total{kind="inbox"}'), 1);
    assert.equal(sample(text, 'elipc_messages_delivered_total{kind="channel"}'), 2);
    assert.equal(sample(text, 'elipc_messages_delivered_total{kind="inbox"}'), 0);
    assert.ok(!text.includes("zebra"), "a channel name is in the metrics");
    assert.ok(!text.includes("@bob"), "an inbox name is in the metrics");
    assert.ok((sample(text, "elipc_group_commit_calls_count") ?? 0) >= 3);
    assert.ok((sample(text, 'elipc_database_bytes{file="main"}') ?? 0) > 0);
    assert.ok(sample(text, "process_cpu_user_seconds_total") !== undefined, "process metrics");
    assert.equal(sample(text, 'elipc_build_info{version="0.1.0"}'), 1);
    assert.equal(sample(text, "elipc_secure_mode"), 0);
  });

  it("times requests by route pattern, not by raw URL, and counts refusals by code", async () => {
    await fetch(`${s.url}/messages?channel=c-unique-991&agent=bob`);
    assert.equal((await send("", "no channel")).status, 400);
    assert.equal((await fetch(`${s.url}/no-such-path-31337`)).status, 404);
    const text = await scrape();
    assert.ok(
      (sample(
        text,
        'elipc_http_request_duration_seconds_count{route="/messages",method="GET",status="200"}',
      ) ?? 0) >= 1,
      text,
    );
    assert.ok(
      (sample(text, 'elipc_http_request_duration_seconds_count{route="/send",method="POST",status="400"}') ??
        0) >= 1,
    );
    assert.ok(!text.includes("c-unique-991") && !text.includes("31337"), "a raw URL is in the metrics");
    assert.ok(text.includes('route="(unmatched)"'));
    assert.ok((sample(text, 'elipc_http_refused_total{code="invalid_argument"}') ?? 0) >= 1);
    assert.ok((sample(text, 'elipc_http_refused_total{code="not_found"}') ?? 0) >= 1);
  });

  it("shows waiting readers and open streams, and times the wake-up of a parked reader", async () => {
    const waiting = fetch(`${s.url}/messages?channel=wake-here&agent=bob&wait=true&timeout=10`);
    // A socket of its own, destroyed at the end (an aborted fetch keeps its socket a minute longer).
    const stream = get(`${s.url}/stream?channel=streamed&agent=bob`, { agent: false });
    const opened = await new Promise<IncomingMessage>((resolve) => stream.once("response", resolve));
    assert.equal(opened.statusCode, 200);
    assert.ok(await until(() => s.queue.waiting() === 2));
    const during = await scrape();
    assert.equal(sample(during, "elipc_waiting_readers"), 2);
    assert.equal(sample(during, "elipc_open_streams"), 1);
    assert.equal((await send("wake-here")).status, 200);
    assert.equal(((await (await waiting).json()) as unknown[]).length, 1);
    stream.destroy();
    assert.ok(await until(() => s.queue.waiting() === 0));
    let text = await scrape();
    // The stream's end is seen once the server notices the socket closed.
    for (let i = 0; i < 100 && sample(text, "elipc_open_streams") !== 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      text = await scrape();
    }
    assert.equal(sample(text, "elipc_open_streams"), 0);
    assert.equal(sample(text, "elipc_waiting_readers"), 0);
    assert.equal(sample(text, "elipc_wakeup_seconds_count"), 1);
    assert.ok((sample(text, "elipc_wakeup_seconds_sum") ?? 1) < 1);
  });

  it("is described as text/plain in the OpenAPI document", async () => {
    const doc = (await (await fetch(`${s.url}/openapi.json`)).json()) as {
      paths: Record<string, { get?: { responses: Record<string, { content: object }> } }>;
    };
    assert.deepEqual(Object.keys(doc.paths["/metrics"]?.get?.responses["200"]?.content ?? {}), [
      "text/plain",
    ]);
  });
});

describe("GET /metrics: rate limits and --no-metrics", () => {
  it("counts requests refused by a rate budget", async () => {
    const s = await listeningServer({ IPC_RATE_LIMIT: "1,2" });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) codes.push((await fetch(`${s.url}/channels`)).status);
      assert.ok(codes.includes(429), codes.join(","));
      // The scrape itself is rate limited too: wait for the budget to refill.
      let res = await fetch(`${s.url}/metrics`);
      while (res.status === 429) {
        await new Promise((r) => setTimeout(r, 200));
        res = await fetch(`${s.url}/metrics`);
      }
      const text = await res.text();
      assert.ok((sample(text, 'elipc_http_rate_limited_total{budget="address"}') ?? 0) >= 1, text);
      assert.ok((sample(text, 'elipc_http_refused_total{code="rate_limited"}') ?? 0) >= 1);
    } finally {
      await s.close();
    }
  });

  it("answers 404 not_found on a server started without metrics", async () => {
    const t = tempDir();
    const s = await startHttpServer(testConfig(t.dbPath), { logLevel: "silent", metrics: false });
    try {
      const res = await fetch(`${s.url}/metrics`);
      assert.equal(res.status, 404);
      assert.equal(((await res.json()) as { code: string }).code, "not_found");
    } finally {
      await s.close();
      t.cleanup();
    }
  });
});

describe("security: GET /metrics in secure mode", () => {
  const API_KEY = "metrics-scraper-key-0123456789";
  let s: ListeningServer;
  let opKey: KeyObject;
  const agent = generateKeyPair();
  const agentKey = parsePrivateKey(agent.privateKey);
  const get = (headers: Record<string, string> = {}) => fetch(`${s.url}/metrics`, { headers });

  before(async () => {
    s = await listeningServer({ IPC_API_KEY: API_KEY });
    opKey = parsePrivateKey((await s.queue.seed(LOCAL, "op-main")).privateKey);
    const reg = await fetch(`${s.url}/register`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify(
        signRegistration(opKey, {
          operator: "op-main",
          name: "alice",
          identity: "id-a",
          publicKey: agent.publicKey,
        }),
      ),
    });
    assert.equal(reg.status, 200, await reg.text());
  });
  after(() => s.close());

  it("answers the API key alone (a scraper's bearer token)", async () => {
    const res = await get({ authorization: `Bearer ${API_KEY}` });
    assert.equal(res.status, 200);
    assert.equal(sample(await res.text(), "elipc_secure_mode"), 1);
  });

  it("answers an operator's request proof without the API key", async () => {
    const res = await get(requestProofHeaders(opKey, "op-main", "GET", "/metrics", ""));
    assert.equal(res.status, 200, await res.clone().text());
  });

  it("refuses no credentials with 401, a wrong key with 401, and an agent's proof with 403", async () => {
    const none = await get();
    assert.equal(none.status, 401);
    assert.equal(((await none.json()) as { code: string }).code, "unauthorized");
    assert.equal((await get({ authorization: "Bearer wrong-key" })).status, 401);
    const byAgent = await get(requestProofHeaders(agentKey, "alice", "GET", "/metrics", ""));
    assert.equal(byAgent.status, 403);
    assert.equal(((await byAgent.json()) as { code: string }).code, "forbidden");
  });

  it("refuses an operator proof for another target, and a replayed one", async () => {
    const other = requestProofHeaders(opKey, "op-main", "GET", "/health", "");
    assert.equal((await get(other)).status, 401);
    const once = requestProofHeaders(opKey, "op-main", "GET", "/metrics", "");
    assert.equal((await get(once)).status, 200);
    assert.equal((await get(once)).status, 409);
  });

  it("signs sends as usual meanwhile (the proof check is the route's, not a global change)", async () => {
    const m = { channel: "c", sender: "alice", content: "x" };
    const body = { ...m, ...signMessageV2(agentKey, m) };
    const res = await fetch(`${s.url}/send`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 200, await res.text());
    assert.equal((await fetch(`${s.url}/channels`)).status, 401, "the API key is still required elsewhere");
  });
});

describe("security: GET /metrics in open mode with an API key", () => {
  it("needs the key: a request proof does not stand for it while no operator exists", async () => {
    const s = await listeningServer({ IPC_API_KEY: "open-mode-key-0123456789" });
    try {
      const pair = generateKeyPair();
      const headers = requestProofHeaders(parsePrivateKey(pair.privateKey), "anyone", "GET", "/metrics", "");
      const res = await fetch(`${s.url}/metrics`, { headers });
      assert.equal(res.status, 401);
      assert.equal((await fetch(`${s.url}/metrics`)).status, 401);
      const ok = await fetch(`${s.url}/metrics`, {
        headers: { authorization: "Bearer open-mode-key-0123456789" },
      });
      assert.equal(ok.status, 200);
    } finally {
      await s.close();
    }
  });
});

describe("security: GET /metrics in secure mode without an API key", () => {
  it("needs an operator's request proof", async () => {
    const s = await listeningServer();
    try {
      const opKey = parsePrivateKey((await s.queue.seed(LOCAL, "op-main")).privateKey);
      const none = await fetch(`${s.url}/metrics`);
      assert.equal(none.status, 401);
      assert.match(((await none.json()) as { error: string }).error, /operator's request proof/);
      assert.equal(
        (await fetch(`${s.url}/metrics`, { headers: { authorization: "Bearer guess" } })).status,
        401,
      );
      const headers = requestProofHeaders(opKey, "op-main", "GET", "/metrics", "");
      assert.equal((await fetch(`${s.url}/metrics`, { headers })).status, 200);
    } finally {
      await s.close();
    }
  });
});
