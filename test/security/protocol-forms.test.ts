// The operator forms of docs/PROTOCOL.md (4.5 to 4.7, worked examples in 8.5) against the bytes the code
// builds, the signatures the documented key makes, and a server that accepts the documented bodies.
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { createQueue } from "../../src/core/queue.js";
import { accessRuleBytes, revocationBytes, rotationBytes } from "../../src/crypto/canonical.js";
import { parsePrivateKey, signBytes } from "../../src/crypto/keys.js";
import { createSqliteStore } from "../../src/store/sqlite/index.js";
import { makeTempDir, REPO_ROOT } from "../helpers/fixtures.js";

const doc = readFileSync(join(REPO_ROOT, "docs", "PROTOCOL.md"), "utf8");

/** The body of the fenced block ```<lang> example-<name>. */
function block(name: string, lang: string): string {
  const m = new RegExp(`\`\`\`${lang} example-${name}\\n([\\s\\S]*?)\\n\`\`\``).exec(doc);
  if (!m?.[1]) throw new Error(`docs/PROTOCOL.md has no ${lang} example-${name} block`);
  return m[1];
}

const op = parsePrivateKey(block("op-private-key", "text"));
const T = 1767225600000;
const NONCE = "AAAAAAAAAAAAAAAAAAAAAA";

describe("docs/PROTOCOL.md operator forms", () => {
  it("8.5: the revocation bytes, signature and body", () => {
    const bytes = revocationBytes({ operator: "op-main", name: "herald", timestamp: T, nonce: NONCE });
    assert.equal(JSON.parse(block("revoke-string", "json")), bytes.toString("utf8"));
    assert.equal(bytes.length, 68);
    const sig = signBytes(op, bytes);
    assert.equal(block("revoke-signature", "text"), sig);
    assert.deepEqual(JSON.parse(block("revoke-body", "json")), {
      name: "herald",
      operator: "op-main",
      signed_at: T,
      nonce: NONCE,
      signature: sig,
    });
  });

  it("8.5: the grant bytes, signature and body", () => {
    const bytes = accessRuleBytes({
      effect: "grant",
      operator: "op-main",
      agent: "herald",
      pattern: "team-*",
      permissions: "read,write",
      timestamp: T,
      nonce: NONCE,
    });
    assert.equal(JSON.parse(block("grant-string", "json")), bytes.toString("utf8"));
    assert.equal(bytes.length, 85);
    const sig = signBytes(op, bytes);
    assert.equal(block("grant-signature", "text"), sig);
    assert.equal(JSON.parse(block("grant-body", "json")).signature, sig);
  });

  it("4.5 to 4.7: each form starts with its own line, so no signature serves two forms", () => {
    const common = { operator: "op", name: "a", agent: "a", timestamp: T, nonce: NONCE };
    const firstLines = [
      revocationBytes(common),
      rotationBytes({ ...common, publicKey: "-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----" }),
      accessRuleBytes({ ...common, effect: "grant", pattern: "p", permissions: "read" }),
      accessRuleBytes({ ...common, effect: "deny", pattern: "p", permissions: "read" }),
    ].map((b) => b.toString("utf8").split("\n", 1)[0]);
    assert.deepEqual(firstLines, [
      "el-ipc/revoke/v1",
      "el-ipc/rotate/v1",
      "el-ipc/grant/v1",
      "el-ipc/deny/v1",
    ]);
    for (const form of ["4.5 Revocation", "4.6 Key rotation", "4.7 Channel access rules"]) {
      assert.ok(doc.includes(`### ${form}`), form);
    }
  });

  it("8.5: a server with the documented keys accepts each documented body (each on its own server)", async () => {
    const agent = (name: string, role: "operator" | "agent", publicKey: string) => ({
      name,
      identity: "",
      publicKey,
      role,
      registeredBy: role === "agent" ? "op-main" : null,
      createdAt: T / 1000 - 60,
      revokedAt: null,
      revokedBy: null,
    });
    for (const which of ["revoke", "grant"] as const) {
      const tmp = makeTempDir();
      const store = createSqliteStore({ path: tmp.path("ipc.db") });
      await store.addAgent(agent("op-main", "operator", block("op-public-key", "text")));
      await store.addAgent(agent("herald", "agent", block("herald-public-key", "text")));
      const q = createQueue({ store, clock: () => T + 1000 });
      try {
        const b = JSON.parse(block(`${which}-body`, "json"));
        const signed = {
          operator: b.operator,
          signedAt: b.signed_at,
          nonce: b.nonce,
          signature: b.signature,
        };
        if (which === "revoke") {
          assert.match(await q.revoke({ ...signed, name: b.name }), /revoked by operator 'op-main'/);
          assert.equal((await store.getAgent("herald"))?.revokedBy, "op-main");
        } else {
          await q.setAccessRule({
            ...signed,
            effect: "grant",
            agent: b.agent,
            pattern: b.pattern,
            permissions: b.permissions.split(","),
          });
          assert.equal((await store.listAccessRules("herald")).length, 2);
        }
      } finally {
        await q.close();
        tmp.cleanup();
      }
    }
  });
});
