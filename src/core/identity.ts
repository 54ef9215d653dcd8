// Identity policy: secure mode, who an agent is, which signatures count, and one use per proof.
import type { KeyObject } from "node:crypto";
import {
  legacyMessageBytes,
  messageEnvelopeBytes,
  registrationBytes,
  requestBytes,
} from "../crypto/canonical.js";
import {
  generateKeyPair,
  type PemKeyPair,
  parsePublicKey,
  samePublicKey,
  verifyBytes,
} from "../crypto/keys.js";
import type { AgentRecord, ReplayGuard, SignatureVersion, Store } from "../store/types.js";
import { IpcError } from "./errors.js";
import { checkIdentity, checkName } from "./limits.js";
import type { Principal, RegistrationInput, RequestProof, SendInput } from "./types.js";

/** Options of the identity policy. */
export interface IdentityOptions {
  store: Store;
  /** Current Unix time in ms. */
  clock: () => number;
  /** Largest difference, in ms, between a signed timestamp and the clock. Default 300,000 (±5 min). */
  windowMs: number;
}

/** What a verified send stores besides the message. */
export interface SignatureCheck {
  signed: boolean;
  sigVersion: SignatureVersion;
  replayGuard?: ReplayGuard;
}

const NONCE = /^[A-Za-z0-9_-]{16,64}$/;

/** Channels whose names could collide with the first line of el-ipc's own signed forms. */
const RESERVED_CHANNEL_PREFIX = "el-ipc/";

/** The identity policy of one queue. */
export type Identity = ReturnType<typeof createIdentity>;

/** Creates the identity policy over a store. */
export function createIdentity(o: IdentityOptions) {
  let secureCached = false;

  /** Secure mode is on once an operator exists; it is never switched off, so `true` is cached. */
  async function isSecure(): Promise<boolean> {
    if (!secureCached) secureCached = await o.store.hasOperator();
    return secureCached;
  }

  /** The active record of `name`, or unknown_agent / forbidden when it is missing or revoked. */
  async function activeAgent(name: string): Promise<AgentRecord> {
    const a = await o.store.getAgent(name);
    if (!a) throw new IpcError("unknown_agent", `unknown agent '${name}': not registered`);
    if (a.revokedAt !== null) throw new IpcError("forbidden", `agent '${name}' has been revoked`);
    return a;
  }

  function checkFreshness(signedAt: unknown, nonce: unknown): { signedAt: number; nonce: string } {
    if (typeof signedAt !== "number" || !Number.isSafeInteger(signedAt)) {
      throw new IpcError("invalid_argument", "signed_at must be an integer (Unix milliseconds)");
    }
    if (typeof nonce !== "string" || !NONCE.test(nonce)) {
      throw new IpcError("invalid_argument", "nonce must be 16 to 64 characters of [A-Za-z0-9_-]");
    }
    const skew = signedAt - o.clock();
    if (Math.abs(skew) > o.windowMs) {
      throw new IpcError(
        "bad_signature",
        `signed_at is ${Math.round(Math.abs(skew) / 1000)} s in the ${skew > 0 ? "future" : "past"}; the window is ±${o.windowMs / 1000} s`,
      );
    }
    return { signedAt, nonce };
  }

  function nonceGuard(agent: string, nonce: string, signedAt: number): ReplayGuard {
    return { key: `n:${agent}:${nonce}`, expiresAt: signedAt + o.windowMs };
  }

  return {
    isSecure,
    activeAgent,

    /** Verifies a message's signature by its sender; in open mode any signature is stored as given. */
    async checkMessage(m: SendInput): Promise<SignatureCheck> {
      const v2 = m.signedAt !== undefined || m.nonce !== undefined;
      if (!(await isSecure())) {
        if (m.signature === undefined || m.signature === "") return { signed: false, sigVersion: 0 };
        if (v2) checkFreshness(m.signedAt, m.nonce);
        return { signed: true, sigVersion: v2 ? 2 : 1 };
      }
      if (typeof m.signature !== "string" || m.signature === "") {
        throw new IpcError("unauthorized", "signature required (secure mode is on): send with --key");
      }
      // Syntax and time window first, then the agent, then the signature (docs/PROTOCOL.md, section 5).
      const f = v2 ? checkFreshness(m.signedAt, m.nonce) : undefined;
      const agent = await activeAgent(m.sender);
      const key = parsePublicKey(agent.publicKey);
      if (f) {
        const bytes = messageEnvelopeBytes({
          channel: m.channel,
          sender: m.sender,
          content: m.content,
          timestamp: f.signedAt,
          nonce: f.nonce,
        });
        if (!verifyBytes(key, bytes, m.signature)) throw new IpcError("bad_signature", "invalid signature");
        return { signed: true, sigVersion: 2, replayGuard: nonceGuard(m.sender, f.nonce, f.signedAt) };
      }
      // Every el-ipc signed form starts with an "el-ipc/..." line, so it would also parse as a reference-form
      // message on such a channel: refuse that, or a captured signature could be replayed as a message.
      if (m.channel.startsWith(RESERVED_CHANNEL_PREFIX)) {
        throw new IpcError(
          "bad_signature",
          `reference-form signatures are not accepted on ${RESERVED_CHANNEL_PREFIX}* channels`,
        );
      }
      if (!verifyBytes(key, legacyMessageBytes(m.channel, m.sender, m.content), m.signature)) {
        throw new IpcError("bad_signature", "invalid signature");
      }
      // Ed25519 is deterministic (RFC 8032): a replayed reference-form message is byte-identical.
      return { signed: true, sigVersion: 1, replayGuard: { key: `s:${m.signature}`, expiresAt: null } };
    },

    /** Proves a local caller (CLI) holds `agent`'s key; in open mode nobody needs to. */
    async principalFromKey(agent: string, privateKey: KeyObject | undefined): Promise<Principal> {
      if (!(await isSecure())) return null;
      if (!privateKey) {
        throw new IpcError(
          "unauthorized",
          `secure mode is on: --key <file> with ${agent}'s private key is required`,
        );
      }
      const rec = await activeAgent(agent);
      if (!samePublicKey(privateKey, parsePublicKey(rec.publicKey))) {
        throw new IpcError("bad_signature", `the key given is not ${agent}'s registered key`);
      }
      return { agent: rec.name, role: rec.role };
    },

    /** Verifies a signed HTTP request and consumes its nonce; open mode ignores proofs (null). */
    async authenticate(p: RequestProof): Promise<Principal> {
      if (!(await isSecure())) return null;
      checkName("agent", p.agent);
      const f = checkFreshness(p.timestamp, p.nonce);
      const rec = await activeAgent(p.agent);
      const bytes = requestBytes({ ...p, timestamp: f.signedAt });
      if (!verifyBytes(parsePublicKey(rec.publicKey), bytes, p.signature)) {
        throw new IpcError("bad_signature", "invalid request signature");
      }
      if (!(await o.store.useProof(nonceGuard(p.agent, f.nonce, f.signedAt)))) {
        throw new IpcError("replayed", "request nonce already used");
      }
      return { agent: rec.name, role: rec.role };
    },

    /** Creates an operator with a new key pair; the private key is returned once and not stored. */
    async seed(name: string): Promise<PemKeyPair> {
      checkName("operator", name);
      const pair = generateKeyPair();
      const added = await o.store.addAgent({
        name,
        identity: "",
        publicKey: pair.publicKey,
        role: "operator",
        registeredBy: null,
        createdAt: o.clock() / 1000,
        revokedAt: null,
        revokedBy: null,
      });
      if (!added) throw new IpcError("conflict", `agent '${name}' already exists; names are never reused`);
      secureCached = true;
      return pair;
    },

    /** Registers an agent under an operator's signature over the registration. */
    async register(r: RegistrationInput): Promise<string> {
      checkName("agent", r.name);
      checkName("operator", r.operator);
      const identity = checkIdentity(r.identity);
      if (typeof r.publicKey !== "string")
        throw new IpcError("invalid_argument", "public_key must be a PEM string");
      const publicKey = r.publicKey.trim();
      parsePublicKey(publicKey);
      if (typeof r.signature !== "string") throw new IpcError("invalid_argument", "signature is required");
      const f = checkFreshness(r.signedAt, r.nonce);
      const op = await o.store.getAgent(r.operator);
      if (!op) throw new IpcError("unknown_agent", `operator '${r.operator}' not found`);
      if (op.role !== "operator") {
        throw new IpcError("forbidden", `'${r.operator}' is not an operator (role: ${op.role})`);
      }
      if (op.revokedAt !== null) throw new IpcError("forbidden", `operator '${r.operator}' has been revoked`);
      const bytes = registrationBytes({ ...r, identity, publicKey, timestamp: f.signedAt, nonce: f.nonce });
      if (!verifyBytes(parsePublicKey(op.publicKey), bytes, r.signature)) {
        throw new IpcError("bad_signature", "operator signature verification failed");
      }
      if (await o.store.getAgent(r.name)) {
        throw new IpcError(
          "conflict",
          `agent '${r.name}' is already registered; names are never re-registered`,
        );
      }
      if (!(await o.store.useProof(nonceGuard(r.operator, f.nonce, f.signedAt)))) {
        throw new IpcError("replayed", "registration nonce already used");
      }
      const added = await o.store.addAgent({
        name: r.name,
        identity,
        publicKey,
        role: "agent",
        registeredBy: op.name,
        createdAt: o.clock() / 1000,
        revokedAt: null,
        revokedBy: null,
      });
      if (!added) {
        throw new IpcError(
          "conflict",
          `agent '${r.name}' is already registered; names are never re-registered`,
        );
      }
      return `Agent '${r.name}' registered by operator '${op.name}'`;
    },
  };
}
