// Who may use the dashboard (/ui), decided per request: with an operator or IPC_API_KEY, a signed-in
// session (cookie); in open mode, nobody signs in, so only a loopback server shows it, and only under a
// loopback Host (a rebound DNS name is refused). POSTs also need a same-origin Origin and the CSRF token.
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { ANONYMOUS, type Caller } from "../core/caller.js";
import { IpcError } from "../core/errors.js";
import type { Queue } from "../core/queue.js";
import { CSRF_HEADER, UI_SESSION_COOKIE } from "../protocol/headers.js";
import { hostnameOf, isLoopbackBind, LOOPBACK_NAMES } from "./loopback.js";

/** The headers of every dashboard answer: no script but our own, no framing, no referrer, no caching. */
export const UI_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  // Not no-referrer: with it a browser sends `Origin: null` on the sign-in form's POST. Other sites never
  // get a referrer (the sign-in link holds its code).
  "referrer-policy": "same-origin",
  "cache-control": "no-store",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
};

/** Who a dashboard request acts for. */
export interface UiAccess {
  caller: Caller;
  /** The operator signed in; null in open mode or on a server with only an API key. */
  operator: string | null;
  /** The CSRF token POSTs must carry. */
  csrf: string;
  /** The session cookie's value; undefined in open mode. */
  token?: string;
  /** Unix ms the session ends; null in open mode. */
  expiresAt: number | null;
}

/** Options of the gate. */
export interface UiGateOptions {
  queue: Queue;
  /** The address the server binds. */
  host: string;
  /** IPC_API_KEY ("" when unset). */
  apiKey: string;
}

/** The value of one cookie of a request. */
export function cookieOf(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (typeof header !== "string") return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** True when the request came over TLS to us or to a proxy in front (ngrok, nginx). */
function overTls(request: FastifyRequest): boolean {
  return request.protocol === "https" || request.headers["x-forwarded-proto"] === "https";
}

/** The Set-Cookie value of a session (or of its removal, with `maxAgeSeconds` 0). */
export function sessionCookie(request: FastifyRequest, token: string, maxAgeSeconds: number): string {
  const secure = overTls(request) ? "; Secure" : "";
  return `${UI_SESSION_COOKIE}=${token}; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

/**
 * Refuses a POST another site could have made: Origin must name this very host (and Sec-Fetch-Site,
 * when the browser sends it, same-origin). A request without Origin is refused: browsers send it on
 * every POST, and other clients have the API instead.
 */
export function checkSameOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  let host = "";
  try {
    host = typeof origin === "string" ? new URL(origin).host : "";
  } catch {
    // refused below
  }
  const site = request.headers["sec-fetch-site"];
  if (
    host === "" ||
    host !== (request.headers.host ?? "").toLowerCase() ||
    (site !== undefined && site !== "same-origin")
  ) {
    throw new IpcError(
      "forbidden",
      "cross-origin request refused: the dashboard takes POSTs from its own pages only",
    );
  }
}

/** Creates the gate of one server. */
export function createUiGate(o: UiGateOptions) {
  // Open mode has no session: one token per server process stands for it.
  const openCsrf = randomBytes(24).toString("base64url");
  const loopback = isLoopbackBind(o.host);

  /** Whether the dashboard needs a sign-in now: once an operator exists or an API key is set. */
  const needsSignIn = async (): Promise<boolean> => o.apiKey !== "" || (await o.queue.isSecure());

  return {
    needsSignIn,

    /** Who the request acts for, or the refusal (401 sign in, 403 open mode off loopback or rebound Host). */
    async access(request: FastifyRequest): Promise<UiAccess> {
      if (await needsSignIn()) {
        const token = cookieOf(request, UI_SESSION_COOKIE);
        const s = o.queue.dashboardSession(token);
        return {
          caller: s.caller,
          operator: s.operator,
          csrf: s.csrf,
          token: token as string,
          expiresAt: s.expiresAt,
        };
      }
      if (!loopback) {
        throw new IpcError(
          "forbidden",
          `the dashboard is off on an open-mode server bound to ${o.host}: with no operator nobody can sign in, and anyone who reaches it would see every channel. Seed an operator (el-ipc seed) or bind to 127.0.0.1`,
        );
      }
      if (!LOOPBACK_NAMES.has(hostnameOf(request.headers.host ?? ""))) {
        throw new IpcError(
          "forbidden",
          "this server listens on loopback only: Host must be localhost or 127.0.0.1",
        );
      }
      return { caller: ANONYMOUS, operator: null, csrf: openCsrf, expiresAt: null };
    },

    /** access() for a state-changing request: also same-origin and the CSRF token, compared in constant time. */
    async accessForPost(request: FastifyRequest): Promise<UiAccess> {
      checkSameOrigin(request);
      const a = await this.access(request);
      const sent = request.headers[CSRF_HEADER];
      const given = Buffer.from(typeof sent === "string" ? sent : "");
      const expected = Buffer.from(a.csrf);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new IpcError("forbidden", "missing or wrong X-CSRF-Token (reload the dashboard)");
      }
      return a;
    },
  };
}

/** The gate of a server. */
export type UiGate = ReturnType<typeof createUiGate>;

/** Sets the dashboard's security headers on a reply. */
export function setUiHeaders(reply: FastifyReply): void {
  for (const [k, v] of Object.entries(UI_HEADERS)) void reply.header(k, v);
}
