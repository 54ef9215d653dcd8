// Attacks on the dashboard's sign-in and session in secure mode: a code used twice, a forged or missing
// cookie, a cross-origin POST (sign-in, send, sign-out), a missing CSRF token, a non-operator asking for a
// code, and a session that outlives its operator's revocation. Expiry runs on a manual clock.
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { requestProofHeaders, signMessageV2 } from "../../src/client/sign.js";
import { LOCAL } from "../../src/core/caller.js";
import { CODE_TTL_MS, SESSION_TTL_MS } from "../../src/core/dashboard-sessions.js";
import { createQueue } from "../../src/core/queue.js";
import { parsePrivateKey } from "../../src/crypto/keys.js";
import { createSqliteStore } from "../../src/store/sqlite/index.js";
import { createManualClock } from "../helpers/fixtures.js";
import { tempDir } from "../helpers/http.js";
import { type SecureServer, secureServer } from "./helpers.js";

const HOST = "127.0.0.1:9876";
const ORIGIN = `http://${HOST}`;

describe("dashboard sign-in in secure mode", () => {
  let s: SecureServer;
  before(async () => {
    s = await secureServer();
  });
  after(() => s.close());

  const newCode = async (agent = "op-main"): Promise<string> => {
    const key = agent === "op-main" ? s.op.key : (s.keys[agent]?.key ?? s.op.key);
    const r = await s.app.inject({
      method: "POST",
      url: "/ui/sessions",
      headers: requestProofHeaders(key, agent, "POST", "/ui/sessions", ""),
    });
    assert.equal(r.statusCode, 200, r.body);
    assert.match(r.json().path, /^\/ui\/sign-in\?code=[A-Za-z0-9_-]{22}$/);
    return r.json().code;
  };
  const signIn = (code: string, headers: Record<string, string> = { host: HOST, origin: ORIGIN }) =>
    s.app.inject({
      method: "POST",
      url: "/ui/sign-in",
      headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
      payload: `code=${encodeURIComponent(code)}`,
    });
  const cookieOf = (setCookie: unknown): string => String(setCookie).split(";")[0] as string;
  const session = async () => {
    const r = await signIn(await newCode());
    assert.equal(r.statusCode, 303, r.body);
    const cookie = cookieOf(r.headers["set-cookie"]);
    const csrf = (await s.app.inject({ url: "/ui/api/session", headers: { cookie } })).json().csrf as string;
    return { cookie, csrf };
  };

  it("shows the sign-in page, never the dashboard, without a session; the views answer 401", async () => {
    const page = await s.app.inject({ url: "/ui" });
    assert.equal(page.statusCode, 401);
    assert.match(page.body, /el-ipc dashboard --as/);
    assert.doesNotMatch(page.body, /app\.js/);
    for (const url of [
      "/ui/api/session",
      "/ui/api/overview",
      "/ui/api/messages?channel=_security",
      "/ui/api/live?channel=x",
    ]) {
      const r = await s.app.inject({ url });
      assert.equal(r.statusCode, 401, `${url}: ${r.body}`);
      assert.equal(r.json().code, "unauthorized");
    }
  });

  it("exchanges a code for an HttpOnly, SameSite=Strict cookie of one hour, once", async () => {
    const code = await newCode();
    const r = await signIn(code);
    assert.equal(r.statusCode, 303, r.body);
    assert.equal(r.headers.location, "/ui");
    const set = String(r.headers["set-cookie"]);
    assert.match(set, /^elipc_ui=[A-Za-z0-9_-]{43}; Path=\/ui; HttpOnly; SameSite=Strict; Max-Age=(\d+)/);
    assert.ok(Number(/Max-Age=(\d+)/.exec(set)?.[1]) <= SESSION_TTL_MS / 1000);
    const cookie = cookieOf(set);
    const who = await s.app.inject({ url: "/ui/api/session", headers: { cookie } });
    assert.equal(who.statusCode, 200, who.body);
    assert.equal(who.json().operator, "op-main");
    assert.equal(who.json().mode, "signed-in");
    assert.equal((await s.app.inject({ url: "/ui", headers: { cookie } })).statusCode, 200);
    // The code is used up: a second exchange (a replayed link) gets nothing.
    const again = await signIn(code);
    assert.equal(again.statusCode, 401);
    assert.equal(again.headers["set-cookie"], undefined);
    assert.match(again.body, /unknown, used or expired/);
  });

  it("refuses a forged, a malformed and a missing cookie", async () => {
    await session();
    for (const cookie of [`elipc_ui=${"A".repeat(43)}`, "elipc_ui=", "elipc_ui=../../etc", "other=1"]) {
      const r = await s.app.inject({ url: "/ui/api/overview", headers: { cookie } });
      assert.equal(r.statusCode, 401, `${cookie}: ${r.body}`);
    }
  });

  it("refuses a sign-in posted from another origin (login CSRF) without using the code", async () => {
    const code = await newCode();
    const attempts: Record<string, string>[] = [
      { host: HOST, origin: "http://evil.example" },
      { host: HOST },
    ];
    for (const headers of attempts) {
      const r = await signIn(code, headers);
      assert.equal(r.statusCode, 403, r.body);
      assert.equal(r.headers["set-cookie"], undefined);
    }
    assert.equal((await signIn(code)).statusCode, 303);
  });

  it("refuses a cross-origin send and sign-out, and one without the CSRF token", async () => {
    const { cookie, csrf } = await session();
    const m = { channel: "general", sender: "alice", content: "forged by a page elsewhere" };
    const body = { ...m, ...signMessageV2(s.keys.alice?.key ?? s.op.key, m) };
    for (const headers of [
      { cookie, host: HOST, origin: "http://evil.example", "x-csrf-token": csrf },
      { cookie, host: HOST, origin: ORIGIN },
      { cookie, host: HOST, origin: ORIGIN, "x-csrf-token": `${csrf}x` },
    ]) {
      const send = await s.app.inject({ method: "POST", url: "/ui/api/send", headers, payload: body });
      assert.equal(send.statusCode, 403, send.body);
      const out = await s.app.inject({ method: "POST", url: "/ui/sign-out", headers });
      assert.equal(out.statusCode, 403, out.body);
    }
    assert.equal((await s.app.inject({ url: "/ui/api/session", headers: { cookie } })).statusCode, 200);
    // The same request from the page itself goes through; the message's own signature is what the core checks.
    const ok = await s.app.inject({
      method: "POST",
      url: "/ui/api/send",
      headers: { cookie, host: HOST, origin: ORIGIN, "x-csrf-token": csrf },
      payload: body,
    });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().signed, true);
    const unsigned = await s.app.inject({
      method: "POST",
      url: "/ui/api/send",
      headers: { cookie, host: HOST, origin: ORIGIN, "x-csrf-token": csrf },
      payload: { ...m, content: "unsigned" },
    });
    assert.equal(unsigned.statusCode, 401, unsigned.body);
  });

  it("ends a session at sign-out: the cookie is refused from then on", async () => {
    const { cookie, csrf } = await session();
    const out = await s.app.inject({
      method: "POST",
      url: "/ui/sign-out",
      headers: { cookie, host: HOST, origin: ORIGIN, "x-csrf-token": csrf },
    });
    assert.equal(out.statusCode, 200, out.body);
    assert.match(String(out.headers["set-cookie"]), /Max-Age=0/);
    assert.equal((await s.app.inject({ url: "/ui/api/overview", headers: { cookie } })).statusCode, 401);
  });

  it("gives no code to an agent, to anonymous callers, or to a bad proof", async () => {
    const agent = await s.app.inject({
      method: "POST",
      url: "/ui/sessions",
      headers: requestProofHeaders(s.keys.alice?.key ?? s.op.key, "alice", "POST", "/ui/sessions", ""),
    });
    assert.equal(agent.statusCode, 403, agent.body);
    assert.equal((await s.app.inject({ method: "POST", url: "/ui/sessions" })).statusCode, 401);
    const forged = await s.app.inject({
      method: "POST",
      url: "/ui/sessions",
      headers: requestProofHeaders(s.keys.alice?.key ?? s.op.key, "op-main", "POST", "/ui/sessions", ""),
    });
    assert.equal(forged.statusCode, 401, forged.body);
  });

  it("shows the views and _security events to a signed-in operator", async () => {
    const { cookie } = await session();
    const o = (await s.app.inject({ url: "/ui/api/overview", headers: { cookie } })).json();
    assert.equal(o.secure_mode, true);
    assert.ok(
      o.agents.some((a: { name: string; role: string }) => a.name === "op-main" && a.role === "operator"),
    );
    await s.queue.flushSecurityEvents();
    const events = await s.app.inject({ url: "/ui/api/messages?channel=_security", headers: { cookie } });
    assert.equal(events.statusCode, 200, events.body);
    assert.ok(events.json().length > 0);
  });

  it("refuses a session once its operator is revoked", async () => {
    const key = parsePrivateKey((await s.queue.seed(LOCAL, "op-second")).privateKey);
    const r = await s.app.inject({
      method: "POST",
      url: "/ui/sessions",
      headers: requestProofHeaders(key, "op-second", "POST", "/ui/sessions", ""),
    });
    const signed = await signIn(r.json().code);
    const cookie = cookieOf(signed.headers["set-cookie"]);
    assert.equal((await s.app.inject({ url: "/ui/api/overview", headers: { cookie } })).statusCode, 200);
    const revoked = await s.post("/revoke", s.sign.revoke("op-second"));
    assert.equal(revoked.statusCode, 200, revoked.body);
    const after = await s.app.inject({ url: "/ui/api/overview", headers: { cookie } });
    assert.equal(after.statusCode, 403, after.body);
  });
});

describe("dashboard codes and sessions expire", () => {
  it("refuses a code after 60 s and a session after its hour", async () => {
    const t = tempDir();
    const clock = createManualClock(Date.now());
    const queue = createQueue({ store: createSqliteStore({ path: t.dbPath }), clock: clock.now });
    try {
      await queue.seed(LOCAL, "op");
      const op = { kind: "operator", agent: "op" } as const;
      const late = await queue.issueDashboardCode(op);
      clock.advance(CODE_TTL_MS);
      await assert.rejects(queue.exchangeDashboardCode(late.code), /unknown, used or expired/);
      const { token } = await queue.exchangeDashboardCode((await queue.issueDashboardCode(op)).code);
      clock.advance(SESSION_TTL_MS - 1);
      assert.equal(queue.dashboardSession(token).operator, "op");
      clock.advance(1);
      assert.throws(() => queue.dashboardSession(token), /sign in to the dashboard/);
    } finally {
      await queue.close();
      t.cleanup();
    }
  });
});
