// Who asks: the one argument every Queue call that depends on the asker takes, required by type so a
// new face cannot forget it and quietly see everything.
import type { Principal } from "./types.js";

/**
 * A process holding the database file itself (the local CLI): it may see every listing, pending count
 * and operator view, since it can read the file anyway. Acting as an agent (read, ack) in secure mode
 * still needs that agent's key: proven with `Queue.proveKey`.
 */
export interface LocalCaller {
  readonly kind: "local";
}

/** Nobody proven: open mode, a request without a proof, or a public endpoint. */
export interface AnonymousCaller {
  readonly kind: "anonymous";
}

/** An identity proven by its key (a request proof, or a local key checked by `Queue.proveKey`). */
export interface ProvenCaller {
  readonly kind: "agent" | "operator";
  /** The proven identity's name. */
  readonly agent: string;
  /** The public key (SPKI PEM, as stored) that proved it: a wait ends once the identity's key is another. */
  readonly key?: string;
  /** The id of the bearer token that proved it: a wait ends once the token is revoked or expires. */
  readonly token?: string;
}

/** Who makes a call: a local process, nobody proven, or a proven agent or operator. */
export type Caller = LocalCaller | AnonymousCaller | ProvenCaller;

/** The local process (the CLI on its own database). */
export const LOCAL: LocalCaller = Object.freeze({ kind: "local" });

/** Nobody proven. */
export const ANONYMOUS: AnonymousCaller = Object.freeze({ kind: "anonymous" });

/** The caller a core proof check returned (null: nobody proven). */
export function callerOf(p: Principal): AnonymousCaller | ProvenCaller {
  if (p === null) return ANONYMOUS;
  return {
    kind: p.role,
    agent: p.agent,
    ...(p.key !== undefined ? { key: p.key } : {}),
    ...(p.token !== undefined ? { token: p.token } : {}),
  };
}

/** The proven identity behind a caller, as the policy checks take it; null for local and anonymous. */
export function principalOf(c: Caller): Principal {
  if (c.kind === "local" || c.kind === "anonymous") return null;
  return {
    agent: c.agent,
    role: c.kind,
    ...(c.key !== undefined ? { key: c.key } : {}),
    ...(c.token !== undefined ? { token: c.token } : {}),
  };
}
