// Request input of the HTTP face: the JSON body parser that keeps the raw bytes (request proofs sign
// them), and schema validation that turns the first problem into one invalid_argument line.
import { isUtf8 } from "node:buffer";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { z } from "zod";
import { IpcError } from "../core/errors.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The request body exactly as received; null when there was none. */
    rawBody: Buffer | null;
  }
}

/** On a parsed query: the first field whose name or value was not percent-encoded UTF-8 (`%ff`, `%zz`). */
export const BAD_QUERY_FIELD = Symbol("bad query field");

/** A parsed query string: repeated fields become arrays, as fastify's own parser makes them. */
export type ParsedQuery = Record<string, string | string[]> & { [BAD_QUERY_FIELD]?: string };

/** `s` with `+` as a space and its percent escapes decoded; undefined when they are no UTF-8. */
function decodeQueryPart(s: string): string | undefined {
  if (!s.includes("%") && !s.includes("+")) return s;
  try {
    return decodeURIComponent(s.replaceAll("+", " "));
  } catch {
    return undefined;
  }
}

/**
 * The HTTP face's query parser. Unlike fastify's default, which turns a stray `%ff` into U+FFFD (so
 * `?channel=%ff` quietly named a channel "\uFFFD"), a field that does not decode is left out and named
 * under BAD_QUERY_FIELD, and the operation's route refuses the request with 400.
 */
export function parseQuery(query: string): ParsedQuery {
  // No prototype: a field named __proto__ is a field like any other.
  const out = Object.create(null) as ParsedQuery;
  if (query.length === 0) return out;
  for (const pair of query.split("&")) {
    if (pair.length === 0) continue;
    const eq = pair.indexOf("=");
    const rawName = eq < 0 ? pair : pair.slice(0, eq);
    const name = decodeQueryPart(rawName);
    const value = decodeQueryPart(eq < 0 ? "" : pair.slice(eq + 1));
    if (name === undefined || value === undefined) {
      out[BAD_QUERY_FIELD] ??= name ?? rawName;
      continue;
    }
    const had = out[name];
    if (had === undefined) out[name] = value;
    else if (Array.isArray(had)) had.push(value);
    else out[name] = [had, value];
  }
  return out;
}

/** Refuses a query that parseQuery found a field in that does not decode. */
export function checkQueryEncoding(query: unknown): void {
  const bad = (query as ParsedQuery | undefined)?.[BAD_QUERY_FIELD];
  if (bad === undefined) return;
  throw new IpcError(
    "invalid_argument",
    `query field ${JSON.stringify(bad.slice(0, 40))} is not percent-encoded UTF-8 (a % must start an escape of UTF-8 bytes, e.g. %C3%A9 for é)`,
  );
}

/**
 * Makes application/json the only accepted body type (anything else is 415), keeps the raw bytes on
 * `request.rawBody` and refuses invalid UTF-8 and malformed JSON with 400.
 */
export function acceptJsonBodies(app: FastifyInstance): void {
  app.decorateRequest("rawBody", null);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (request, body, done) => {
    const raw = body as Buffer;
    request.rawBody = raw;
    if (raw.length === 0) {
      done(new IpcError("invalid_argument", "request body is empty; send a JSON object"), undefined);
      return;
    }
    if (!isUtf8(raw)) {
      done(new IpcError("invalid_argument", "request body is not valid UTF-8"), undefined);
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString("utf8"));
    } catch (e) {
      done(new IpcError("invalid_argument", `malformed JSON: ${(e as Error).message}`), undefined);
      return;
    }
    done(null, parsed);
  });
}

/** The raw body of a request, or an empty buffer when it had none. */
export function rawBodyOf(request: FastifyRequest): Buffer | string {
  return request.rawBody ?? "";
}

function describeType(input: unknown): string {
  if (input === null) return "null";
  if (Array.isArray(input)) return "an array";
  return typeof input === "object" ? "an object" : `a ${typeof input}`;
}

// Per-parse zod error map: the message says what is wrong; the path is added by `validate`.
const errorMap = (issue: z.core.$ZodRawIssue): string | undefined => {
  switch (issue.code) {
    case "invalid_type": {
      if (issue.input === undefined) return "is required";
      // A query value coerced to a number: NaN is text that is no number (or none given).
      if (typeof issue.input === "number" && Number.isNaN(issue.input))
        return issue.expected === "int" ? "must be a whole number" : "must be a number";
      if (issue.expected === "int" && typeof issue.input === "number") return "must be an integer";
      const expected =
        issue.expected === "object"
          ? "a JSON object"
          : issue.expected === "int"
            ? "an integer"
            : issue.expected === "array"
              ? "an array"
              : `a ${issue.expected}`;
      return `must be ${expected}, not ${describeType(issue.input)}`;
    }
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "too_small":
      return issue.origin === "array"
        ? `must have at least ${issue.minimum} item(s)`
        : `must be at least ${issue.minimum}`;
    case "too_big":
      return issue.origin === "array"
        ? `must have at most ${issue.maximum} item(s)`
        : issue.origin === "string"
          ? `must be at most ${issue.maximum} characters`
          : `must be at most ${issue.maximum}`;
    default:
      return undefined;
  }
};

function pathOf(path: readonly PropertyKey[], what: string): string {
  if (path.length === 0) return what;
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out === "" ? String(p) : `.${String(p)}`;
  return out;
}

/**
 * Validates `input` against `schema`; on failure throws invalid_argument naming the first bad field.
 * `what` names the whole input ("body", "query") when the problem is at its root.
 */
export function validate<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const r = schema.safeParse(input, { error: errorMap });
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  if (!issue) throw new IpcError("invalid_argument", `${what} is invalid`);
  // Our messages continue the field name ("is required"); zod's own are sentences ("Invalid input").
  const sep = /^[A-Z]/.test(issue.message) ? ": " : " ";
  throw new IpcError("invalid_argument", `${pathOf(issue.path, what)}${sep}${issue.message}`);
}
