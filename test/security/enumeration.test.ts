// No anonymous enumeration: before a proof verifies, an existing agent, an unknown name, a revoked agent
// and an operator get the same answer (401 unauthorized, one message); the precise reason is only logged.
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { LightMyRequestResponse } from "fastify";
import {
  requestProofHeaders,
  signAccessRule,
  signMessageV2,
  signRegistration,
  signRevocation,
  signRotation,
} from "../../src/client/sign.js";
import { newKeys, type SecureServer, secureServer } from "./helpers.js";

/** The four kinds of name an attacker would like to tell apart. */
const NAMES = { existing: "alice", unknown: "nobody", revoked: "carol", operator: "op-main" } as const;

function answer(r: LightMyRequestResponse): string {
  return JSON.stringify({ status: r.statusCode, body: r.json() });
}

/** Asserts the four answers are identical and a 401 unauthorized. */
function sameAnswers(what: string, answers: Record<string, LightMyRequestResponse>): void {
  const all = Object.entries(answers).map(([kind, r]) => [kind, answer(r)] as const);
  for (const [kind, a] of all) {
    assert.equal(a, all[0]?.[1], `${what}: ${kind} answered ${a}, ${all[0]?.[0]} ${all[0]?.[1]}`);
  }
  const first = Object.values(answers)[0] as LightMyRequestResponse;
  assert.equal(first.statusCode, 401, `${what}: ${first.body}`);
  assert.equal(first.json().code, "unauthorized", `${what}: ${first.body}`);
}

describe("no anonymous enumeration of names", () => {
  let s: SecureServer;
  before(async () => {
    s = await secureServer({ agents: ["alice", "carol", "bob"] });
    const r = await s.post("/revoke", s.sign.revoke("carol"));
    assert.equal(r.statusCode, 200, r.body);
  });
  after(() => s.close());

  async function each(
    f: (name: string) => Promise<LightMyRequestResponse>,
  ): Promise<Record<string, LightMyRequestResponse>> {
    const out: Record<string, LightMyRequestResponse> = {};
    for (const [kind, name] of Object.entries(NAMES)) out[kind] = await f(name);
    return out;
  }

  it("bogus request proofs get one answer on every proof route", async () => {
    const mallory = newKeys().key;
    for (const target of [
      "/messages?channel=general&agent=NAME",
      "/stream?channel=general&agent=NAME",
      "/channels",
      "/agents",
      "/access",
      "/key-events?name=bob",
      "/health?channel=general&agent=NAME",
    ]) {
      const answers = await each((name) => {
        const url = target.replace("NAME", name);
        return s.app.inject({ url, headers: requestProofHeaders(mallory, name, "GET", url, "") });
      });
      sameAnswers(`GET ${target}`, answers);
    }
    const ack = await each((name) => {
      const text = JSON.stringify({ channel: "general", agent: name, id: 1 });
      return s.post("/ack", text, requestProofHeaders(mallory, name, "POST", "/ack", text));
    });
    sameAnswers("POST /ack", ack);
  });

  it("bogus message signatures on /send and /send/batch get one answer", async () => {
    const mallory = newKeys().key;
    const sign = (name: string) => {
      const m = { channel: "general", sender: name, content: "probe" };
      return { ...m, ...signMessageV2(mallory, m) };
    };
    sameAnswers("POST /send", await each((name) => s.post("/send", sign(name))));
    sameAnswers("POST /send/batch", await each((name) => s.post("/send/batch", { messages: [sign(name)] })));
  });

  it("bogus operator signatures on /register /revoke /rotate /grant /deny get one answer", async () => {
    const mallory = newKeys().key;
    const pem = newKeys().pem;
    const bodies: Record<string, (operator: string) => unknown> = {
      "/register": (operator) =>
        signRegistration(mallory, { operator, name: "newbie", identity: "", publicKey: pem }),
      "/revoke": (operator) => signRevocation(mallory, { operator, name: "bob" }),
      "/rotate": (operator) => signRotation(mallory, { operator, name: "bob", publicKey: pem }),
      "/grant": (operator) =>
        signAccessRule(mallory, {
          effect: "grant",
          operator,
          agent: "bob",
          pattern: "x",
          permissions: "read",
        }),
      "/deny": (operator) =>
        signAccessRule(mallory, {
          effect: "deny",
          operator,
          agent: "bob",
          pattern: "x",
          permissions: "read",
        }),
    };
    for (const [path, body] of Object.entries(bodies)) {
      sameAnswers(`POST ${path}`, await each((name) => s.post(path, body(name))));
    }
  });

  it("the precise reason reaches the log and _security, not the caller", async () => {
    const mallory = newKeys().key;
    const url = "/messages?channel=general&agent=nobody";
    await s.app.inject({ url, headers: requestProofHeaders(mallory, "nobody", "GET", url, "") });
    const events = await s.securityChannel();
    assert.ok(
      events.some((e) => e.type === "unknown_agent" && e.agent === "nobody"),
      JSON.stringify(events.slice(-3)),
    );
    assert.ok(s.events.some((e) => e.type === "revoked_agent" && e.agent === "carol"));
  });

  it("a revoked agent holding its own key is still told it was revoked", async () => {
    const carol = s.keys.carol?.key as NonNullable<typeof s.keys.carol>["key"];
    const url = "/messages?channel=general&agent=carol";
    const r = await s.app.inject({ url, headers: requestProofHeaders(carol, "carol", "GET", url, "") });
    assert.equal(r.statusCode, 403, r.body);
    assert.match(r.json().error, /revoked/);
  });
});
