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
