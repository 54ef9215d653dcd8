// docs/PROTOCOL.md against the code: the worked examples' bytes and signatures must be exactly what
// src/crypto/canonical.ts and src/crypto/keys.ts produce, and what the identity policy accepts.

import assert from "node:assert/strict";
import { createHash, createPublicKey, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  PROOF_HEADERS,
  requestProofHeaders,
  signMessageV2,
  signRegistration,
} from "../../src/client/sign.js";
import { LOCAL } from "../../src/core/caller.js";
import { IpcError } from "../../src/core/errors.js";
import { createQueue } from "../../src/core/queue.js";
import {
  legacyMessageBytes,
  messageEnvelopeBytes,
  registrationBytes,
  requestBytes,
} from "../../src/crypto/canonical.js";
import {
  parsePrivateKey,
  publicPemOf,
  rawPublicKey,
  sha256Hex,
  signBytes,
  verifyBytes,
} from "../../src/crypto/keys.js";
import { createSqliteStore } from "../../src/store/sqlite/index.js";
import type { AgentRecord } from "../../src/store/types.js";
import { makeTempDir, REPO_ROOT } from "../helpers/fixtures.js";

/** A fenced block of the doc: ```<lang> example-<name>. */
interface Block {
  lang: string;
  text: string;
}

function exampleBlocks(markdown: string): Map<string, Block> {
  const blocks = new Map<string, Block>();
  for (const m of markdown.matchAll(/^```(\w+) (example-[\w-]+)\n([\s\S]*?)\n```$/gm)) {
    const [, lang, name, text] = m as unknown as [string, string, string, string];
    assert.ok(!blocks.has(name), `docs/PROTOCOL.md: block ${name} appears twice`);
    blocks.set(name, { lang, text });
  }
  return blocks;
}

const doc = readFileSync(join(REPO_ROOT, "docs", "PROTOCOL.md"), "utf8");
const blocks = exampleBlocks(doc);

function block(name: string, lang: string): string {
  const b = blocks.get(`example-${name}`);
  if (!b) throw new Error(`docs/PROTOCOL.md has no \`\`\`${lang} example-${name} block`);
  assert.equal(b.lang, lang, `example-${name} should be a ${lang} block`);
  return b.text;
}

const jsonBlock = <T>(name: string): T => JSON.parse(block(name, "json")) as T;
const hexBlock = (name: string): Buffer => Buffer.from(block(name, "hex").replace(/\s+/g, ""), "hex");

// The fixed inputs the doc states in prose.
const SIGNED_AT = 1767225600000;
const NONCE = "AAAAAAAAAAAAAAAAAAAAAA";
const CONTENT = "hello\nworld";
const TARGET = "/messages?channel=general&agent=herald";
const IDENTITY = "a9e6db87-b090-47e0-a509-2bc624896d0f";

const herald = parsePrivateKey(block("herald-private-key", "text"));
const op = parsePrivateKey(block("op-private-key", "text"));
const heraldPub = block("herald-public-key", "text");
const opPub = block("op-public-key", "text");

/** Checks every documented spelling of one form against the bytes the code builds. */
function assertBytes(name: string, built: Buffer, spellings: { string?: boolean; text?: boolean }): void {
  assert.equal(hexBlock(`${name}-hex`).toString("hex"), built.toString("hex"), `example-${name}-hex`);
  if (spellings.string) {
    assert.equal(jsonBlock<string>(`${name}-string`), built.toString("utf8"), `example-${name}-string`);
  }
  if (spellings.text)
    assert.equal(block(`${name}-bytes`, "text"), built.toString("utf8"), `example-${name}-bytes`);
}

/** Checks a documented signature: the code signs the same, and node:crypto verifies it on its own. */
function assertSignature(name: string, key: typeof herald, publicPem: string, bytes: Buffer): string {
  const documented = block(`${name}-signature`, "text");
  assert.match(documented, /^[A-Za-z0-9+/]{86}==$/, "88 characters of standard base64");
  assert.equal(signBytes(key, bytes), documented, `example-${name}-signature`);
  const pub = createPublicKey({ key: publicPem, format: "pem" });
  assert.ok(verify(null, bytes, pub, Buffer.from(documented, "base64")), "node:crypto verifies it");
  assert.ok(verifyBytes(pub, bytes, documented), "verifyBytes accepts it");
  assert.ok(!verify(null, Buffer.concat([bytes, Buffer.from("x")]), pub, Buffer.from(documented, "base64")));
  return documented;
}

describe("docs/PROTOCOL.md worked examples", () => {
  it("uses the RFC 8032 test keys it names, with matching public keys", () => {
    // RFC 8032 section 7.1, tests 1 and 2: public keys, and the signatures of "" and of 0x72.
    assert.equal(
      rawPublicKey(herald).toString("hex"),
      "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    );
    assert.equal(
      rawPublicKey(op).toString("hex"),
      "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
    );
    assert.equal(
      Buffer.from(signBytes(herald, Buffer.alloc(0)), "base64").toString("hex"),
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    );
    assert.equal(
      Buffer.from(signBytes(op, Buffer.from([0x72])), "base64").toString("hex"),
      "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    );
    assert.equal(publicPemOf(herald).trim(), heraldPub);
    assert.equal(publicPemOf(op).trim(), opPub);
  });

  it("8.2: v2 message bytes, signature and send body", () => {
    const bytes = messageEnvelopeBytes({
      channel: "general",
      sender: "herald",
      content: CONTENT,
      timestamp: SIGNED_AT,
      nonce: NONCE,
    });
    assertBytes("v2", bytes, { string: true, text: true });
    const signature = assertSignature("v2", herald, heraldPub, bytes);
    const body = jsonBlock<Record<string, unknown>>("v2-send-body");
    assert.deepEqual(body, {
      channel: "general",
      sender: "herald",
      content: CONTENT,
      signature,
      signed_at: SIGNED_AT,
      nonce: NONCE,
    });
    // The client adds exactly the documented fields.
    const added = Object.keys(
      signMessageV2(herald, { channel: "general", sender: "herald", content: CONTENT }),
    );
    assert.deepEqual(added.sort(), ["nonce", "signature", "signed_at"]);
  });

  it("8.2: reference (v1) form of the same message", () => {
    const bytes = legacyMessageBytes("general", "herald", CONTENT);
    assertBytes("v1", bytes, {});
    assertSignature("v1", herald, heraldPub, bytes);
  });

  it("8.3: request proof bytes, signature and headers", () => {
    const emptySha = block("empty-body-sha256", "text");
    assert.equal(sha256Hex(""), emptySha);
    assert.equal(createHash("sha256").update(Buffer.alloc(0)).digest("hex"), emptySha);
    const bytes = requestBytes({
      method: "GET",
      target: TARGET,
      bodySha256: emptySha,
      agent: "herald",
      timestamp: SIGNED_AT,
      nonce: NONCE,
    });
    assertBytes("request", bytes, { string: true, text: true });
    const signature = assertSignature("request", herald, heraldPub, bytes);

    const [requestLine, ...headerLines] = block("request-http", "text").split("\n");
    assert.equal(requestLine, `GET ${TARGET} HTTP/1.1`);
    const headers = new Map(
      headerLines.map((l) => {
        const i = l.indexOf(": ");
        return [l.slice(0, i).toLowerCase(), l.slice(i + 2)] as const;
      }),
    );
    assert.equal(headers.get(PROOF_HEADERS.agent), "herald");
    assert.equal(headers.get(PROOF_HEADERS.timestamp), String(SIGNED_AT));
    assert.equal(headers.get(PROOF_HEADERS.nonce), NONCE);
    assert.equal(headers.get(PROOF_HEADERS.signature), signature);
    // Every header the client sends is documented, and every documented X-IPC header is one it sends.
    const sent = Object.keys(requestProofHeaders(herald, "herald", "GET", TARGET, "")).sort();
    assert.deepEqual(sent, [...headers.keys()].filter((h) => h.startsWith("x-ipc-")).sort());
  });

  it("8.4: registration bytes, signature and body", () => {
    const bytes = registrationBytes({
      operator: "op-main",
      name: "herald",
      identity: IDENTITY,
      publicKey: heraldPub,
      timestamp: SIGNED_AT,
      nonce: NONCE,
    });
    assertBytes("register", bytes, { string: true, text: true });
    const signature = assertSignature("register", op, opPub, bytes);
    const body = jsonBlock<Record<string, unknown>>("register-body");
    assert.deepEqual(body, {
      name: "herald",
      public_key: heraldPub,
      identity: IDENTITY,
      operator: "op-main",
      signed_at: SIGNED_AT,
      nonce: NONCE,
      signature,
    });
    const client = signRegistration(op, {
      operator: "op-main",
      name: "herald",
      identity: IDENTITY,
      publicKey: heraldPub,
    });
    assert.deepEqual(Object.keys(client).sort(), Object.keys(body).sort());
  });

  it("refuses a non-canonical spelling of a documented signature (section 3)", () => {
    const sig = block("v1-signature", "text");
    const bytes = legacyMessageBytes("general", "herald", CONTENT);
    const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const last = B64.indexOf(sig[85] as string);
    assert.equal(last & 15, 0, "the 86th character of a standard encoding has its low 4 bits zero");
    const twin = `${sig.slice(0, 85)}${B64[last | 1]}==`;
    assert.ok(Buffer.from(twin, "base64").equals(Buffer.from(sig, "base64")), "decodes to the same bytes");
    assert.equal(verifyBytes(createPublicKey(heraldPub), bytes, twin), false);
  });
});

describe("docs/PROTOCOL.md worked examples, accepted by the identity policy", () => {
  const tmp = makeTempDir();
  after(() => tmp.cleanup());
  let n = 0;

  function agent(name: string, publicKey: string, role: AgentRecord["role"]): AgentRecord {
    return {
      name,
      identity: "",
      publicKey,
      role,
      registeredBy: null,
      createdAt: SIGNED_AT / 1000,
      revokedAt: null,
      revokedBy: null,
    };
  }

  /** A fresh secure-mode queue at the examples' time, with op-main and, unless told, herald. */
  async function queueAtExampleTime(withHerald = true) {
    const store = createSqliteStore({ path: tmp.path(`ipc-${n++}.db`) });
    assert.ok(await store.addAgent(agent("op-main", opPub, "operator")));
    if (withHerald) assert.ok(await store.addAgent(agent("herald", heraldPub, "agent")));
    // One second after the signed time: inside the ±300 s window.
    return createQueue({ store, clock: () => SIGNED_AT + 1000 });
  }

  async function refusedWith(p: Promise<unknown>, code: string): Promise<void> {
    await assert.rejects(p, (e: unknown) => e instanceof IpcError && e.code === code);
  }

  it("8.2: the v2 send body is stored once, then refused as a replay", async () => {
    const q = await queueAtExampleTime();
    try {
      const b = jsonBlock<{
        channel: string;
        sender: string;
        content: string;
        signature: string;
        signed_at: number;
        nonce: string;
      }>("v2-send-body");
      const input = {
        channel: b.channel,
        sender: b.sender,
        content: b.content,
        signature: b.signature,
        signedAt: b.signed_at,
        nonce: b.nonce,
      };
      const r = await q.send(input);
      assert.equal(r.signed, true);
      await refusedWith(q.send(input), "replayed");
      const [m] = await q.read(
        { kind: "agent", agent: "herald" },
        { channels: ["general"], agent: "herald" },
      );
      assert.equal(m?.sig_version, 2);
      assert.equal(m?.signature, b.signature);
    } finally {
      await q.close();
    }
  });

  it("8.2: the reference-form signature is accepted once", async () => {
    const q = await queueAtExampleTime();
    try {
      const input = {
        channel: "general",
        sender: "herald",
        content: CONTENT,
        signature: block("v1-signature", "text"),
      };
      assert.equal((await q.send(input)).signed, true);
      await refusedWith(q.send(input), "replayed");
    } finally {
      await q.close();
    }
  });

  it("8.3: the request proof authenticates herald once", async () => {
    const q = await queueAtExampleTime();
    try {
      const proof = {
        agent: "herald",
        method: "GET",
        target: TARGET,
        bodySha256: block("empty-body-sha256", "text"),
        timestamp: SIGNED_AT,
        nonce: NONCE,
        signature: block("request-signature", "text"),
      };
      const proven = await q.authenticate(proof);
      assert.deepEqual({ ...proven, key: undefined }, { kind: "agent", agent: "herald", key: undefined });
      await refusedWith(q.authenticate(proof), "replayed");
      await refusedWith(q.authenticate({ ...proof, target: `${TARGET}&wait=true` }), "unauthorized");
    } finally {
      await q.close();
    }
  });

  it("8.4: the registration body registers herald", async () => {
    const q = await queueAtExampleTime(false);
    try {
      const b = jsonBlock<{
        name: string;
        public_key: string;
        identity: string;
        operator: string;
        signed_at: number;
        nonce: string;
        signature: string;
      }>("register-body");
      await q.register({
        name: b.name,
        publicKey: b.public_key,
        identity: b.identity,
        operator: b.operator,
        signedAt: b.signed_at,
        nonce: b.nonce,
        signature: b.signature,
      });
      const agents = await q.agents(LOCAL);
      assert.deepEqual(
        agents.map((a) => [a.name, a.role, a.identity]),
        [
          ["op-main", "operator", ""],
          ["herald", "agent", IDENTITY],
        ],
      );
    } finally {
      await q.close();
    }
  });

  it("does not accept the registration signature as a reference-form message (section 9)", {}, async () => {
    const q = await queueAtExampleTime(false);
    try {
      // 8.4's bytes read as channel "el-ipc/register/v1", sender "op-main", and this content.
      const [channel, sender, ...rest] = block("register-bytes", "text").split("\n");
      assert.equal(`${channel}\n${sender}`, "el-ipc/register/v1\nop-main");
      const signature = block("register-signature", "text");
      const forged = {
        channel: channel as string,
        sender: sender as string,
        content: rest.join("\n"),
        signature,
      };
      await assert.rejects(q.send(forged), (e: unknown) => e instanceof IpcError);
    } finally {
      await q.close();
    }
  });

  it("refuses the examples outside the ±300 s window", async () => {
    const store = createSqliteStore({ path: tmp.path(`ipc-${n++}.db`) });
    await store.addAgent(agent("op-main", opPub, "operator"));
    await store.addAgent(agent("herald", heraldPub, "agent"));
    const q = createQueue({ store, clock: () => SIGNED_AT + 300_001 });
    try {
      const b = jsonBlock<{ signature: string }>("v2-send-body");
      await refusedWith(
        q.send({
          channel: "general",
          sender: "herald",
          content: CONTENT,
          signature: b.signature,
          signedAt: SIGNED_AT,
          nonce: NONCE,
        }),
        "bad_signature",
      );
    } finally {
      await q.close();
    }
  });
});
