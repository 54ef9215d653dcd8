// Shapes of sending, reading, acknowledging and streaming messages (docs/PROTOCOL.md section 6), with
// the reference's JSON field names. They check types only; names, sizes and signatures are the core's.
import { z } from "zod";
import { doc, named } from "./metadata.js";

/** The longest long-poll a client may ask for, in seconds. */
export const MAX_WAIT_SECONDS = 300;
/** The long-poll length when the client gives none, in seconds. */
export const DEFAULT_WAIT_SECONDS = 30;

const CHANNELS = "channel name, or up to 64 names separated by commas";

/** One message of POST /send and POST /send/batch. */
export const sendBody = named(
  "SendBody",
  z.object({
    channel: doc(z.string(), "channel name, or @agent for a direct inbox"),
    sender: doc(z.string(), "sending agent"),
    content: doc(z.string(), "message text, any UTF-8"),
    signature: doc(z.string().optional(), "base64 Ed25519 signature; required in secure mode"),
    signed_at: doc(z.int().optional(), "v2 envelope: Unix ms the sender signed at"),
    nonce: doc(z.string().optional(), "v2 envelope: 16 to 64 characters of [A-Za-z0-9_-]"),
    key: doc(z.string().optional(), "idempotency key, 1 to 128 characters"),
  }),
  "a message to store",
);
/** One message of POST /send, as it travels. */
export type SendBody = z.infer<typeof sendBody>;

/** The answer to POST /send. */
export const sendResponse = named(
  "SendResponse",
  z.object({
    ok: z.literal(true),
    id: doc(z.int(), "the message id"),
    channel: z.string(),
    signed: doc(z.boolean(), "a signature was stored with it (verified in secure mode)"),
    duplicate: doc(z.boolean(), "the idempotency key matched an earlier send: nothing new was stored"),
  }),
);
/** The answer to POST /send. */
export type SendResponse = z.infer<typeof sendResponse>;

/** POST /send/batch. */
export const sendBatchBody = named(
  "SendBatchBody",
  z.object({ messages: doc(z.array(sendBody).min(1), "1 to 1000 messages, stored all or none") }),
);
/** POST /send/batch, as it travels. */
export type SendBatchBody = z.infer<typeof sendBatchBody>;

/** The answer to POST /send/batch. */
export const sendBatchResponse = named(
  "SendBatchResponse",
  z.object({ ok: z.literal(true), ids: doc(z.array(z.int()), "the ids, in the order of the request") }),
);

/** A yes/no query parameter: true or 1, false or 0; absent is false. A new schema per use (each is described). */
const flag = () =>
  z
    .enum(["true", "false", "1", "0"])
    .optional()
    .transform((v) => v === "true" || v === "1");

/** GET /messages query. */
export const readQuery = z.object({
  channel: doc(z.string(), CHANNELS),
  agent: doc(z.string(), "reading agent"),
  wait: doc(flag(), "true (or 1): block until at least one message is there (long poll)"),
  peek: doc(flag(), "true (or 1): do not move the watermark (acknowledge later with POST /ack)"),
  limit: doc(
    z
      .string()
      .regex(/^\d{1,9}$/, "must be a positive integer")
      .transform(Number)
      .optional(),
    "page size, default 100, at most 1000",
  ),
  timeout: doc(
    z
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
    `with wait: longest wait in seconds, 0 to ${MAX_WAIT_SECONDS}, default ${DEFAULT_WAIT_SECONDS}`,
  ),
});

/** A message as delivered to a reader (GET /messages, GET /stream). */
export const deliveredMessage = named(
  "Message",
  z.object({
    id: z.int(),
    channel: z.string(),
    sender: z.string(),
    content: z.string(),
    timestamp: doc(z.number(), "Unix seconds when stored"),
    signed: doc(z.literal(true).optional(), "present on signed messages only"),
    signature: doc(z.string().optional(), "base64 Ed25519 signature"),
    sig_version: doc(z.union([z.literal(1), z.literal(2)]).optional(), "1: reference form, 2: envelope"),
    signed_at: doc(z.int().optional(), "v2: Unix ms the sender signed at"),
    nonce: doc(z.string().optional(), "v2: the sender's nonce"),
  }),
  "a stored message",
);
/** A message as delivered to a reader. */
export type Delivered = z.infer<typeof deliveredMessage>;

/** The answer to GET /messages: the unread messages, oldest first. */
export const messageList = z.array(deliveredMessage);

/** POST /ack. */
export const ackBody = named(
  "AckBody",
  z.object({
    channel: z.string(),
    agent: z.string(),
    id: doc(z.int().min(0), "move the watermark forward to this message id"),
  }),
);

/** The answer to POST /ack. */
export const ackResponse = named(
  "AckResponse",
  z.object({ ok: z.literal(true), watermark: doc(z.int(), "the watermark as it now is") }),
);

/** POST /seek: `to` is a message id, "start" or "end". */
export const seekBody = named(
  "SeekBody",
  z.object({
    channel: z.string(),
    agent: doc(z.string(), "whose watermark moves"),
    to: doc(
      z.union([z.int().min(0), z.enum(["start", "end"])], {
        error: (issue) => (issue.input === undefined ? "is required" : "must be a message id, start or end"),
      }),
      "a message id, start (nothing read) or end (everything read); forward or back",
    ),
  }),
);

/** GET /stream query (Last-Event-ID may also come as `last_event_id`). */
export const streamQuery = z.object({
  channel: doc(z.string(), CHANNELS),
  agent: doc(z.string(), "reading agent"),
  autoack: doc(flag(), "true (or 1): move the watermark past each event as it is written"),
  last_event_id: doc(
    z.string().optional(),
    "resume after this message id (or multi-channel cursor such as 42,,17), for clients that cannot set Last-Event-ID",
  ),
});
