// Shapes of the directory: the channel list, the agent directory, the status and the agent card
// (docs/PROTOCOL.md section 6), with the reference's JSON field names.
import { z } from "zod";
import { doc, named } from "./metadata.js";

/** GET /channels and GET /agents query: one page (the core checks the range and the cursor). */
export const listQuery = z.object({
  limit: doc(z.coerce.number().int().optional(), "entries per page, 1 to 1000, default 100"),
  cursor: doc(z.string().max(1000).optional(), "the X-IPC-Next-Cursor of the previous page"),
});

/** One line of the channel list. */
export const channelInfo = named(
  "Channel",
  z.object({
    channel: z.string(),
    count: doc(z.int(), "messages stored"),
    last_message: doc(z.number(), "Unix seconds of the newest message"),
  }),
);
/** One line of the channel list. */
export type ChannelInfo = z.infer<typeof channelInfo>;

/** The answer to GET /channels: one page, newest activity first. */
export const channelList = z.array(channelInfo);

/** One line of the agent directory (never a key). */
export const agentInfo = named(
  "Agent",
  z.object({
    name: z.string(),
    identity: doc(z.string(), "free one-line identifier given at registration"),
    role: z.enum(["operator", "agent"]),
    registered_by: doc(z.string().nullable(), "the registering operator; null for a seeded one"),
    created_at: doc(z.number(), "Unix seconds"),
    revoked_at: doc(z.number().optional(), "Unix seconds; present once revoked"),
    revoked_by: doc(z.string().nullable().optional(), "the operator who revoked it"),
  }),
);
/** One line of the agent directory. */
export type AgentInfo = z.infer<typeof agentInfo>;

/** The answer to GET /agents: one page, oldest first. */
export const agentList = z.array(agentInfo);

/** GET /health query: both or neither. */
export const healthQuery = z.object({
  channel: doc(z.string().optional(), "with agent: count the agent's unread messages here"),
  agent: doc(z.string().optional(), "with channel: whose unread messages to count"),
});

/** The answer to GET /health. */
export const health = named(
  "Health",
  z.object({
    status: z.literal("ok"),
    pending: doc(z.int(), "unread messages of agent on channel when both are given, else 0"),
    secure_mode: z.boolean(),
  }),
);
/** The answer to GET /health. */
export type Health = z.infer<typeof health>;

/** The A2A-style agent card served at /.well-known/agent-card.json. */
export const agentCard = named(
  "AgentCard",
  z.object({
    name: z.string(),
    description: z.string(),
    url: z.string(),
    version: z.string(),
    did: doc(z.string().nullable(), "did:key of the first operator's public key; null in open mode"),
    secure_mode: z.boolean(),
    capabilities: z.object({
      streaming: z.boolean(),
      longPolling: z.boolean(),
      signatures: z.array(z.string()),
    }),
    endpoints: doc(z.record(z.string(), z.string()), "endpoint name to URL"),
  }),
);
/** The A2A-style agent card. */
export type AgentCard = z.infer<typeof agentCard>;
