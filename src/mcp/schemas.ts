// Input and output schemas of the MCP tools (zod): the SDK derives each tool's JSON Schema from them and
// checks arguments and structuredContent against them.
import { z } from "zod";
import { MAX_NAME_CHARS } from "../core/limits.js";
import { DEFAULT_MAX_CHARS, DEFAULT_PAGE, MAX_CHARS, MAX_PAGE } from "./results.js";

/** Longest wait of wait_for_messages, in seconds. */
export const MAX_WAIT_SECONDS = 300;
/** Wait of wait_for_messages when the agent names none, in seconds. */
export const DEFAULT_WAIT_SECONDS = 30;

const channel = z.string().min(1).max(MAX_NAME_CHARS).describe("channel name; @agent is that agent's inbox");
const channels = z
  .array(channel)
  .min(1)
  .max(64)
  .describe('channels to read, oldest message first across them, e.g. ["build", "@me"]');
const page = {
  limit: z
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE)
    .optional()
    .describe(`at most this many messages (default ${DEFAULT_PAGE})`),
  max_chars: z
    .number()
    .int()
    .min(1)
    .max(MAX_CHARS)
    .optional()
    .describe(
      `characters of each content shown; longer ones are cut and stay unread (default ${DEFAULT_MAX_CHARS})`,
    ),
};

/** A message as tools return it. */
export const shownMessage = z.object({
  id: z.number().int(),
  channel: z.string(),
  sender: z.string(),
  content: z.string(),
  timestamp: z.number(),
  signed: z.boolean(),
  cut: z.object({ shown_chars: z.number().int(), total_chars: z.number().int() }).optional(),
});

/** A page of messages. */
export const pageOutput = z.object({
  messages: z.array(shownMessage),
  more: z.boolean().describe("unread messages remain: read again"),
});

export const sendInput = z.object({
  channel,
  content: z.string().min(1).describe("the message text (at most 64 KiB)"),
  idempotency_key: z
    .string()
    .min(1)
    .max(128)
    .optional()
    .describe("a repeat with the same key within 24 h returns the first message's id"),
});
export const sendOutput = z.object({
  id: z.number().int(),
  channel: z.string(),
  signed: z.boolean(),
  duplicate: z.boolean().describe("the key matched an earlier send; nothing new was stored"),
});

export const readInput = z.object({
  channels,
  peek: z.boolean().optional().describe("show without marking them read (default false)"),
  ...page,
});

export const waitInput = z.object({
  channels,
  timeout_seconds: z
    .number()
    .int()
    .min(1)
    .max(MAX_WAIT_SECONDS)
    .optional()
    .describe(
      `give up after this many seconds (default ${DEFAULT_WAIT_SECONDS}, at most ${MAX_WAIT_SECONDS})`,
    ),
  peek: z.boolean().optional().describe("show without marking them read (default false)"),
  ...page,
});
export const waitOutput = pageOutput.extend({
  timed_out: z.boolean().describe("nothing arrived before the timeout"),
});

export const ackInput = z.object({
  channel,
  id: z.number().int().min(0).describe("the last message id read: the watermark moves forward to it"),
});
export const ackOutput = z.object({ channel: z.string(), watermark: z.number().int() });

export const seekInput = z.object({
  channel,
  to: z
    .union([z.number().int().min(0), z.enum(["start", "end"])])
    .describe(
      'a message id (the next read starts after it), "start" to read everything again, or "end" to skip to now',
    ),
});
export const seekOutput = z.object({ channel: z.string(), watermark: z.number().int() });

export const emptyInput = z.object({});

export const channelsOutput = z.object({
  channels: z.array(z.object({ channel: z.string(), count: z.number().int(), last_message: z.number() })),
  total: z.number().int(),
});

export const agentsOutput = z.object({
  agents: z.array(
    z.object({
      name: z.string(),
      role: z.string(),
      identity: z.string(),
      revoked: z.boolean(),
    }),
  ),
  total: z.number().int(),
});

export const whoamiOutput = z.object({
  agent: z.string(),
  inbox: z.string(),
  where: z.string(),
  secure_mode: z.boolean(),
  signing: z.boolean(),
  key_fingerprint: z.string().optional(),
});
