// Identity policy: secure mode, who an agent is, which signatures count, one use per proof, and operator
// signatures (the changes they authorise, registration, revocation and key rotation, are in identity-changes.ts).
import type { KeyObject } from "node:crypto";
import { legacyMessageBytes, messageEnvelopeBytes, requestBytes } from "../crypto/canonical.js";
import {
  generateKeyPair,
  keyFingerprint,
  type PemKeyPair,
  parsePublicKey,
  samePublicKey,
  verifyBytes,
  verifyBytesAsync,
} from "../crypto/keys.js";
import type { AgentRecord, ReplayGuard, SignatureVersion, Store } from "../store/types.js";
import { checkNotConfusable } from "./confusables.js";
import { IpcError } from "./errors.js";
import { createIdentityChanges } from "./identity-changes.js";
import { checkName } from "./limits.js";
import type { SecurityEventInput, SecurityLog } from "./security-log.js";
import type { OperatorSigned, Principal, RequestProof, SendInput } from "./types.js";

/** Options of the identity policy. */
export interface IdentityOptions {
  store: Store;
  /** Current Unix time in ms. */
  clock: () => number;
  /** Largest difference, in ms, between a signed timestamp and the clock. Default 300,000 (±5 min). */
  windowMs: number;
  /** Where refusals and operator actions are reported. */
  security: SecurityLog;
}

/** What a verified send stores besides the message. */
export interface SignatureCheck {
  signed: boolean;
  sigVersion: SignatureVersion;
  replayGuard?: ReplayGuard;
  /** Secure mode: the sender, proven by its signature. */
  principal: Principal;
}

/** A verified operator signature whose nonce is still to be consumed. */
export interface OperatorCheck {
  operator: AgentRecord;
  /** Consume with `consume()` once the action is known to be possible. */
  guard: ReplayGuard;
}

/** Context of a security event. */
type Ctx = Partial<SecurityEventInput>;

const NONCE = /^[A-Za-z0-9_-]{16,64}$/;

/** Channels whose names could collide with the first line of el-ipc's own signed forms. */
const RESERVED_CHANNEL_PREFIX = "el-ipc/";

/**
 * The one answer (401 unauthorized) to a proof that did not verify: existing, unknown, revoked and operator
 * names cannot be told apart before a proof verifies. The precise reason goes to the security log only.
 */
export const PROOF_REFUSED =
  "proof not accepted: the signature does not verify for an active identity of that name";

/** A key no signature verifies against, used for unknown names so every refusal costs one verification. */
let decoyKey: KeyObject | undefined;
function decoy(): KeyObject {
  decoyKey ??= parsePublicKey(generateKeyPair().publicKey);
  return decoyKey;
}

/** The identity policy of one queue. */
export type Identity = ReturnType<typeof createIdentity>;

/** Creates the identity policy over a store. */
export function createIdentity(o: IdentityOptions) {
  let secureCached = false;
  let openCheck: Promise<boolean> | undefined;
  const refuse = o.security.refuse;

  /** Secure mode is on once an operator exists; it is never switched off, so `true` is cached. */
  async function isSecure(): Promise<boolean> {
    if (secureCached) return true;
    // Calls in one turn of the event loop share one look-up (16 connections' sends arrive together);
    // the next turn asks again, so an operator seeded by another process counts from then on.
    if (!openCheck) {
      openCheck = o.store.hasOperator();
      setImmediate(() => {
        openCheck = undefined;
      });
    }
    secureCached = await openCheck;
    return secureCached;
  }

  /** The active record of `name`, or unknown_agent / forbidden when it is missing or revoked. */
  async function activeAgent(name: string, ctx: Ctx = {}): Promise<AgentRecord> {
    const a = await o.store.getAgent(name);
    if (!a) {
      throw refuse("unknown_agent", "unknown_agent", `unknown agent '${name}': not registered`, {
        agent: name,
        ...ctx,
      });
    }
    if (a.revokedAt !== null) {
      throw refuse("revoked_agent", "forbidden", `agent '${name}' has been revoked`, { agent: name, ...ctx });
    }
    return a;
  }

  /** The stored key of `rec`, or undefined when it is weak (stored before that check, or by hand). */
  function storedKey(rec: AgentRecord): KeyObject | undefined {
    try {
      return parsePublicKey(rec.publicKey);
    } catch {
      return undefined;
    }
  }

  /** Reports the precise reason of a refused proof and returns the one answer the caller gets. */
  function hidden(type: SecurityEventInput["type"], message: string, ctx: Ctx): IpcError {
    o.security.report({ ...ctx, type, code: "unauthorized", message });
    return new IpcError("unauthorized", PROOF_REFUSED);
  }

  /**
   * The record of `name` if `verify` accepts its key. Unknown names, bad signatures and revoked names
   * with a signature that does not verify all get PROOF_REFUSED; a revoked identity whose own key
   * signed is told it was revoked (only its key holder can learn that).
   */
  async function proveSigner(
    name: string,
    ctx: Ctx,
    what: string,
    verify: (key: KeyObject) => boolean | Promise<boolean>,
  ): Promise<AgentRecord> {
    const rec = await o.store.getAgent(name);
    const key = rec ? storedKey(rec) : undefined;
    const ok = await verify(key ?? decoy());
    if (!rec) throw hidden("unknown_agent", `${what} by unknown agent '${name}': not registered`, ctx);
    if (!key) throw hidden("bad_signature", `${what} by '${name}', whose stored key is weak`, ctx);
    if (!ok) {
      if (rec.revokedAt !== null)
        throw hidden("revoked_agent", `${what} by revoked agent '${name}' (bad signature)`, ctx);
      throw hidden("bad_signature", `invalid ${what} signature`, ctx);
    }
    if (rec.revokedAt !== null) {
      throw refuse("revoked_agent", "forbidden", `agent '${name}' has been revoked`, { agent: name, ...ctx });
    }
    return rec;
  }

  function checkFreshness(signedAt: unknown, nonce: unknown, ctx: Ctx): { signedAt: number; nonce: string } {
    if (typeof signedAt !== "number" || !Number.isSafeInteger(signedAt)) {
      throw new IpcError("invalid_argument", "signed_at must be an integer (Unix milliseconds)");
    }
    if (typeof nonce !== "string" || !NONCE.test(nonce)) {
      throw new IpcError("invalid_argument", "nonce must be 16 to 64 characters of [A-Za-z0-9_-]");
    }
    const skew = signedAt - o.clock();
    if (Math.abs(skew) > o.windowMs) {
      throw refuse(
        "bad_signature",
        "bad_signature",
        `signed_at is ${Math.round(Math.abs(skew) / 1000)} s in the ${skew > 0 ? "future" : "past"}; the window is ±${o.windowMs / 1000} s`,
        ctx,
      );
    }
    return { signedAt, nonce };
  }

  function nonceGuard(agent: string, nonce: string, signedAt: number): ReplayGuard {
    return { key: `n:${agent}:${nonce}`, expiresAt: signedAt + o.windowMs };
  }

  /** Consumes a one-use proof; a second use is refused (and reported) as a replay. */
  async function consume(guard: ReplayGuard, what: string, ctx: Ctx): Promise<void> {
    if (!(await o.store.useProof(guard)))
      throw refuse("replay", "replayed", `${what} nonce already used`, ctx);
  }

  /**
   * Verifies an operator's signature over `bytes` (built from the checked time and nonce): the signer
   * must be an active operator and the time inside the window. The nonce is not consumed yet.
   */
  async function verifyOperator(
    action: string,
    subject: string,
    r: OperatorSigned,
    bytes: (f: { signedAt: number; nonce: string }) => Buffer,
  ): Promise<OperatorCheck> {
    checkName("operator", r.operator);
    if (typeof r.signature !== "string") throw new IpcError("invalid_argument", "signature is required");
    const ctx: Ctx = { action, operator: r.operator, agent: subject };
    const f = checkFreshness(r.signedAt, r.nonce, ctx);
    const op = await proveSigner(r.operator, ctx, "operator", (key) =>
      verifyBytes(key, bytes(f), r.signature),
    );
    // The signature verified: the signer may learn that it is no operator.
    if (op.role !== "operator") {
      throw refuse("forbidden", "forbidden", `'${r.operator}' is not an operator (role: ${op.role})`, ctx);
    }
    return { operator: op, guard: nonceGuard(op.name, f.nonce, f.signedAt) };
  }

  return {
    isSecure,
    activeAgent,
    verifyOperator,
    consume,

    /** Verifies a message's signature by its sender; in open mode any signature is stored as given. */
    async checkMessage(m: SendInput): Promise<SignatureCheck> {
      const v2 = m.signedAt !== undefined || m.nonce !== undefined;
      const ctx: Ctx = { action: "send", agent: m.sender, channel: m.channel };
      if (!(await isSecure())) {
        if (m.signature === undefined || m.signature === "")
          return { signed: false, sigVersion: 0, principal: null };
        if (v2) checkFreshness(m.signedAt, m.nonce, ctx);
        return { signed: true, sigVersion: v2 ? 2 : 1, principal: null };
      }
      if (typeof m.signature !== "string" || m.signature === "") {
        throw refuse(
          "unauthenticated",
          "unauthorized",
          "signature required (secure mode is on): send with --key",
          ctx,
        );
      }
      // Syntax and time window first, then the agent, then the signature (docs/PROTOCOL.md, section 5).
      const f = v2 ? checkFreshness(m.signedAt, m.nonce, ctx) : undefined;
      // Every el-ipc signed form starts with an "el-ipc/..." line, so it would also parse as a reference-form
      // message on such a channel: refuse that, or a captured signature could be replayed as a message.
      if (!f && m.channel.startsWith(RESERVED_CHANNEL_PREFIX)) {
        throw refuse(
          "bad_signature",
          "bad_signature",
          `reference-form signatures are not accepted on ${RESERVED_CHANNEL_PREFIX}* channels`,
          ctx,
        );
      }
      const signature = m.signature;
      const bytes = f
        ? messageEnvelopeBytes({
            channel: m.channel,
            sender: m.sender,
            content: m.content,
            timestamp: f.signedAt,
            nonce: f.nonce,
          })
        : legacyMessageBytes(m.channel, m.sender, m.content);
      const agent = await proveSigner(m.sender, ctx, "message", (key) =>
        verifyBytesAsync(key, bytes, signature),
      );
      const principal = { agent: agent.name, role: agent.role, key: agent.publicKey };
      if (f) {
        return {
          signed: true,
          sigVersion: 2,
          replayGuard: nonceGuard(m.sender, f.nonce, f.signedAt),
          principal,
        };
      }
      // Ed25519 is deterministic (RFC 8032): a replayed reference-form message is byte-identical.
      return {
        signed: true,
        sigVersion: 1,
        replayGuard: { key: `s:${m.signature}`, expiresAt: null },
        principal,
      };
    },

    /** Proves a local caller (CLI) holds `agent`'s key; in open mode nobody needs to. */
    async principalFromKey(agent: string, privateKey: KeyObject | undefined): Promise<Principal> {
      if (!(await isSecure())) return null;
      const ctx: Ctx = { action: "local", agent };
      if (!privateKey) {
        throw refuse(
          "unauthenticated",
          "unauthorized",
          `secure mode is on: --key <file> with ${agent}'s private key is required`,
          ctx,
        );
      }
      const rec = await activeAgent(agent, ctx);
      const stored = storedKey(rec);
      if (!stored || !samePublicKey(privateKey, stored)) {
        const theirs = stored ? ` ${keyFingerprint(stored)}` : "";
        throw refuse(
          "bad_signature",
          "bad_signature",
          `your key ${keyFingerprint(privateKey)} is not ${agent}'s registered key${theirs}`,
          ctx,
        );
      }
      return { agent: rec.name, role: rec.role, key: rec.publicKey };
    },

    /**
     * Why `privateKey` is not `agent`'s registered key, by fingerprints, or undefined when it is. For the
     * local CLI only: whoever opens the database can read every key; an unproven HTTP caller never learns it.
     */
    async keyMismatch(agent: string, privateKey: KeyObject): Promise<string | undefined> {
      const rec = await o.store.getAgent(agent);
      const mine = keyFingerprint(privateKey);
      if (!rec) return `'${agent}' is not registered (your key is ${mine})`;
      const stored = storedKey(rec);
      if (stored && samePublicKey(privateKey, stored)) return undefined;
      return `your key ${mine} is not ${agent}'s registered key${stored ? ` ${keyFingerprint(stored)}` : ""}`;
    },

    /** Verifies a signed HTTP request and consumes its nonce; open mode ignores proofs (null). */
    async authenticate(p: RequestProof): Promise<Principal> {
      if (!(await isSecure())) return null;
      checkName("agent", p.agent);
      const ctx: Ctx = { action: `${p.method} ${p.target.split("?", 1)[0]}`, agent: p.agent };
      const f = checkFreshness(p.timestamp, p.nonce, ctx);
      const bytes = requestBytes({ ...p, timestamp: f.signedAt });
      const rec = await proveSigner(p.agent, ctx, "request", (key) =>
        verifyBytesAsync(key, bytes, p.signature),
      );
      await consume(nonceGuard(p.agent, f.nonce, f.signedAt), "request", ctx);
      return { agent: rec.name, role: rec.role, key: rec.publicKey };
    },

    /** Creates an operator with a new key pair; the private key is returned once and not stored. */
    async seed(name: string): Promise<PemKeyPair> {
      checkName("operator", name);
      checkNotConfusable(
        "operator",
        name,
        (await o.store.listAgents()).map((a) => a.name),
      );
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
    ...createIdentityChanges({ ...o, verifyOperator, consume }),
  };
}
