// Shapes of the HTTP requests (reference JSON field names). They check types only; names, sizes and
// signatures are the core's to judge.
import { z } from "zod";
import { validate } from "./input.js";

/** The longest long-poll a client may ask for, in seconds. */
export const MAX_WAIT_SECONDS = 300;
/** The long-poll length when the client gives none, in seconds. */
export const DEFAULT_WAIT_SECONDS = 30;

/** One message of POST /send and POST /send/batch. */
export const sendBody = z.object({
  channel: z.string(),
  sender: z.string(),
  content: z.string(),
  signature: z.string().optional(),
  signed_at: z.int().optional(),
  nonce: z.string().optional(),
  key: z.string().optional(),
});

/** POST /send/batch. */
export const sendBatchBody = z.object({ messages: z.array(sendBody).min(1) });

type SendBody = z.output<typeof sendBody>;

const optional = (v: unknown, type: "string" | "int"): boolean =>
  v === undefined || (type === "string" ? typeof v === "string" : Number.isSafeInteger(v));

/** True when `b` passes `sendBody` as it is (the check zod makes, written out for the hot path). */
function isSendBody(b: unknown): b is SendBody {
  if (typeof b !== "object" || b === null || Array.isArray(b)) return false;
  const m = b as Record<string, unknown>;
  return (
    typeof m.channel === "string" &&
    typeof m.sender === "string" &&
    typeof m.content === "string" &&
    optional(m.signature, "string") &&
    optional(m.signed_at, "int") &&
    optional(m.nonce, "string") &&
    optional(m.key, "string")
  );
}

/**
 * The body of POST /send. Validating with zod costs about a tenth of a send, so well-formed bodies
 * (nearly all) pass a plain check and zod only explains what is wrong with the others.
 */
export function parseSendBody(input: unknown): SendBody {
  return isSendBody(input) ? input : validate(sendBody, input, "body");
}

/** The body of POST /send/batch, checked as parseSendBody checks one message. */
export function parseSendBatchBody(input: unknown): { messages: SendBody[] } {
  const messages = (input as { messages?: unknown } | null)?.messages;
  if (Array.isArray(messages) && messages.length > 0 && messages.every(isSendBody)) return { messages };
  return validate(sendBatchBody, input, "body");
}

/** POST /register: an operator-signed registration. */
export const registerBody = z.object({
  name: z.string(),
  public_key: z.string(),
  identity: z.string().optional(),
  operator: z.string(),
  signed_at: z.int(),
  nonce: z.string(),
  signature: z.string(),
});

/** POST /ack. */
export const ackBody = z.object({
  channel: z.string(),
  agent: z.string(),
  id: z.int().min(0),
});

/** POST /seek: `to` is a message id, "start" or "end". */
export const seekBody = z.object({
  channel: z.string(),
  agent: z.string(),
  to: z.union([z.int().min(0), z.enum(["start", "end"])], {
    error: (issue) => (issue.input === undefined ? "is required" : "must be a message id, start or end"),
  }),
});

const flag = z
  .enum(["true", "false", "1", "0"])
  .optional()
  .transform((v) => v === "true" || v === "1");

/** GET /messages query. */
export const readQuery = z.object({
  channel: z.string(),
  agent: z.string(),
  wait: flag,
  peek: flag,
  limit: z
    .string()
    .regex(/^\d{1,9}$/, "must be a positive integer")
    .transform(Number)
    .optional(),
  timeout: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return DEFAULT_WAIT_SECONDS;
      const n = Number(v);
      if (v.trim() === "" || !(n >= 0 && n <= MAX_WAIT_SECONDS)) {
        ctx.issues.push({
          code: "custom",
          input: v,
          message: `must be a number of seconds from 0 to ${MAX_WAIT_SECONDS}`,
        });
        return z.NEVER;
      }
      return n;
    }),
});

/** GET /health query. */
export const healthQuery = z.object({
  channel: z.string().optional(),
  agent: z.string().optional(),
});

/** GET /channels and GET /agents query: one page (core/listings.ts checks the range and the cursor). */
export const listQuery = z.object({
  limit: z.coerce.number().int().optional(),
  cursor: z.string().max(1000).optional(),
});

/** GET /stream query (Last-Event-ID may also come as `last_event_id`). */
export const streamQuery = z.object({
  channel: z.string(),
  agent: z.string(),
  autoack: flag,
  last_event_id: z.string().optional(),
});

/** GET /access query: the rules of one agent, or of all when `agent` is absent. */
export const accessQuery = z.object({
  agent: z.string().optional(),
});

/** GET /key-events query. */
export const keyEventsQuery = z.object({
  name: z.string().min(1, "is required"),
});
