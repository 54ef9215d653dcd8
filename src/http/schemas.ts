// Shapes of the HTTP requests (reference JSON field names). They check types only; names, sizes and
// signatures are the core's to judge.
import { z } from "zod";

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

/** GET /stream query (Last-Event-ID may also come as `last_event_id`). */
export const streamQuery = z.object({
  channel: z.string(),
  agent: z.string(),
  autoack: flag,
  last_event_id: z.string().optional(),
});
