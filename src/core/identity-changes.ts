// Operator-signed changes of identities: registering an agent, revoking an identity, rotating a key.
// Each is verified by identity.ts (operator, freshness, signature), then its nonce is consumed and the
// change stored and reported.
import type { KeyObject } from "node:crypto";
import { registrationBytes, revocationBytes, rotationBytes } from "../crypto/canonical.js";
import { parsePublicKey, samePublicKey } from "../crypto/keys.js";
import type { ReplayGuard, Store } from "../store/types.js";
import { checkNotConfusable } from "./confusables.js";
import { IpcError } from "./errors.js";
import type { OperatorCheck } from "./identity.js";
import { checkIdentity, checkName } from "./limits.js";
import type { SecurityEventInput, SecurityLog } from "./security-log.js";
import type { OperatorSigned, RegistrationInput, RevocationInput, RotationInput } from "./types.js";

/** Context of a security event. */
type Ctx = Partial<SecurityEventInput>;

/** What the identity changes need from the identity policy that owns them. */
export interface IdentityChangeOptions {
  store: Store;
  /** Current Unix time in ms. */
  clock: () => number;
  security: SecurityLog;
  /** Checks an operator's signature over the bytes of an action; see Identity.verifyOperator. */
  verifyOperator(
    action: string,
    subject: string,
    r: OperatorSigned,
    bytes: (f: { signedAt: number; nonce: string }) => Buffer,
  ): Promise<OperatorCheck>;
  /** Consumes a one-use proof, refusing a replay. */
  consume(guard: ReplayGuard, what: string, ctx: Ctx): Promise<void>;
}

/** True when `key` is the stored key; a stored key that no longer parses (weak) is never the same. */
function sameAsStored(key: KeyObject, storedPem: string): boolean {
  try {
    return samePublicKey(key, parsePublicKey(storedPem));
  } catch {
    return false;
  }
}

/** Creates register, revoke and rotate over the identity policy's checks. */
export function createIdentityChanges(o: IdentityChangeOptions) {
  const { verifyOperator, consume } = o;
  const refuse = o.security.refuse;
  return {
    /** Registers an agent under an operator's signature over the registration. */
    async register(r: RegistrationInput): Promise<string> {
      checkName("agent", r.name);
      checkName("operator", r.operator);
      const identity = checkIdentity(r.identity);
      if (typeof r.publicKey !== "string")
        throw new IpcError("invalid_argument", "public_key must be a PEM string");
      const publicKey = r.publicKey.trim();
      parsePublicKey(publicKey);
      const { operator, guard } = await verifyOperator("register", r.name, r, (f) =>
        registrationBytes({ ...r, identity, publicKey, timestamp: f.signedAt, nonce: f.nonce }),
      );
      // A taken name is an attempt to take over an identity: reported.
      const taken = () =>
        refuse(
          "forbidden",
          "conflict",
          `agent '${r.name}' is already registered; names are never re-registered`,
          {
            action: "register",
            operator: operator.name,
            agent: r.name,
          },
        );
      if (await o.store.getAgent(r.name)) throw taken();
      const names = (await o.store.listAgents()).map((a) => a.name);
      checkNotConfusable("agent", r.name, names);
      await consume(guard, "registration", { action: "register", operator: operator.name, agent: r.name });
      const added = await o.store.addAgent({
        name: r.name,
        identity,
        publicKey,
        role: "agent",
        registeredBy: operator.name,
        createdAt: o.clock() / 1000,
        revokedAt: null,
        revokedBy: null,
      });
      if (!added) throw taken();
      const message = `Agent '${r.name}' registered by operator '${operator.name}'`;
      o.security.report({
        type: "admin",
        action: "register",
        operator: operator.name,
        agent: r.name,
        message,
      });
      return message;
    },

    /**
     * Revokes an agent or operator under an operator's signature. A revoked identity can no longer send,
     * read or acknowledge, and its name is never given out again. The last active operator cannot be
     * revoked: nobody could administer the server after it.
     */
    async revoke(r: RevocationInput): Promise<string> {
      checkName("agent", r.name);
      const { operator, guard } = await verifyOperator("revoke", r.name, r, (f) =>
        revocationBytes({ operator: r.operator, name: r.name, timestamp: f.signedAt, nonce: f.nonce }),
      );
      const ctx: Ctx = { action: "revoke", operator: operator.name, agent: r.name };
      const target = await o.store.getAgent(r.name);
      if (!target) throw new IpcError("unknown_agent", `unknown agent '${r.name}': not registered`);
      if (target.revokedAt !== null) throw new IpcError("conflict", `agent '${r.name}' is already revoked`);
      if (target.role === "operator") {
        const others = (await o.store.listAgents()).filter(
          (a) => a.role === "operator" && a.revokedAt === null && a.name !== target.name,
        );
        if (others.length === 0) {
          throw refuse(
            "forbidden",
            "forbidden",
            `'${r.name}' is the last active operator; seed or keep another operator before revoking it`,
            ctx,
          );
        }
      }
      await consume(guard, "revocation", ctx);
      if (!(await o.store.revokeAgent(r.name, operator.name, o.clock() / 1000))) {
        throw new IpcError("conflict", `agent '${r.name}' is already revoked`);
      }
      const message = `Agent '${r.name}' revoked by operator '${operator.name}'`;
      o.security.report({ ...ctx, type: "admin", message });
      return message;
    },

    /**
     * Replaces the public key of an active agent under an operator's signature; the old key stops
     * working at once. An operator's own key can only be rotated by that operator.
     */
    async rotate(r: RotationInput): Promise<string> {
      checkName("agent", r.name);
      if (typeof r.publicKey !== "string")
        throw new IpcError("invalid_argument", "public_key must be a PEM string");
      const publicKey = r.publicKey.trim();
      const newKey = parsePublicKey(publicKey);
      const { operator, guard } = await verifyOperator("rotate", r.name, r, (f) =>
        rotationBytes({
          operator: r.operator,
          name: r.name,
          publicKey,
          timestamp: f.signedAt,
          nonce: f.nonce,
        }),
      );
      const ctx: Ctx = { action: "rotate", operator: operator.name, agent: r.name };
      const target = await o.store.getAgent(r.name);
      if (!target) throw new IpcError("unknown_agent", `unknown agent '${r.name}': not registered`);
      if (target.revokedAt !== null) {
        throw new IpcError("forbidden", `agent '${r.name}' is revoked; a revoked identity gets no new key`);
      }
      if (target.role === "operator" && target.name !== operator.name) {
        throw refuse(
          "forbidden",
          "forbidden",
          `only operator '${r.name}' itself may rotate its key (operators cannot be taken over)`,
          ctx,
        );
      }
      if (sameAsStored(newKey, target.publicKey)) {
        throw new IpcError("invalid_argument", `that key is already '${r.name}''s key`);
      }
      await consume(guard, "rotation", ctx);
      if (!(await o.store.rotateKey(r.name, publicKey, operator.name, o.clock() / 1000))) {
        throw new IpcError("forbidden", `agent '${r.name}' is revoked; a revoked identity gets no new key`);
      }
      const message = `Key of '${r.name}' rotated by operator '${operator.name}'`;
      o.security.report({ ...ctx, type: "admin", message });
      return message;
    },
  };
}
