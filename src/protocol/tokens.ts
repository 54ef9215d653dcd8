// Shapes of the bearer tokens an operator issues for one agent (docs/PROTOCOL.md, tokens), and of /mcp,
// the MCP endpoint that takes them.
import { z } from "zod";
import { doc, named } from "./metadata.js";

/** POST /tokens. */
export const issueTokenBody = named(
  "IssueTokenBody",
  z.object({
    agent: doc(z.string(), "the agent the token acts as"),
    ttl_seconds: doc(z.int().optional(), "lifetime in seconds: 60 to 7776000 (90 days), default 86400"),
  }),
);

/** The answer to POST /tokens: the token itself, shown this once. */
export const issuedToken = named(
  "IssuedToken",
  z.object({
    ok: z.literal(true),
    token: doc(z.string(), "elipc_<16 hex digits>.<43 base64url characters>"),
    id: doc(z.string(), "the token's public id, by which it is listed and revoked"),
    agent: z.string(),
    expires_at: doc(z.number(), "Unix seconds"),
  }),
);

/** POST /tokens/revoke. */
export const revokeTokenBody = named("RevokeTokenBody", z.object({ id: doc(z.string(), "16 hex digits") }));

/** GET /tokens. */
export const tokensQuery = z.object({ agent: doc(z.string().optional(), "only this agent's tokens") });

/** GET /tokens: the tokens, newest first, never their secrets. */
export const tokenList = named(
  "TokenList",
  z.array(
    z.object({
      id: z.string(),
      agent: z.string(),
      issued_by: z.string(),
      created_at: doc(z.number(), "Unix seconds"),
      expires_at: doc(z.number(), "Unix seconds"),
      revoked_at: z.number().optional(),
      revoked_by: z.string().optional(),
    }),
  ),
);

/** GET /mcp's query: the agent, in open mode. */
export const mcpQuery = z.object({
  agent: doc(
    z.string().optional(),
    "open mode: the agent the MCP client acts as; secure mode: the proven one, if given",
  ),
});

/** POST /mcp: one JSON-RPC message of the Model Context Protocol, and its answer (JSON or SSE). */
export const jsonRpcMessage = named(
  "JsonRpcMessage",
  z.looseObject({ jsonrpc: z.literal("2.0") }).describe("a JSON-RPC 2.0 message (MCP, Streamable HTTP)"),
);
