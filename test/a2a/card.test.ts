// The agent card against A2A v1.0: its shape through the a2a.proto codec of @a2a-js/sdk (generated from
// the proto: a field outside the schema, or of the wrong type, does not survive the round trip) and the
// proto's REQUIRED fields; its JWS signature verified independently, by the SDK's verifier and by jose.
import * as assert from "node:assert/strict";
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { canonicalizeAgentCard, AgentCard as ProtoAgentCard, verifyAgentCardSignature } from "@a2a-js/sdk";
import * as jose from "jose";
import { type AgentCard, cardDid } from "../../src/core/card.js";
import { type RunningHttpServer, startHttpServer } from "../../src/http/server.js";
import { runCli, tempDb } from "../helpers/cli.js";
import { testConfig } from "../helpers/http.js";

/** Fields a2a.proto marks REQUIRED (google.api.field_behavior), per message. */
const REQUIRED: Record<string, string[]> = {
  AgentCard: [
    "name",
    "description",
    "supportedInterfaces",
    "version",
    "capabilities",
    "defaultInputModes",
    "defaultOutputModes",
    "skills",
  ],
  AgentInterface: ["url", "protocolBinding", "protocolVersion"],
  AgentSkill: ["id", "name", "description", "tags"],
  AgentCardSignature: ["protected", "signature"],
  HTTPAuthSecurityScheme: ["scheme"],
};

function requireFields(what: string, o: Record<string, unknown>): void {
  for (const f of REQUIRED[what] ?? [])
    assert.ok(o[f] !== undefined, `${what}.${f} is required by a2a.proto`);
}

describe("the A2A v1.0 agent card", () => {
  const t = tempDb();
  let s: RunningHttpServer;
  let card: AgentCard;
  let operatorPem: string;

  before(async () => {
    const seeded = await runCli(["seed", "op-main"], t.env);
    const keyFile = join(t.dir, "op-main.key");
    writeFileSync(keyFile, seeded.stdout, { mode: 0o600 });
    operatorPem = createPublicKey(seeded.stdout).export({ type: "spki", format: "pem" }).toString();
    s = await startHttpServer(testConfig(t.db, { IPC_CARD_KEY: keyFile, IPC_AGENT_NAME: "team-ipc" }), {
      logLevel: "silent",
    });
    card = (await (await fetch(`${s.url}/.well-known/agent-card.json`)).json()) as AgentCard;
  });
  after(async () => {
    await s.close();
    t.cleanup();
  });

  it("has the v1.0 shape: every field in a2a.proto's schema, every required field present", () => {
    const roundTrip = ProtoAgentCard.toJSON(ProtoAgentCard.fromJSON(card));
    assert.deepEqual(roundTrip, card);
    requireFields("AgentCard", card as unknown as Record<string, unknown>);
    for (const i of card.supportedInterfaces) requireFields("AgentInterface", i);
    for (const k of card.skills) requireFields("AgentSkill", k);
    for (const sig of card.signatures ?? [])
      requireFields("AgentCardSignature", sig as unknown as Record<string, unknown>);
    for (const scheme of Object.values(card.securitySchemes ?? {}))
      requireFields("HTTPAuthSecurityScheme", scheme.httpAuthSecurityScheme);
    assert.deepEqual(card.supportedInterfaces, [
      { url: `${s.url}/a2a`, protocolBinding: "JSONRPC", protocolVersion: "1.0" },
    ]);
    assert.equal(card.name, "team-ipc");
    assert.equal(card.capabilities.streaming, true);
    assert.match(cardDid(card) ?? "", /^did:key:z6Mk/);
    // Secure mode: the card says how to authenticate.
    assert.deepEqual(card.securityRequirements, [{ schemes: { elIpcToken: {} } }]);
    assert.equal(card.securitySchemes?.elIpcToken?.httpAuthSecurityScheme.scheme, "Bearer");
  });

  it("is signed (EdDSA over its RFC 8785 form) as the SDK's verifier and jose check it", async () => {
    const sig = card.signatures?.[0];
    assert.ok(sig, "signed");
    const header = jose.decodeProtectedHeader({
      protected: sig.protected,
      signature: sig.signature,
      payload: "",
    });
    assert.equal(header.alg, "EdDSA");
    assert.equal(header.kid, `${cardDid(card)}#${cardDid(card)?.slice("did:key:".length)}`);
    const key = createPublicKey(operatorPem);
    const kids: string[] = [];
    // The SDK canonicalizes the card's JSON (its fromJSON of an already decoded card loses the security schemes).
    const asJson = card as unknown as ProtoAgentCard;
    await verifyAgentCardSignature(async (kid) => {
      kids.push(kid);
      return key;
    })(asJson);
    assert.deepEqual(kids, [header.kid]);
    const payload = Buffer.from(canonicalizeAgentCard(asJson)).toString("base64url");
    await jose.flattenedVerify({ payload, protected: sig.protected, signature: sig.signature }, key);
    // The checks can fail: a changed card, another key.
    const tampered = { ...card, name: "mallory-ipc" } as unknown as ProtoAgentCard;
    await assert.rejects(verifyAgentCardSignature(async () => key)(tampered));
    const other = generateKeyPairSync("ed25519").publicKey;
    await assert.rejects(
      jose.flattenedVerify({ payload, protected: sig.protected, signature: sig.signature }, other),
    );
  });
});
