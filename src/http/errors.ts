// How the HTTP face answers a refusal: the protocol's error-code → status table (src/protocol/errors.ts),
// fastify's own errors mapped to one-line messages, and a 500 without details (logged) for anything unexpected.
import type { FastifyReply, FastifyRequest } from "fastify";
import { type ErrorCode, IpcError } from "../core/errors.js";
import { type ErrorBody, NO_ROUTE_ERROR, STATUS_OF_CODE } from "../protocol/errors.js";
import { OPERATIONS } from "../protocol/index.js";

/** A response to send for an error. */
interface ErrorResponse {
  status: number;
  body: ErrorBody;
  retryAfter?: number;
  /** Unexpected: log it with its stack (never sent). */
  unexpected: boolean;
}

/** The paths of the protocol's GET operations (/ui, /health, ...). */
const GET_PATHS: ReadonlySet<string> = new Set<string>(
  Object.values(OPERATIONS)
    .filter((op) => op.method === "GET")
    .map((op) => op.path),
);

/**
 * Where a GET of a known page with one trailing slash (`/ui/`, as people type it) is sent: the same path
 * without it, query kept (`path` is the URL before its query). Only the protocol's own paths qualify, so
 * no request can name where a redirect goes (`//elsewhere.example/` stays a 404).
 */
function withoutTrailingSlash(request: FastifyRequest, path: string): string | undefined {
  if (request.method !== "GET" && request.method !== "HEAD") return undefined;
  if (path.length < 2 || !path.endsWith("/")) return undefined;
  const bare = path.slice(0, -1);
  return GET_PATHS.has(bare) ? bare + request.url.slice(path.length) : undefined;
}

/** The code that best names a 4xx status of fastify's own errors. */
function codeOfStatus(status: number): ErrorCode {
  switch (status) {
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 409:
      return "conflict";
    case 413:
      return "too_large";
    case 429:
      return "rate_limited";
    default:
      return "invalid_argument";
  }
}

function firstLine(message: string): string {
  const line = message.split("\n", 1)[0] ?? "";
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

/** Maps anything thrown while handling a request to its response. */
export function describeError(err: unknown, bodyLimit: number): ErrorResponse {
  if (err instanceof IpcError) {
    const r: ErrorResponse = {
      status: STATUS_OF_CODE[err.code],
      body: { error: err.code === "internal" ? "internal error" : firstLine(err.message), code: err.code },
      unexpected: err.code === "internal",
    };
    if (err.retryAfter !== undefined) r.retryAfter = err.retryAfter;
    return r;
  }
  const e = err as { code?: unknown; statusCode?: unknown; message?: unknown };
  switch (e.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return reply4xx(413, "too_large", `request body is larger than ${bodyLimit} bytes`);
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return reply4xx(415, "invalid_argument", "unsupported content type; send the body as application/json");
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return reply4xx(400, "invalid_argument", "request body size does not match Content-Length");
    case "FST_ERR_BAD_URL":
      return reply4xx(400, "invalid_argument", "malformed URL");
  }
  if (typeof e.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500) {
    const message = typeof e.message === "string" && e.message ? firstLine(e.message) : "bad request";
    return reply4xx(e.statusCode, codeOfStatus(e.statusCode), message);
  }
  return { status: 500, body: { error: "internal error", code: "internal" }, unexpected: true };
}

function reply4xx(status: number, code: ErrorCode, error: string): ErrorResponse {
  return { status, body: { error, code }, unexpected: false };
}

/**
 * Creates fastify's error handler: one JSON shape, Retry-After for rate limits, unexpected errors logged.
 * `onRefused` hears the code of every error answered (metrics).
 */
export function createErrorHandler(bodyLimit: number, onRefused?: (code: ErrorCode) => void) {
  return function handleError(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
    const r = describeError(err, bodyLimit);
    onRefused?.(r.body.code);
    if (r.unexpected) request.log.error({ req_id: request.id, err }, "unexpected error");
    else if (r.status === 503) request.log.warn({ req_id: request.id, code: r.body.code }, r.body.error);
    if (r.retryAfter !== undefined) reply.header("retry-after", String(Math.max(1, Math.ceil(r.retryAfter))));
    void reply.code(r.status).send(r.body);
  };
}

/** Every method some operation of the protocol takes, in the order an Allow header lists them. */
const METHODS = [...new Set(Object.values(OPERATIONS).map((op) => op.method as string))].sort();

/**
 * The methods this server serves `path` with (none: no such path). Asked of the running server, so a face
 * that is turned off (no /mcp without MCP) counts as absent.
 */
function methodsOfPath(request: FastifyRequest, path: string): string[] {
  return METHODS.filter((method) => request.server.hasRoute({ method: method as "GET", url: path }));
}

/**
 * Creates the answer to requests for routes that do not exist: a 405 naming the methods when the path
 * exists with others (GET /send), else a 404. `onRefused` as for createErrorHandler.
 */
export function createNotFoundHandler(onRefused?: (code: ErrorCode) => void) {
  return function handleNotFound(request: FastifyRequest, reply: FastifyReply): void {
    const path = request.url.split("?", 1)[0] ?? request.url;
    const to = withoutTrailingSlash(request, path);
    if (to !== undefined) {
      void reply.redirect(to, 308);
      return;
    }
    const allowed = methodsOfPath(request, path);
    if (allowed.length > 0) {
      onRefused?.("invalid_argument");
      void reply
        .code(405)
        .header("allow", allowed.join(", "))
        .send({
          error: `${request.method} is not a method of ${path}: it takes ${allowed.join(" or ")}`,
          code: "invalid_argument",
        } satisfies ErrorBody);
      return;
    }
    onRefused?.("not_found");
    void reply.code(404).send({ error: NO_ROUTE_ERROR, code: "not_found" } satisfies ErrorBody);
  };
}
