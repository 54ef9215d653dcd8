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

/** The A2A v1.0 AgentCard served at /.well-known/agent-card.json (A2A section 8; proto JSON, defaults left out). */
export const agentCard = named(
  "AgentCard",
  z.object({
    name: z.string(),
    description: z.string(),
    version: z.string(),
    supportedInterfaces: z.array(
      z.object({ url: z.string(), protocolBinding: z.literal("JSONRPC"), protocolVersion: z.literal("1.0") }),
    ),
    capabilities: z.object({
      streaming: z.boolean(),
      pushNotifications: z.boolean(),
      extensions: doc(
        z.array(
          z.object({
            uri: z.string(),
            description: z.string(),
            params: z.object({ did: z.string().optional(), secureMode: z.boolean() }),
          }),
        ),
        "the did:key extension: the first operator's did:key and whether secure mode is on",
      ),
    }),
    securitySchemes: doc(
      z
        .record(
          z.string(),
          z.object({
            httpAuthSecurityScheme: z.object({
              scheme: z.string(),
              bearerFormat: z.string(),
              description: z.string(),
            }),
          }),
        )
        .optional(),
      "secure mode only: a bearer token an operator issued",
    ),
    securityRequirements: z.array(z.object({ schemes: z.record(z.string(), z.object({})) })).optional(),
    defaultInputModes: z.array(z.string()),
    defaultOutputModes: z.array(z.string()),
    skills: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        description: z.string(),
        tags: z.array(z.string()),
        examples: z.array(z.string()),
      }),
    ),
    signatures: doc(
      z.array(z.object({ protected: z.string(), signature: z.string() })).optional(),
      "with IPC_CARD_KEY: JWS EdDSA over the card's RFC 8785 form",
    ),
  }),
);
/** The A2A v1.0 agent card. */
export type AgentCard = z.infer<typeof agentCard>;
