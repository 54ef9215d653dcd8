// What an unregistered or abusive client can get from a secure server: listings need an identity, request
// rates and waiting reads are capped (429 with Retry-After) without letting an attacker use up a victim's
// budget, slow clients are cut off without blocking anybody, and every refusal reaches the log.
import * as assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { requestProofHeaders, signMessageV2 } from "../../src/client/sign.js";
import { injectServer } from "../helpers/http.js";
import { newKeys, type SecureServer, secureServer } from "./helpers.js";

const parked = async (s: SecureServer, n: number): Promise<void> => {
  while (s.queue.waiting() < n) await new Promise((r) => setImmediate(r));
};

describe("listings in secure mode", () => {
  let s: SecureServer;
  before(async () => {
    s = await secureServer({ agents: ["alice"] });
  });
  after(() => s.close());

  it("/channels and /agents need a request proof by a registered agent; /health and the card do not", async () => {
    await s.send("alice", "general", "hi");
    for (const path of ["/channels", "/agents"]) {
      const anonymous = await s.get(path);
      assert.equal(anonymous.statusCode, 401, anonymous.body);
      assert.match(anonymous.json().error, /registered identity/);
      const stranger = newKeys();
      const unknown = await s.app.inject({
        url: path,
        headers: requestProofHeaders(stranger.key, "mallory", "GET", path, ""),
      });
      assert.equal(unknown.statusCode, 401, unknown.body);
      assert.equal((await s.get(path, "alice")).statusCode, 200);
    }
    assert.equal((await s.get("/health")).statusCode, 200);
    assert.equal((await s.get("/.well-known/agent-card.json")).statusCode, 200);
  });

  it("/health tells an agent's pending count only to that agent, with its proof", async () => {
    await s.register("bob");
    await s.send("alice", "general", "for everyone");
    const target = "/health?channel=general&agent=alice";
    const anonymous = await s.get(target);
    assert.equal(anonymous.statusCode, 401, anonymous.body);
    assert.match(anonymous.json().error, /prove you are alice/);
    const asBob = await s.get(target, "bob");
    assert.equal(asBob.statusCode, 403, asBob.body);
    assert.doesNotMatch(asBob.body, /pending/);
    const own = await s.get(target, "alice");
    assert.equal(own.statusCode, 200, own.body);
    assert.ok(own.json().pending >= 1, own.body);
    // Without a channel and an agent the status stays public.
    assert.deepEqual((await s.get("/health")).json(), { status: "ok", pending: 0, secure_mode: true });
  });

  it("answers malformed operator requests 400, never 500", async () => {
    for (const path of ["/revoke", "/rotate", "/grant", "/deny"]) {
      assert.equal((await s.post(path, "{not json")).statusCode, 400, path);
      assert.equal((await s.post(path, [])).statusCode, 400, path);
      assert.equal((await s.post(path, { name: 1, agent: {}, operator: null })).statusCode, 400, path);
      const huge = await s.post(path, { name: "x".repeat(2 * 1024 * 1024) });
      assert.equal(huge.statusCode, 413, path);
    }
  });
});

describe("rate limits", () => {
  it("secure mode: an agent over its rate gets 429 with Retry-After; other agents do not", async () => {
    const s = await secureServer({ env: { IPC_RATE_LIMIT: "1,5" }, agents: ["alice", "bob"] });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 6; i++) codes.push((await s.send("alice", "general", `m${i}`)).statusCode);
      assert.deepEqual(codes, [200, 200, 200, 200, 200, 429]);
      const r = await s.send("alice", "general", "again");
      assert.equal(r.statusCode, 429);
      assert.equal(r.json().code, "rate_limited");
      assert.ok(Number(r.headers["retry-after"]) >= 1, String(r.headers["retry-after"]));
      assert.equal((await s.get("/messages?channel=general&agent=alice", "alice")).statusCode, 429);
      assert.equal((await s.send("bob", "general", "bob is fine")).statusCode, 200);
      const limited = (await s.securityChannel()).filter((e) => e.type === "rate_limited");
      assert.equal(limited.length, 1, "one event per episode, not one per refused request");
      assert.equal(limited[0]?.agent, "alice");
    } finally {
      await s.close();
    }
  });

  it("secure mode: forged requests in a victim's name use up the attacker's address (IPC_RATE_LIMIT_REFUSED), not the victim", async () => {
    const s = await secureServer({ env: { IPC_RATE_LIMIT_REFUSED: "1,5" }, agents: ["alice"] });
    try {
      const forger = newKeys();
      const m = { channel: "general", sender: "alice", content: "forged" };
      const codes: number[] = [];
      for (let i = 0; i < 7; i++) {
        const r = await s.app.inject({
          method: "POST",
          url: "/send",
          remoteAddress: "10.9.9.9",
          payload: { ...m, ...signMessageV2(forger.key, m) },
        });
        codes.push(r.statusCode);
      }
      assert.deepEqual(codes, [401, 401, 401, 401, 401, 429, 429]);
      for (let i = 0; i < 5; i++)
        assert.equal((await s.send("alice", "general", `real ${i}`)).statusCode, 200);
    } finally {
      await s.close();
    }
  });

  it("open mode: limits per address with IPC_RATE_LIMIT", async () => {
    const s = await injectServer({ IPC_RATE_LIMIT: "1,3" });
    try {
      const send = (remoteAddress: string) =>
        s.app.inject({
          method: "POST",
          url: "/send",
          remoteAddress,
          payload: { channel: "open", sender: "anyone", content: "x" },
        });
      const codes: number[] = [];
      for (let i = 0; i < 4; i++) codes.push((await send("10.0.0.1")).statusCode);
      assert.deepEqual(codes, [200, 200, 200, 429]);
      assert.equal((await send("10.0.0.2")).statusCode, 200);
    } finally {
      await s.close();
    }
  });

  it("caps the waiting reads of one agent (IPC_MAX_WAITS_PER_AGENT) with 429 and Retry-After", async () => {
    const s = await secureServer({ env: { IPC_MAX_WAITS_PER_AGENT: "2" }, agents: ["alice", "bob"] });
    try {
      const poll = (agent: string) =>
        s.get(`/messages?channel=waits&agent=${agent}&wait=true&timeout=30`, agent);
      const first = [poll("alice"), poll("alice")];
      await parked(s, 2);
      const third = await poll("alice");
      assert.equal(third.statusCode, 429, third.body);
      assert.equal(third.headers["retry-after"], "1");
      const bobs = poll("bob");
      await parked(s, 3);
      assert.equal((await s.send("bob", "waits", "wake up")).statusCode, 200);
      for (const r of await Promise.all([...first, bobs])) assert.equal(r.statusCode, 200, r.body);
      // The slots are free again.
      const again = [poll("alice"), poll("alice")];
      await parked(s, 2);
      assert.equal((await s.send("bob", "waits", "again")).statusCode, 200);
      for (const r of await Promise.all(again)) assert.equal(r.statusCode, 200);
    } finally {
      await s.close();
    }
  });
});

describe("slow connections", () => {
  let s: SecureServer;
  before(async () => {
    s = await secureServer({
      listen: true,
      agents: [],
      timeouts: { headersMs: 400, requestMs: 800, checkIntervalMs: 100 },
    });
  });
  after(() => s.close());

  /** Opens a raw connection and resolves with everything it received once the server closed it. */
  function slowClient(start: string, drip: string): { socket: Socket; closed: Promise<string> } {
    const url = new URL(s.url);
    const socket = connect(Number(url.port), url.hostname);
    let got = "";
    socket.on("data", (d) => {
      got += d;
    });
    socket.on("error", () => undefined);
    let i = 0;
    const timer = setInterval(() => {
      if (!socket.destroyed && i < drip.length) socket.write(drip[i++] as string);
    }, 50);
    socket.write(start);
    const closed = new Promise<string>((resolve) =>
      socket.on("close", () => {
        clearInterval(timer);
        resolve(got);
      }),
    );
    return { socket, closed };
  }

  it("cuts off a client that sends its headers byte by byte, and serves others meanwhile", async () => {
    const t0 = Date.now();
    const slow = [
      slowClient(
        "GET /health HTTP/1.1\r\nHost: x\r\n",
        "X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
      ),
      slowClient("", ""),
      slowClient(
        "POST /send HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{",
        '"channel": "slow", "sender": "s", "content": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      ),
    ];
    for (let i = 0; i < 5; i++) {
      const f0 = Date.now();
      const r = await fetch(`${s.url}/health`);
      assert.equal(r.status, 200);
      assert.ok(Date.now() - f0 < 250, `a normal request took ${Date.now() - f0} ms`);
    }
    const answers = await Promise.all(slow.map((c) => c.closed));
    const took = Date.now() - t0;
    assert.ok(took < 3000, `slow clients held on for ${took} ms`);
    assert.match(answers[0] ?? "", /^HTTP\/1\.1 408|^$/);
    assert.match(answers[2] ?? "", /^HTTP\/1\.1 408|^$/);
    assert.equal((await fetch(`${s.url}/health`)).status, 200);
  });
});

describe("the log", () => {
  it("records each refusal as a structured event, without secrets", async () => {
    const s = await secureServer({ agents: ["alice"] });
    try {
      const stranger = newKeys();
      const m = { channel: "general", sender: "alice", content: "forged" };
      await s.post("/send", { ...m, ...signMessageV2(stranger.key, m) });
      await s.get("/messages?channel=general&agent=alice");
      const security = s.logs.filter((l) => l.security !== undefined);
      const types = security.map((l) => (l.security as { type: string }).type);
      assert.ok(types.includes("bad_signature") && types.includes("unauthenticated"), types.join());
      const bad = security.find((l) => (l.security as { type: string }).type === "bad_signature");
      assert.equal(bad?.level, 40);
      assert.deepEqual(Object.keys(bad?.security as object).sort(), [
        "action",
        "agent",
        "at",
        "channel",
        "code",
        "message",
        "remote",
        "type",
      ]);
      assert.equal((bad?.security as { remote?: string } | undefined)?.remote, "127.0.0.1");
      assert.equal(s.events.length >= 2, true);
    } finally {
      await s.close();
    }
  });

  it("a flood of forgeries cannot flood the database: _security writes are capped, the log gets all", async () => {
    const s = await secureServer({ env: { IPC_SECURITY_EVENTS: "1" }, agents: ["alice"] });
    try {
      const forger = newKeys();
      for (let i = 0; i < 30; i++) {
        const m = { channel: "general", sender: "alice", content: `forged ${i}` };
        assert.equal((await s.post("/send", { ...m, ...signMessageV2(forger.key, m) })).statusCode, 401);
      }
      const written = await s.securityChannel();
      assert.ok(written.length <= 6, `${written.length} events written`);
      assert.ok(s.queue.droppedSecurityEvents() >= 24, `${s.queue.droppedSecurityEvents()} dropped`);
      assert.equal(s.events.filter((e) => e.type === "bad_signature").length, 30);
      assert.equal(
        s.logs.filter((l) => (l.security as { type?: string } | undefined)?.type === "bad_signature").length,
        30,
      );
    } finally {
      await s.close();
    }
  });
});
