// Bearer tokens: an operator issues one for one agent, with a lifetime; it lets a client that holds no
// key (an MCP client over HTTP, an A2A client) act as that agent. Only the SHA-256 of the secret is
// stored; a token is refused once revoked, expired, or its agent revoked.
import { nodeCrypto } from "../crypto/node-crypto.js";
import type { Store, TokenRecord, TokenStore } from "../store/types.js";
import type { Caller, ProvenCaller } from "./caller.js";
import { IpcError } from "./errors.js";
import type { Identity } from "./identity.js";
import { checkName } from "./limits.js";
import type { SecurityLog } from "./security-log.js";

/** How every token starts, so a leaked one is recognizable (secret scanners) and never taken for an API key. */
export const TOKEN_PREFIX = "elipc_";
/** Lifetime of a token when the operator names none: 24 h. */
export const DEFAULT_TOKEN_TTL_SECONDS = 24 * 3600;
/** Longest lifetime of a token: 90 days. */
export const MAX_TOKEN_TTL_SECONDS = 90 * 24 * 3600;
/** Shortest lifetime of a token: one minute. */
export const MIN_TOKEN_TTL_SECONDS = 60;

const TOKEN_FORM = /^elipc_([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/;

/** A token as issued: `token` is shown once and never stored. */
export interface IssuedToken {
  token: string;
  id: string;
  agent: string;
  /** Unix seconds. */
  expires_at: number;
}

/** A token as listed (never its secret). */
export interface TokenInfo {
  id: string;
  agent: string;
  issued_by: string;
  /** Unix seconds. */
  created_at: number;
  expires_at: number;
  revoked_at?: number;
  revoked_by?: string;
}

/** What the token functions need from the queue. */
export interface TokenOptions {
  store: Store;
  identity: Identity;
  security: SecurityLog;
  /** Unix ms. */
  clock: () => number;
  /** Throws unless `caller` may do operator work. */
  checkOperator: (caller: Caller, action: string, what: string) => Promise<void>;
  /** Random bytes. Default crypto.randomBytes. */
  random?: (n: number) => Buffer;
}

function sha256(text: string): Buffer {
  return nodeCrypto().createHash("sha256").update(text, "utf8").digest();
}

function infoOf(t: TokenRecord): TokenInfo {
  return {
    id: t.id,
    agent: t.agent,
    issued_by: t.issuedBy,
    created_at: t.createdAt,
    expires_at: t.expiresAt,
    ...(t.revokedAt !== null ? { revoked_at: t.revokedAt } : {}),
    ...(t.revokedBy !== null ? { revoked_by: t.revokedBy } : {}),
  };
}

/** The operator a caller acts for, for the record ("local" for the database's own process). */
function operatorOf(caller: Caller): string {
  return caller.kind === "agent" || caller.kind === "operator" ? caller.agent : "local";
}

/** Creates the token functions of one queue. */
export function createTokens(o: TokenOptions) {
  const random = o.random ?? ((n: number) => nodeCrypto().randomBytes(n));
  const now = () => o.clock() / 1000;
  function tokens(): TokenStore {
    if (!o.store.tokens) throw new IpcError("unavailable", "this store keeps no tokens");
    return o.store.tokens;
  }
  const refused = (message: string) =>
    o.security.refuse("unauthenticated", "unauthorized", message, { action: "token" });
  const stillValid = (rec: { id: string; revokedAt: number | null; expiresAt: number }): void => {
    if (rec.revokedAt !== null) throw refused(`token ${rec.id} was revoked`);
    if (now() >= rec.expiresAt) {
      throw refused(`token ${rec.id} expired at ${new Date(rec.expiresAt * 1000).toISOString()}`);
    }
  };

  return {
    /** Issues a token for `agent` (an active agent, not an operator); operators only, secure mode only. */
    async issue(caller: Caller, r: { agent: string; ttlSeconds?: number }): Promise<IssuedToken> {
      await o.checkOperator(caller, "token", "issuing a token");
      const agent = checkName("agent", r.agent);
      const ttl = r.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
      if (!Number.isSafeInteger(ttl) || ttl < MIN_TOKEN_TTL_SECONDS || ttl > MAX_TOKEN_TTL_SECONDS) {
        throw new IpcError(
          "invalid_argument",
          `a token lives from ${MIN_TOKEN_TTL_SECONDS} s to ${MAX_TOKEN_TTL_SECONDS / 86400} days`,
        );
      }
      if (!(await o.identity.isSecure())) {
        throw new IpcError(
          "invalid_argument",
          "secure mode is off: every caller may act as any agent, so a token would prove nothing",
        );
      }
      const rec = await o.identity.activeAgent(agent, { action: "token" });
      if (rec.role === "operator") {
        throw new IpcError("invalid_argument", `tokens act as agents only; '${agent}' is an operator`);
      }
      const id = random(8).toString("hex");
      const secret = random(32).toString("base64url");
      const createdAt = now();
      const expiresAt = Math.floor(createdAt) + ttl;
      const by = operatorOf(caller);
      await tokens().addToken({
        id,
        agent,
        secretHash: sha256(secret).toString("hex"),
        issuedBy: by,
        createdAt,
        expiresAt,
        revokedAt: null,
        revokedBy: null,
      });
      o.security.report({
        type: "admin",
        action: "token",
        agent,
        operator: by,
        message: `${by} issued token ${id} for ${agent}, valid ${ttl} s`,
      });
      return { token: `${TOKEN_PREFIX}${id}.${secret}`, id, agent, expires_at: expiresAt };
    },

    /** Revokes the token `id` at once; operators only. */
    async revoke(caller: Caller, id: string): Promise<string> {
      await o.checkOperator(caller, "token-revoke", "revoking a token");
      if (typeof id !== "string" || !/^[0-9a-f]{16}$/.test(id)) {
        throw new IpcError("invalid_argument", "a token id is 16 hex digits (as el-ipc token printed it)");
      }
      const by = operatorOf(caller);
      if (!(await tokens().revokeToken(id, by, now()))) {
        throw new IpcError("not_found", `no unrevoked token ${id}`);
      }
      o.security.report({
        type: "admin",
        action: "token-revoke",
        operator: by,
        message: `${by} revoked token ${id}`,
      });
      return `token ${id} revoked`;
    },

    /** The tokens of `agent`, or of all; operators only. */
    async list(caller: Caller, agent?: string): Promise<TokenInfo[]> {
      await o.checkOperator(caller, "tokens", "listing tokens");
      if (agent !== undefined) checkName("agent", agent);
      return (await tokens().listTokens(agent)).map(infoOf);
    },

    /**
     * The agent a bearer token proves, or a refusal: one answer for a malformed, unknown or wrong token,
     * and a precise one (revoked, expired) only to whoever holds the secret.
     */
    async authenticate(token: string): Promise<ProvenCaller> {
      const m = TOKEN_FORM.exec(token);
      const rec = m ? await tokens().getToken(m[1] as string) : undefined;
      const expected = Buffer.from(rec?.secretHash ?? "0".repeat(64), "hex");
      const matches = nodeCrypto().timingSafeEqual(sha256(m?.[2] ?? ""), expected);
      if (!m || !rec || !matches) throw refused("invalid bearer token");
      stillValid(rec);
      await o.identity.activeAgent(rec.agent, { action: "token" });
      return { kind: "agent", agent: rec.agent, token: rec.id };
    },

    /** Refuses the token `id` once it was revoked or has expired (a caller it proved is checked again). */
    async check(id: string): Promise<void> {
      const rec = await tokens().getToken(id);
      if (!rec) throw refused(`token ${id} no longer exists`);
      stillValid(rec);
    },
  };
}

/** The token functions of a queue. */
export type Tokens = ReturnType<typeof createTokens>;
