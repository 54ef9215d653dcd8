// Who is calling: the shared bearer token (IPC_API_KEY) checked in constant time, and the per-request
// Ed25519 proof (x-ipc-* headers) turned into a Caller by the core.
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Caller } from "../core/caller.js";
import { ANONYMOUS } from "../core/caller.js";
import { IpcError } from "../core/errors.js";
import type { Queue } from "../core/queue.js";
import { TOKEN_PREFIX } from "../core/tokens.js";
import { sha256Hex } from "../crypto/keys.js";
import { PROOF_HEADERS } from "../protocol/headers.js";
import { KEY_OR_PROOF_PATHS, PUBLIC_PATHS } from "../protocol/operations.js";
import { rawBodyOf } from "./input.js";

/** Routes that take an el-ipc bearer token (el-ipc token) in place of the API key. */
export const TOKEN_ROUTES: ReadonlySet<string> = new Set(["/mcp", "/a2a"]);

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/**
 * Requires `Authorization: Bearer <apiKey>` on every route but the public ones. Comparing SHA-256
 * digests keeps the comparison constant-time whatever the lengths.
 */
export function requireBearer(app: FastifyInstance, apiKey: string): void {
  const expected = digest(apiKey);
  app.addHook("onRequest", (request, _reply, done) => {
    const url = request.routeOptions.url;
    if (url !== undefined && PUBLIC_PATHS.has(url)) {
      done();
      return;
    }
    const header = request.headers.authorization;
    const m = typeof header === "string" ? /^Bearer +(\S+) *$/i.exec(header) : null;
    if (m?.[1] && timingSafeEqual(digest(m[1]), expected)) {
      done();
      return;
    }
    // Where a proof alone is enough (GET /metrics), a request without the key goes on to the proof check.
    if (url !== undefined && header === undefined && KEY_OR_PROOF_PATHS.has(url)) {
      done();
      return;
    }
    // An operator-issued token stands for the API key where tokens are taken; the route checks it.
    if (url !== undefined && TOKEN_ROUTES.has(url) && m?.[1]?.startsWith(TOKEN_PREFIX)) {
      done();
      return;
    }
    // Says which of the two it is: the API key is one shared secret, so this reveals nothing about agents.
    done(
      new IpcError(
        "unauthorized",
        header === undefined
          ? "missing API key (Authorization: Bearer <key>; the CLI sends IPC_API_KEY)"
          : "wrong API key (Authorization: Bearer <key> does not match the server's IPC_API_KEY)",
      ),
    );
  });
}

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return typeof v === "string" ? v : undefined;
}

const ENCODED_AGENT = /^utf-8''((?:[A-Za-z0-9!#$&+\-.^_`|~]|%[0-9A-Fa-f]{2})*)$/i;

/**
 * The agent an X-IPC-Agent value names: `UTF-8''` and percent-encoded UTF-8 (RFC 8187 style) is decoded,
 * anything else is the name itself (docs/PROTOCOL.md 4.3). A malformed encoding is invalid_argument.
 */
export function agentFromHeader(value: string): string {
  if (!/^utf-8''/i.test(value)) return value;
  const m = ENCODED_AGENT.exec(value);
  const bytes = m
    ? Buffer.from(
        (m[1] as string).replace(/%([0-9A-Fa-f]{2})|./gs, (c, hex?: string) =>
          hex ? String.fromCharCode(Number.parseInt(hex, 16)) : c,
        ),
        "latin1",
      )
    : undefined;
  try {
    if (bytes) return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    // falls through to the refusal
  }
  throw new IpcError(
    "invalid_argument",
    "X-IPC-Agent starts with UTF-8'' but is not percent-encoded UTF-8 (RFC 8187)",
  );
}

/**
 * The caller of a request: the proven identity, or anonymous when it carries no proof (or the core
 * ignores proofs: open mode).
 */
export async function callerOf(request: FastifyRequest, queue: Queue): Promise<Caller> {
  const raw = header(request, PROOF_HEADERS.agent);
  if (raw === undefined) return ANONYMOUS;
  const timestamp = header(request, PROOF_HEADERS.timestamp);
  const nonce = header(request, PROOF_HEADERS.nonce);
  const signature = header(request, PROOF_HEADERS.signature);
  if (timestamp === undefined || nonce === undefined || signature === undefined) {
    throw new IpcError(
      "unauthorized",
      `incomplete request proof: ${PROOF_HEADERS.agent} needs ${PROOF_HEADERS.timestamp}, ${PROOF_HEADERS.nonce} and ${PROOF_HEADERS.signature}`,
    );
  }
  if (!/^\d{1,16}$/.test(timestamp)) {
    throw new IpcError("invalid_argument", `${PROOF_HEADERS.timestamp} must be Unix time in milliseconds`);
  }
  const agent = agentFromHeader(raw);
  const caller = await queue.authenticate({
    agent,
    method: request.method,
    target: request.url,
    bodySha256: sha256Hex(rawBodyOf(request)),
    timestamp: Number(timestamp),
    nonce,
    signature,
  });
  // The proof verified: from now on the request spends that agent's rate budget.
  if (caller.kind === "agent" || caller.kind === "operator") {
    request.provenAgent = caller.agent;
    request.rateProven?.(request, caller.agent);
  }
  return caller;
}

/** The el-ipc bearer token of a request (`Authorization: Bearer elipc_...`), if it carries one. */
export function bearerTokenOf(request: FastifyRequest): string | undefined {
  const h = request.headers.authorization;
  const m = typeof h === "string" ? /^Bearer +(\S+) *$/i.exec(h) : null;
  return m?.[1]?.startsWith(TOKEN_PREFIX) ? m[1] : undefined;
}

/**
 * The caller of a route that takes bearer tokens (TOKEN_ROUTES): the token's agent when the request
 * carries one (a refused token is a refusal, never anonymous), else the request proof's caller.
 */
export async function tokenCallerOf(
  request: FastifyRequest,
  queue: Queue,
): Promise<{ caller: Caller; token?: string }> {
  const token = bearerTokenOf(request);
  if (token === undefined) return { caller: await callerOf(request, queue) };
  const caller = await queue.authenticateToken(token);
  request.provenAgent = caller.agent;
  request.rateProven?.(request, caller.agent);
  return { caller, token };
}
