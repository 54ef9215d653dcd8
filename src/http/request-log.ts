// Request ids and request log lines. Every request gets an id (a sane incoming X-Request-ID, else a new
// one), answered as X-Request-ID; with request logging on, one line per request: id, route pattern,
// status, duration and the proven agent. Never a URL, header, body, key, signature, token or content.
import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/** The header that carries a request's id, both ways. */
export const REQUEST_ID_HEADER = "x-request-id";

/**
 * What an incoming id may be: 1 to 128 characters of letters, digits and `._:-` (UUIDs, trace ids,
 * proxies' ids). Anything else is replaced, so a client cannot forge log lines or inject markup.
 */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

declare module "fastify" {
  interface FastifyRequest {
    /** The agent the request was proven by (request proof, bearer token, signed body); for the log. */
    provenAgent: string | undefined;
  }
  interface FastifyInstance {
    /**
     * Logs the line of a request whose route answered through the raw response (an event stream: no
     * onResponse hook runs for it), once it ended; undefined while request logging is off.
     */
    logRequestEnd: ((request: FastifyRequest, reply: FastifyReply, status: number) => void) | undefined;
  }
}

/**
 * Creates fastify's genReqId: the caller's X-Request-ID when it is sane, else `<boot id>-<counter>`
 * (unique across restarts without a random draw per request).
 */
export function createRequestIds(): (req: IncomingMessage) => string {
  const boot = randomBytes(4).toString("hex");
  let next = 0;
  return (req) => {
    const given = req.headers[REQUEST_ID_HEADER];
    if (typeof given === "string" && SANE_REQUEST_ID.test(given)) return given;
    next++;
    return `${boot}-${next.toString(36)}`;
  };
}

/** Answers every request's id as X-Request-ID and, when `logRequests`, logs one line per request at info. */
export function installRequestLog(app: FastifyInstance, o: { logRequests: boolean }): void {
  app.decorateRequest("provenAgent", undefined);
  app.addHook("onRequest", (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  const line = (request: FastifyRequest, status: number, ms: number): void =>
    app.log.info(
      {
        req_id: request.id,
        method: request.method,
        route: request.routeOptions.url ?? "(unmatched)",
        status,
        ms: Math.round(ms * 100) / 100,
        remote: request.ip,
        ...(request.provenAgent !== undefined ? { agent: request.provenAgent } : {}),
      },
      "request",
    );
  const logEnd = (request: FastifyRequest, reply: FastifyReply, status: number): void =>
    line(request, status, reply.elapsedTime);
  app.decorate("logRequestEnd", o.logRequests ? logEnd : undefined);
  if (!o.logRequests) return;
  app.addHook("onResponse", (request, reply, done) => {
    line(request, reply.statusCode, reply.elapsedTime);
    done();
  });
}
