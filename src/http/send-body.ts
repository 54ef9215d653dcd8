// The fast path of POST /send and /send/batch: a hand-written check that well-formed bodies (nearly all)
// pass without zod, which only explains what is wrong with the others. Tested against the schema
// (test/http/send-body.test.ts), so skipping zod changes nothing about what is stored or refused.
import { type SendBatchBody, type SendBody, sendBatchBody, sendBody } from "../protocol/messages.js";
import { validate } from "./input.js";

const optional = (v: unknown, type: "string" | "int"): boolean =>
  v === undefined || (type === "string" ? typeof v === "string" : Number.isSafeInteger(v));

/** True when `b` passes `sendBody` as it is (the check zod makes, written out for the hot path). */
export function isSendBody(b: unknown): b is SendBody {
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

/** The body of POST /send. Validating with zod costs about a tenth of a send, so it runs only on refusals. */
export function parseSendBody(input: unknown): SendBody {
  return isSendBody(input) ? input : validate(sendBody, input, "body");
}

/** The body of POST /send/batch, checked as parseSendBody checks one message. */
export function parseSendBatchBody(input: unknown): SendBatchBody {
  const messages = (input as { messages?: unknown } | null)?.messages;
  if (Array.isArray(messages) && messages.length > 0 && messages.every(isSendBody)) return { messages };
  return validate(sendBatchBody, input, "body");
}
