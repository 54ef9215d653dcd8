// The one table of the protocol's operations: method, path, input and output schemas and who must prove
// it. The HTTP routes, the OpenAPI document and the clients' calls are derived from it.
import { z } from "zod";
import { rpcRequest, rpcResponse } from "./a2a.js";
import {
  accessQuery,
  accessRuleBody,
  accessRuleList,
  keyEventList,
  keyEventsQuery,
  okMessage,
  registerBody,
  revokeBody,
  rotateBody,
} from "./admin.js";
import {
  channelTail,
  channelTailQuery,
  dashboardAsset,
  dashboardCode,
  dashboardOverview,
  dashboardSession,
  liveQuery,
  signInBody,
  signInQuery,
} from "./dashboard.js";
import { agentCard, agentList, channelList, health, healthQuery, listQuery } from "./directory.js";
import { LAST_EVENT_ID_HEADER, NEXT_CURSOR_HEADER } from "./headers.js";
import {
  ackBody,
  ackResponse,
  deliveredMessage,
  messageList,
  readQuery,
  seekBody,
  sendBatchBody,
  sendBatchResponse,
  sendBody,
  sendResponse,
  streamQuery,
} from "./messages.js";
import { named } from "./metadata.js";
import {
  issuedToken,
  issueTokenBody,
  jsonRpcMessage,
  mcpQuery,
  revokeTokenBody,
  tokenList,
  tokensQuery,
} from "./tokens.js";
import {
  deliveriesQuery,
  deliveryList,
  webhookAddBody,
  webhookAddResponse,
  webhookIdBody,
  webhookList,
} from "./webhooks.js";

/** Who must prove an operation in secure mode. */
export type Proof = "none" | "agent" | "operator";

/** One operation of the protocol. */
export interface Operation {
  /** Its name in clients and in the OpenAPI document (operationId). */
  readonly name: string;
  readonly method: "GET" | "POST";
  readonly path: string;
  /** One line: what it does. */
  readonly summary: string;
  /** The query parameters; absent: none. */
  readonly query?: z.ZodObject;
  /** The JSON request body; absent: none. */
  readonly body?: z.ZodType;
  /** The 200 answer: the JSON body, or for an event stream the data of each event. */
  readonly output: z.ZodType;
  /** Who must prove it in secure mode ("none": nobody). */
  readonly proof: Proof;
  /**
   * Where the proof travels: request proof headers (docs/PROTOCOL.md 4.3), a signature in the body, or the
   * dashboard's session cookie (docs/SECURITY.md, dashboard).
   */
  readonly proofIn?: "headers" | "body" | "cookie";
  /** Who else may prove it, or when it is needed ("only for a pending count"). */
  readonly proofWhen?: string;
  /** The proof is needed only in the case proofWhen names; without it the operation answers less. */
  readonly proofOptional?: boolean;
  /** Reachable without the API key (IPC_API_KEY). Default false. */
  readonly public?: boolean;
  /**
   * "sse": the answer is text/event-stream; "json-or-sse": either, as the request asks; "document": a
   * page of the dashboard, of `contentType`. Default "json".
   */
  readonly answer?: "json" | "sse" | "json-or-sse" | "document";
  /** The media type of a "document" answer. */
  readonly contentType?: string;
  /**
   * Either the API key alone or the proof alone is enough (a scraper holds a bearer token, an operator a
   * key); with neither in secure mode, refused. Default false: the API key, when set, and the proof.
   */
  readonly apiKeyOrProof?: boolean;
  /** Request headers it reads besides the proof. */
  readonly requestHeaders?: readonly string[];
  /** Response headers it may set. */
  readonly responseHeaders?: readonly string[];
}

const PAGED = [NEXT_CURSOR_HEADER, "link"] as const;

/** The answer to GET /openapi.json, checked no further than its frame (a validator checks the rest). */
const openApiDocumentSchema = named(
  "OpenApiDocument",
  z.looseObject({
    openapi: z.literal("3.1.0"),
    info: z.looseObject({ title: z.string(), version: z.string() }),
    paths: z.record(z.string(), z.unknown()),
  }),
);

/** The answer to GET /metrics. */
const metricsText = named(
  "MetricsText",
  z.string().describe("Prometheus text exposition format 0.0.4 (text/plain; version=0.0.4)"),
);

/** Every operation, by name. */
export const OPERATIONS = {
  send: {
    name: "send",
    method: "POST",
    path: "/send",
    summary: "Store one message",
    body: sendBody,
    output: sendResponse,
    proof: "agent",
    proofIn: "body",
  },
  sendBatch: {
    name: "sendBatch",
    method: "POST",
    path: "/send/batch",
    summary: "Store 1 to 1000 messages in one transaction, all or none",
    body: sendBatchBody,
    output: sendBatchResponse,
    proof: "agent",
    proofIn: "body",
  },
  read: {
    name: "read",
    method: "GET",
    path: "/messages",
    summary: "Read an agent's unread messages, oldest first; with wait, long-poll",
    query: readQuery,
    output: messageList,
    proof: "agent",
    proofIn: "headers",
  },
  ack: {
    name: "ack",
    method: "POST",
    path: "/ack",
    summary: "Move an agent's watermark on a channel forward",
    body: ackBody,
    output: ackResponse,
    proof: "agent",
    proofIn: "headers",
  },
  seek: {
    name: "seek",
    method: "POST",
    path: "/seek",
    summary: "Move an agent's watermark on a channel anywhere, also back",
    body: seekBody,
    output: ackResponse,
    proof: "agent",
    proofIn: "headers",
    proofWhen: "by the agent itself, or by an operator for any agent",
  },
  stream: {
    name: "stream",
    method: "GET",
    path: "/stream",
    summary: "Stream an agent's unread messages, then new ones, as Server-Sent Events",
    query: streamQuery,
    output: deliveredMessage,
    proof: "agent",
    proofIn: "headers",
    answer: "sse",
    requestHeaders: [LAST_EVENT_ID_HEADER],
  },
  channels: {
    name: "channels",
    method: "GET",
    path: "/channels",
    summary: "List channels with message counts, newest activity first, one page",
    query: listQuery,
    output: channelList,
    proof: "agent",
    proofIn: "headers",
    proofWhen: "by any registered agent",
    responseHeaders: PAGED,
  },
  agents: {
    name: "agents",
    method: "GET",
    path: "/agents",
    summary: "List the agent directory (never keys), oldest first, one page",
    query: listQuery,
    output: agentList,
    proof: "agent",
    proofIn: "headers",
    proofWhen: "by any registered agent",
    responseHeaders: PAGED,
  },
  health: {
    name: "health",
    method: "GET",
    path: "/health",
    summary: "Status, an agent's pending count on a channel, and the security mode",
    query: healthQuery,
    output: health,
    proof: "agent",
    proofIn: "headers",
    proofWhen: "only for a pending count (channel and agent given), by that agent",
    proofOptional: true,
    public: true,
  },
  agentCard: {
    name: "agentCard",
    method: "GET",
    path: "/.well-known/agent-card.json",
    summary: "The A2A v1.0 agent card of this server",
    output: agentCard,
    proof: "none",
    public: true,
  },
  register: {
    name: "register",
    method: "POST",
    path: "/register",
    summary: "Register an agent under an operator's signature",
    body: registerBody,
    output: okMessage,
    proof: "operator",
    proofIn: "body",
  },
  revoke: {
    name: "revoke",
    method: "POST",
    path: "/revoke",
    summary: "Revoke an agent or operator under an operator's signature",
    body: revokeBody,
    output: okMessage,
    proof: "operator",
    proofIn: "body",
  },
  rotate: {
    name: "rotate",
    method: "POST",
    path: "/rotate",
    summary: "Replace an identity's public key under an operator's signature",
    body: rotateBody,
    output: okMessage,
    proof: "operator",
    proofIn: "body",
  },
  grant: {
    name: "grant",
    method: "POST",
    path: "/grant",
    summary: "Allow an agent read and/or write on a channel pattern, under an operator's signature",
    body: accessRuleBody,
    output: okMessage,
    proof: "operator",
    proofIn: "body",
  },
  deny: {
    name: "deny",
    method: "POST",
    path: "/deny",
    summary: "Refuse an agent read and/or write on a channel pattern, under an operator's signature",
    body: accessRuleBody,
    output: okMessage,
    proof: "operator",
    proofIn: "body",
  },
  unset: {
    name: "unset",
    method: "POST",
    path: "/unset",
    summary: "Remove an agent's rule on a channel pattern, under an operator's signature",
    body: accessRuleBody,
    output: okMessage,
    proof: "operator",
    proofIn: "body",
  },
  accessRules: {
    name: "accessRules",
    method: "GET",
    path: "/access",
    summary: "The channel access rules, of one agent or of all",
    query: accessQuery,
    output: accessRuleList,
    proof: "operator",
    proofIn: "headers",
  },
  keyEvents: {
    name: "keyEvents",
    method: "GET",
    path: "/key-events",
    summary: "The key rotations and the revocation of one identity, oldest first",
    query: keyEventsQuery,
    output: keyEventList,
    proof: "operator",
    proofIn: "headers",
  },
  addWebhook: {
    name: "addWebhook",
    method: "POST",
    path: "/webhooks",
    summary: "Deliver the messages of matching channels to a URL, under an operator's signature",
    body: webhookAddBody,
    output: webhookAddResponse,
    proof: "operator",
    proofIn: "body",
  },
  removeWebhook: {
    name: "removeWebhook",
    method: "POST",
    path: "/webhooks/remove",
    summary: "Remove a webhook, under an operator's signature",
    body: webhookIdBody,
    output: okMessage,
    proof: "operator",
    proofIn: "body",
  },
  enableWebhook: {
    name: "enableWebhook",
    method: "POST",
    path: "/webhooks/enable",
    summary: "Resume a disabled webhook where it stopped, under an operator's signature",
    body: webhookIdBody,
    output: okMessage,
    proof: "operator",
    proofIn: "body",
  },
  webhooks: {
    name: "webhooks",
    method: "GET",
    path: "/webhooks",
    summary: "The webhooks (never their secrets)",
    output: webhookList,
    proof: "operator",
    proofIn: "headers",
  },
  webhookDeliveries: {
    name: "webhookDeliveries",
    method: "GET",
    path: "/webhooks/deliveries",
    summary: "The newest delivery attempts of one webhook",
    query: deliveriesQuery,
    output: deliveryList,
    proof: "operator",
    proofIn: "headers",
  },
  issueToken: {
    name: "issueToken",
    method: "POST",
    path: "/tokens",
    summary: "Issue a bearer token acting as one agent (MCP over HTTP); the answer holds it this once",
    body: issueTokenBody,
    output: issuedToken,
    proof: "operator",
    proofIn: "headers",
  },
  revokeToken: {
    name: "revokeToken",
    method: "POST",
    path: "/tokens/revoke",
    summary: "Revoke a bearer token at once",
    body: revokeTokenBody,
    output: okMessage,
    proof: "operator",
    proofIn: "headers",
  },
  tokens: {
    name: "tokens",
    method: "GET",
    path: "/tokens",
    summary: "The bearer tokens issued, newest first (never their secrets)",
    query: tokensQuery,
    output: tokenList,
    proof: "operator",
    proofIn: "headers",
  },
  mcp: {
    name: "mcp",
    method: "POST",
    path: "/mcp",
    summary: "MCP over Streamable HTTP, stateless: one JSON-RPC message, answered as JSON or an event stream",
    query: mcpQuery,
    body: jsonRpcMessage,
    output: jsonRpcMessage,
    proof: "agent",
    proofIn: "headers",
    proofWhen: "a bearer token from POST /tokens (Authorization: Bearer elipc_...) or request proof headers",
    requestHeaders: ["authorization", "origin", "accept", "mcp-protocol-version"],
  },
  a2a: {
    name: "a2a",
    method: "POST",
    path: "/a2a",
    summary: "The A2A v1.0 JSON-RPC binding: a message to an agent's inbox, and its task",
    body: rpcRequest,
    output: rpcResponse,
    proof: "agent",
    proofIn: "headers",
    proofWhen:
      "or a bearer token from POST /tokens (Authorization: Bearer elipc_...), the scheme the agent card declares",
    answer: "json-or-sse",
    requestHeaders: ["authorization", "a2a-version"],
  },
  uiPage: {
    name: "uiPage",
    method: "GET",
    path: "/ui",
    summary: "The operator dashboard (HTML); in secure mode a signed-in session, else a sign-in page (401)",
    output: dashboardAsset,
    proof: "operator",
    proofIn: "cookie",
    proofWhen: "signed in through el-ipc dashboard; open mode on a loopback address needs none",
    public: true,
    answer: "document",
    contentType: "text/html",
  },
  uiScript: {
    name: "uiScript",
    method: "GET",
    path: "/ui/app.js",
    summary: "The dashboard's script",
    output: dashboardAsset,
    proof: "none",
    public: true,
    answer: "document",
    contentType: "text/javascript",
  },
  uiStyle: {
    name: "uiStyle",
    method: "GET",
    path: "/ui/app.css",
    summary: "The dashboard's style sheet",
    output: dashboardAsset,
    proof: "none",
    public: true,
    answer: "document",
    contentType: "text/css",
  },
  uiCode: {
    name: "uiCode",
    method: "POST",
    path: "/ui/sessions",
    summary: "Create a one-time dashboard sign-in code (el-ipc dashboard), valid 60 s",
    output: dashboardCode,
    proof: "operator",
    proofIn: "headers",
    proofWhen: "or, with no operator seeded, the API key alone",
  },
  uiSignInPage: {
    name: "uiSignInPage",
    method: "GET",
    path: "/ui/sign-in",
    summary: "The sign-in page of a one-time code: a form that posts it (the code is not used yet)",
    query: signInQuery,
    output: dashboardAsset,
    proof: "none",
    public: true,
    answer: "document",
    contentType: "text/html",
  },
  uiSignIn: {
    name: "uiSignIn",
    method: "POST",
    path: "/ui/sign-in",
    summary: "Exchange a one-time code for a session cookie (HttpOnly, SameSite=Strict); 303 to /ui",
    body: signInBody,
    output: dashboardAsset,
    proof: "none",
    public: true,
    answer: "document",
    contentType: "text/html",
    requestHeaders: ["origin"],
  },
  uiSignOut: {
    name: "uiSignOut",
    method: "POST",
    path: "/ui/sign-out",
    summary: "End the dashboard session at once",
    output: okMessage,
    proof: "operator",
    proofIn: "cookie",
    public: true,
    requestHeaders: ["origin", "x-csrf-token"],
  },
  uiSession: {
    name: "uiSession",
    method: "GET",
    path: "/ui/api/session",
    summary: "Who the dashboard acts for, and its CSRF token",
    output: dashboardSession,
    proof: "operator",
    proofIn: "cookie",
    proofWhen: "open mode on a loopback address needs none",
    public: true,
  },
  uiOverview: {
    name: "uiOverview",
    method: "GET",
    path: "/ui/api/overview",
    summary: "Channels, agents with their last message, and unread counts per agent and channel",
    output: dashboardOverview,
    proof: "operator",
    proofIn: "cookie",
    proofWhen: "open mode on a loopback address needs none",
    public: true,
  },
  uiMessages: {
    name: "uiMessages",
    method: "GET",
    path: "/ui/api/messages",
    summary: "The newest messages of a channel, oldest first, moving no watermark",
    query: channelTailQuery,
    output: channelTail,
    proof: "operator",
    proofIn: "cookie",
    proofWhen: "open mode on a loopback address needs none",
    public: true,
  },
  uiLive: {
    name: "uiLive",
    method: "GET",
    path: "/ui/api/live",
    summary: "New messages of a channel as Server-Sent Events, moving no watermark",
    query: liveQuery,
    output: deliveredMessage,
    proof: "operator",
    proofIn: "cookie",
    proofWhen: "open mode on a loopback address needs none",
    public: true,
    answer: "sse",
  },
  uiSend: {
    name: "uiSend",
    method: "POST",
    path: "/ui/api/send",
    summary: "Store one message signed in the page (the key never leaves it), as POST /send does",
    body: sendBody,
    output: sendResponse,
    proof: "operator",
    proofIn: "cookie",
    proofWhen: "and the message's own signature by its sender in secure mode",
    public: true,
    requestHeaders: ["origin", "x-csrf-token"],
  },
  openapi: {
    name: "openapi",
    method: "GET",
    path: "/openapi.json",
    summary: "This description of the protocol, as OpenAPI 3.1",
    output: openApiDocumentSchema,
    proof: "none",
  },
  metrics: {
    name: "metrics",
    method: "GET",
    path: "/metrics",
    summary: "The server's metrics in the Prometheus text format",
    output: metricsText,
    proof: "operator",
    proofIn: "headers",
    proofWhen: "or the API key alone (a scraper's bearer token)",
    apiKeyOrProof: true,
    answer: "document",
    contentType: "text/plain",
  },
} as const satisfies Record<string, Operation>;

/** The OpenAPI document GET /openapi.json answers. */
export type OpenApiDocument = z.infer<typeof openApiDocumentSchema>;

/** The operations' names. */
export type OperationName = keyof typeof OPERATIONS;

type Op<N extends OperationName> = (typeof OPERATIONS)[N];

/** The query parameters of operation `N`, as a client gives them. */
export type QueryOf<N extends OperationName> =
  Op<N> extends { query: z.ZodType } ? z.input<Op<N>["query"]> : never;

/** The request body of operation `N`, as it travels. */
export type BodyOf<N extends OperationName> =
  Op<N> extends { body: z.ZodType } ? z.input<Op<N>["body"]> : never;

/** The 200 answer of operation `N` (for a stream: one event's data). */
export type OutputOf<N extends OperationName> = z.output<Op<N>["output"]>;

export { targetOf } from "./target.js";

/** Paths where the proof alone is enough, without the API key (operations with apiKeyOrProof). */
export const KEY_OR_PROOF_PATHS: ReadonlySet<string> = new Set(
  Object.values(OPERATIONS as Record<string, Operation>)
    .filter((op) => op.apiKeyOrProof)
    .map((op) => op.path),
);

/** Paths reachable without the API key. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(
  Object.values(OPERATIONS as Record<string, Operation>)
    .filter((op) => op.public)
    .map((op) => op.path),
);

/** The query parameters of operation `N` once its schema has parsed them; undefined when it has none. */
export type ParsedQueryOf<N extends OperationName> =
  Op<N> extends { query: z.ZodType } ? z.output<Op<N>["query"]> : undefined;

/** The request body of operation `N` once its schema has parsed it; undefined when it has none. */
export type ParsedBodyOf<N extends OperationName> =
  Op<N> extends { body: z.ZodType } ? z.output<Op<N>["body"]> : undefined;
