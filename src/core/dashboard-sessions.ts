// Dashboard sign-in: an operator's signed request makes a one-time code with a short life; the browser
// exchanges it for a session (a cookie in the face). Codes and sessions live in this process's memory
// only, as SHA-256 hashes, bounded in number: a restart signs everyone out.
import { nodeCrypto } from "../crypto/node-crypto.js";
import { ANONYMOUS, type Caller } from "./caller.js";
import { IpcError } from "./errors.js";
import type { SecurityLog } from "./security-log.js";

/** How long a sign-in code may wait for its one use, in ms. */
export const CODE_TTL_MS = 60_000;
/** How long a session lasts from its sign-in, in ms (it is not extended by use). */
export const SESSION_TTL_MS = 60 * 60_000;
/** Codes waiting at once; the oldest is dropped beyond it. */
export const MAX_CODES = 16;
/** Sessions at once; the oldest is ended beyond it. */
export const MAX_SESSIONS = 32;

/** A signed-in dashboard. */
export interface DashboardSessionInfo {
  /** Who the page acts for: the operator in secure mode, anonymous on a server with only an API key. */
  caller: Caller;
  /** The operator's name; null when no operator exists (API key only). */
  operator: string | null;
  /** The session's CSRF token, sent back by the page on each POST. */
  csrf: string;
  /** Unix ms. */
  expiresAt: number;
}

interface Pending {
  caller: Caller;
  operator: string | null;
  expiresAt: number;
}

/** What the sign-in needs from the queue. */
export interface DashboardSessionOptions {
  security: SecurityLog;
  isSecure: () => Promise<boolean>;
  checkOperator: (caller: Caller, action: string, what: string) => Promise<void>;
  /** Unix ms. */
  clock: () => number;
  /** Random bytes. Default crypto.randomBytes. */
  random?: (n: number) => Buffer;
}

const hash = (s: string): string => nodeCrypto().createHash("sha256").update(s, "utf8").digest("hex");

/** Drops expired entries, then the oldest while over `max` (a Map keeps insertion order). */
function trim<T extends { expiresAt: number }>(m: Map<string, T>, now: number, max: number): void {
  for (const [k, v] of m) if (v.expiresAt <= now) m.delete(k);
  while (m.size > max) m.delete(m.keys().next().value as string);
}

/** Creates the dashboard sign-in of one queue. */
export function createDashboardSessions(o: DashboardSessionOptions) {
  const random = o.random ?? ((n: number) => nodeCrypto().randomBytes(n));
  const codes = new Map<string, Pending>();
  const sessions = new Map<string, DashboardSessionInfo>();
  const refused = (message: string) =>
    o.security.refuse("unauthenticated", "unauthorized", message, { action: "dashboard" });

  return {
    /**
     * A one-time sign-in code for `caller`: in secure mode a proven, active operator; without operators
     * the face lets only API-key holders here, and the session acts as anonymous (open mode).
     */
    async issueDashboardCode(caller: Caller): Promise<{ code: string; expires_at: number }> {
      await o.checkOperator(caller, "dashboard", "signing in to the dashboard");
      const operator = caller.kind === "operator" && (await o.isSecure()) ? caller.agent : null;
      const now = o.clock();
      const code = random(16).toString("base64url");
      codes.set(hash(code), {
        caller: operator ? caller : ANONYMOUS,
        operator,
        expiresAt: now + CODE_TTL_MS,
      });
      trim(codes, now, MAX_CODES);
      o.security.report({
        type: "admin",
        action: "dashboard",
        ...(operator ? { operator } : {}),
        message: `${operator ?? "the API key holder"} created a dashboard sign-in code, valid ${CODE_TTL_MS / 1000} s`,
      });
      return { code, expires_at: Math.floor((now + CODE_TTL_MS) / 1000) };
    },

    /** Uses a code up: a session token and its state, or one refusal for unknown, used and expired codes. */
    async exchangeDashboardCode(code: string): Promise<{ token: string; session: DashboardSessionInfo }> {
      const now = o.clock();
      const key = typeof code === "string" && /^[A-Za-z0-9_-]{22}$/.test(code) ? hash(code) : "";
      const pending = codes.get(key);
      codes.delete(key);
      if (!pending || pending.expiresAt <= now) {
        throw refused("this sign-in code is unknown, used or expired; run el-ipc dashboard again");
      }
      const token = random(32).toString("base64url");
      const session: DashboardSessionInfo = {
        caller: pending.caller,
        operator: pending.operator,
        csrf: random(24).toString("base64url"),
        expiresAt: now + SESSION_TTL_MS,
      };
      sessions.set(hash(token), session);
      trim(sessions, now, MAX_SESSIONS);
      o.security.report({
        type: "admin",
        action: "dashboard",
        ...(pending.operator ? { operator: pending.operator } : {}),
        message: `${pending.operator ?? "the API key holder"} signed in to the dashboard`,
      });
      return { token, session };
    },

    /** The session a token names, or a refusal once it is unknown, ended or expired. */
    dashboardSession(token: string | undefined): DashboardSessionInfo {
      const s = token ? sessions.get(hash(token)) : undefined;
      if (!s || s.expiresAt <= o.clock()) {
        throw new IpcError(
          "unauthorized",
          "sign in to the dashboard: run el-ipc dashboard --as <operator> --key <file>",
        );
      }
      return s;
    },

    /** Ends a session at once (sign out); unknown tokens are ignored. */
    endDashboardSession(token: string): void {
      sessions.delete(hash(token));
    },
  };
}
