// Request rate limits (token buckets), answered 429 with Retry-After. Each identity has a budget: an agent
// whose proof verified (a request proof, or a send's signature checked by the core), else the client
// address (open mode, public requests, unverified claims). In secure mode, refused requests (bad or missing
// proofs, replays, bad input) are charged to their address in a second, smaller budget, checked before
// anything else. Only a successful request is charged to an agent, so nobody spends another agent's budget.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { RateLimit } from "../config.js";
import { IpcError } from "../core/errors.js";
import type { Queue } from "../core/queue.js";
import { PROOF_HEADERS } from "../protocol/headers.js";

/** Buckets kept at most per table; idle (full) ones are dropped first, then the oldest. */
export const MAX_BUCKETS = 100_000;
/** How often full buckets are swept away, in ms. */
const SWEEP_INTERVAL_MS = 30_000;
/** How long the open/secure answer of the queue is trusted before asking again, in ms. */
const MODE_RECHECK_MS = 1000;

interface Bucket {
  tokens: number;
  at: number;
  /** Refusing since the last successful take (an event was reported for this episode). */
  limited: boolean;
}

/** A table of token buckets, one per key. */
export interface Buckets {
  /** Seconds until `key` may make a request (0: now), without charging it. */
  wait(key: string, now: number): number;
  /** Charges one request to `key` (the balance may go negative, down to -burst). */
  charge(key: string, now: number): void;
  /** Marks `key` refused; true the first time since it last had tokens (report once per episode). */
  refused(key: string): boolean;
  /** Number of buckets held. */
  size(): number;
  /** Drops buckets that refilled completely (they equal a new one). */
  sweep(now: number): void;
}

/** Creates a bucket table for one limit. */
export function createBuckets(limit: RateLimit, maxBuckets = MAX_BUCKETS): Buckets {
  const table = new Map<string, Bucket>();
  const refill = (b: Bucket, now: number): void => {
    b.tokens = Math.min(limit.burst, b.tokens + ((now - b.at) / 1000) * limit.perSecond);
    b.at = now;
  };
  const sweep = (now: number): void => {
    for (const [k, b] of table) {
      refill(b, now);
      if (b.tokens >= limit.burst) table.delete(k);
    }
  };
  return {
    wait(key, now) {
      const b = table.get(key);
      if (!b) return 0;
      refill(b, now);
      if (b.tokens >= 1) {
        b.limited = false;
        return 0;
      }
      return (1 - b.tokens) / limit.perSecond;
    },
    charge(key, now) {
      let b = table.get(key);
      if (!b) {
        if (table.size >= maxBuckets) {
          sweep(now);
          // Still full of active clients: forget the oldest (they start again with a full bucket).
          for (const k of table.keys()) {
            if (table.size < maxBuckets * 0.9) break;
            table.delete(k);
          }
        }
        b = { tokens: limit.burst, at: now, limited: false };
        table.set(key, b);
      }
      refill(b, now);
      b.tokens = Math.max(-limit.burst, b.tokens - 1);
    },
    refused(key) {
      const b = table.get(key);
      if (!b || b.limited) return false;
      b.limited = true;
      return true;
    },
    size: () => table.size,
    sweep,
  };
}

/** Options of installRateLimits. */
export interface RateLimitOptions {
  queue: Queue;
  /** Per proven agent (secure mode) or per address (open mode, public requests). null: none. */
  rateLimit: RateLimit | null;
  /** Secure mode: refused requests per address. null: none. */
  refusedRateLimit: RateLimit | null;
  /** Current Unix time in ms. Default Date.now. */
  clock?: () => number;
  /** Hears each refusal, by the budget that refused (metrics). Default none. */
  onLimited?: (budget: "agent" | "address" | "refused") => void;
}

/** Routes that verify the request proof they carry (auth.ts principalOf): their budget is chosen then. */
const PROOF_ROUTES: ReadonlySet<string> = new Set([
  "GET /messages",
  "POST /ack",
  "POST /seek",
  "GET /stream",
  "GET /channels",
  "GET /agents",
  "GET /access",
  "GET /key-events",
]);
/** Routes whose message signatures the core verifies before storing. */
const SEND_ROUTES: ReadonlySet<string> = new Set(["POST /send", "POST /send/batch"]);

/** The sender a send claims (verified by the core before anything is stored), for checking its budget. */
function claimedSender(request: FastifyRequest): string | undefined {
  const body = request.body as Record<string, unknown> | null | undefined;
  if (typeof body !== "object" || body === null) return undefined;
  const first = Array.isArray(body.messages)
    ? (body.messages[0] as Record<string, unknown> | undefined)
    : body;
  const name = first?.sender;
  return typeof name === "string" && name.length <= 128 ? name : undefined;
}

/** True when the route will verify the request proof the request carries. */
function verifiesProof(request: FastifyRequest, route: string): boolean {
  if (request.headers[PROOF_HEADERS.agent] === undefined) return false;
  if (PROOF_ROUTES.has(route)) return true;
  if (route !== "GET /health") return false;
  const q = request.query as Record<string, unknown> | undefined;
  return !!q?.channel && !!q?.agent;
}

declare module "fastify" {
  interface FastifyRequest {
    /** The bucket the rate limiter charges when the request succeeds (undefined: the address). */
    rateKey: string | undefined;
    /** Set by the rate limiter: checks and selects the budget of `agent` once its proof verified. */
    rateProven: ((request: FastifyRequest, agent: string) => void) | undefined;
  }
}

/** Adds the rate-limit hooks to `app`; the buckets are swept periodically until the app closes. */
export function installRateLimits(app: FastifyInstance, o: RateLimitOptions): void {
  if (!o.rateLimit && !o.refusedRateLimit) return;
  const clock = o.clock ?? Date.now;
  // Keys: "agent:<name>" and "addr:<address>" share one table; refused requests have their own.
  const identities = o.rateLimit ? createBuckets(o.rateLimit) : undefined;
  const refusals = o.refusedRateLimit ? createBuckets(o.refusedRateLimit) : undefined;

  // The mode is asked asynchronously and cached: secure mode never ends, open mode is asked again
  // at most once a second, so a request costs no database query.
  let secure = false;
  let checkedAt = Number.NEGATIVE_INFINITY;
  let asking = false;
  function isSecure(now: number): boolean {
    if (!secure && !asking && now - checkedAt >= MODE_RECHECK_MS) {
      asking = true;
      o.queue
        .isSecure()
        .then((s) => {
          secure = s;
        })
        .catch(() => undefined)
        .finally(() => {
          checkedAt = clock();
          asking = false;
        });
    }
    return secure;
  }

  function refuse(buckets: Buckets, key: string, wait: number, request: FastifyRequest): IpcError {
    const who = key.startsWith("agent:") ? `agent ${key.slice(6)}` : `address ${request.ip}`;
    if (buckets.refused(key)) {
      o.queue.reportSecurityEvent({
        type: "rate_limited",
        code: "rate_limited",
        message: `${buckets === refusals ? "refused-request limit" : "rate limit"} reached by ${who}`,
        action: `${request.method} ${request.url.split("?", 1)[0]}`,
        remote: request.ip,
        ...(key.startsWith("agent:") ? { agent: key.slice(6) } : {}),
      });
    }
    o.onLimited?.(buckets === refusals ? "refused" : key.startsWith("agent:") ? "agent" : "address");
    const seconds = Math.max(1, Math.ceil(wait));
    return new IpcError("rate_limited", `too many requests from ${who}; retry in ${seconds} s`, seconds);
  }

  /** Refuses when `key` has no budget left in `buckets`. */
  function check(
    buckets: Buckets | undefined,
    key: string,
    request: FastifyRequest,
    now: number,
  ): IpcError | undefined {
    if (!buckets) return undefined;
    const wait = buckets.wait(key, now);
    return wait > 0 ? refuse(buckets, key, wait, request) : undefined;
  }

  /** A proof by `agent` verified: its own budget is checked, and charged if the request succeeds. */
  function proven(request: FastifyRequest, agent: string): void {
    if (!secure || !identities) return;
    request.rateKey = `agent:${agent}`;
    const err = check(identities, request.rateKey, request, clock());
    if (err) throw err;
  }

  app.decorateRequest("rateKey", undefined);
  app.decorateRequest("rateProven", undefined);
  app.addHook("onReady", async () => {
    secure = await o.queue.isSecure();
    checkedAt = clock();
  });

  app.addHook("onRequest", (request: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void) => {
    const now = clock();
    const addr = `addr:${request.ip}`;
    if (!isSecure(now)) {
      // Open mode: nobody is proven; every request counts against its address.
      const err = check(identities, addr, request, now);
      if (err) return done(err);
      identities?.charge(addr, now);
      return done();
    }
    done(check(refusals, addr, request, now));
  });

  // After the body is parsed. Only a verified proof selects an agent's budget (proven(), called by
  // principalOf); a send's claimed sender is only checked here (not charged: the core refuses an unverified
  // send, which then counts as refused for the address). Everything else counts against the address.
  app.addHook("preHandler", (request: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void) => {
    if (!secure || !identities) return done();
    request.rateProven = proven;
    const route = `${request.method} ${request.routeOptions.url ?? ""}`;
    if (verifiesProof(request, route)) return done();
    const sender = SEND_ROUTES.has(route) ? claimedSender(request) : undefined;
    if (sender !== undefined) {
      request.rateKey = `agent:${sender}`;
      return done(check(identities, request.rateKey, request, clock()));
    }
    done(check(identities, `addr:${request.ip}`, request, clock()));
  });

  app.addHook("onResponse", (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    if (!secure || reply.statusCode === 429) return done();
    const now = clock();
    if (reply.statusCode < 300) {
      identities?.charge(request.rateKey ?? `addr:${request.ip}`, now);
    } else refusals?.charge(`addr:${request.ip}`, now);
    done();
  });

  const sweeper = setInterval(() => {
    const now = clock();
    identities?.sweep(now);
    refusals?.sweep(now);
  }, SWEEP_INTERVAL_MS);
  sweeper.unref();
  app.addHook("onClose", (_instance, done) => {
    clearInterval(sweeper);
    done();
  });
}
