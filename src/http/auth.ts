// Who is calling: the shared bearer token (IPC_API_KEY) checked in constant time, and the per-request
// Ed25519 proof (x-ipc-* headers) turned into a Principal by the core.
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { PROOF_HEADERS } from "../client/sign.js";
import { IpcError } from "../core/errors.js";
import type { Queue } from "../core/queue.js";
import type { Principal } from "../core/types.js";
import { sha256Hex } from "../crypto/keys.js";
import { rawBodyOf } from "./input.js";

/** Routes reachable without the bearer token. */
export const PUBLIC_ROUTES: ReadonlySet<string> = new Set(["/health", "/.well-known/agent-card.json"]);

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
    if (url !== undefined && PUBLIC_ROUTES.has(url)) {
      done();
      return;
    }
    const header = request.headers.authorization;
    const m = typeof header === "string" ? /^Bearer +(\S+) *$/i.exec(header) : null;
    if (m?.[1] && timingSafeEqual(digest(m[1]), expected)) {
      done();
      return;
    }
    done(new IpcError("unauthorized", "unauthorized"));
  });
}

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return typeof v === "string" ? v : undefined;
}

/**
 * The proven caller of a request, or null when it carries no proof (or the core ignores proofs: open mode).
 */
export async function principalOf(request: FastifyRequest, queue: Queue): Promise<Principal> {
  const agent = header(request, PROOF_HEADERS.agent);
  if (agent === undefined) return null;
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
  const principal = await queue.identity.authenticate({
    agent,
    method: request.method,
    target: request.url,
    bodySha256: sha256Hex(rawBodyOf(request)),
    timestamp: Number(timestamp),
    nonce,
    signature,
  });
  // The proof verified: from now on the request spends that agent's rate budget.
  if (principal) request.rateProven?.(request, principal.agent);
  return principal;
}
