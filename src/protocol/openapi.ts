// The OpenAPI 3.1 description of the protocol (GET /openapi.json, docs/API.md), generated from the
// operation table and its zod schemas: nothing in it is written by hand but the prose.
import { z } from "zod";
import { ERROR_CODES, errorBody, STATUS_OF_CODE } from "./errors.js";
import { LAST_EVENT_ID_HEADER, NEXT_CURSOR_HEADER, PROOF_HEADERS, UI_SESSION_COOKIE } from "./headers.js";
import { PROTOCOL_METADATA } from "./metadata.js";
import { OPERATIONS, type OpenApiDocument, type Operation } from "./operations.js";

/** A JSON value of the document. */
type Json = Record<string, unknown>;

/** What the document says about the server it describes. */
export interface OpenApiOptions {
  /** info.version: el-ipc's version. */
  version: string;
  /** The server's base URL, when known (servers[0]). Default none. */
  serverUrl?: string;
}

/** Names of the security schemes of the request proof, one per header. */
const PROOF_SCHEMES = {
  ipcAgent: {
    header: PROOF_HEADERS.agent,
    description:
      "who proves the request: the agent's name, or UTF-8'' and its percent-encoded UTF-8 when it is not printable ASCII (docs/PROTOCOL.md 4.3)",
  },
  ipcTimestamp: { header: PROOF_HEADERS.timestamp, description: "Unix ms the proof was signed at" },
  ipcNonce: { header: PROOF_HEADERS.nonce, description: "16 to 64 characters of [A-Za-z0-9_-], used once" },
  ipcSignature: {
    header: PROOF_HEADERS.signature,
    description:
      "base64 Ed25519 signature over el-ipc/request/v1, method, target, body SHA-256, agent, timestamp and nonce (docs/PROTOCOL.md 4.3)",
  },
} as const;

const PROOF_REQUIREMENT = Object.fromEntries(Object.keys(PROOF_SCHEMES).map((k) => [k, []]));

/** What the request headers operations read mean. */
const HEADER_NOTES: Record<string, string> = {
  "a2a-version": "the A2A protocol version; 1.0",
  authorization: "Bearer <token from POST /tokens>, or the API key",
  origin: "/mcp: checked against the allowed origins (DNS rebinding); /ui: must be this server's own",
  accept: "application/json and text/event-stream",
  "mcp-protocol-version": "the MCP protocol version",
  "x-csrf-token": "the dashboard session's CSRF token (GET /ui/api/session)",
};

/** Header names as documented (X-IPC-Agent), from the lower-case names Node uses. */
function displayHeader(name: string): string {
  if (name === LAST_EVENT_ID_HEADER) return "Last-Event-ID";
  if (name === "a2a-version") return "A2A-Version";
  if (name === "mcp-protocol-version") return "MCP-Protocol-Version";
  if (name === "x-csrf-token") return "X-CSRF-Token";
  return name
    .replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase())
    .replace(/Ipc/, "IPC");
}

/** Converts one schema; named sub-schemas go to `defs` and are referenced from components. */
function jsonSchema(schema: z.ZodType, io: "input" | "output", defs: Json): Json {
  const out = z.toJSONSchema(schema, {
    metadata: PROTOCOL_METADATA,
    io,
    target: "draft-2020-12",
    unrepresentable: "any",
    // Clients must ignore fields they do not know (docs/PROTOCOL.md 1): answers are open objects.
    override: (ctx) => {
      if (io === "output" && ctx.jsonSchema.additionalProperties === false) {
        delete ctx.jsonSchema.additionalProperties;
      }
    },
  }) as Json;
  const rewritten = JSON.parse(JSON.stringify(out).replaceAll('"#/$defs/', '"#/components/schemas/')) as Json;
  const { $schema: _, $defs, ...rest } = rewritten;
  for (const [id, def] of Object.entries(($defs as Json | undefined) ?? {})) {
    // One name per schema: an input and an output form of one schema would be two (none are today).
    if (id in defs && JSON.stringify(defs[id]) !== JSON.stringify(def)) {
      throw new Error(`schema ${id} differs between its input and output forms`);
    }
    defs[id] = def;
  }
  return rest;
}

/** The query parameters of an operation, one per property of its query schema. */
function queryParameters(op: Operation, defs: Json): Json[] {
  if (!op.query) return [];
  const s = jsonSchema(op.query, "input", defs);
  const required = new Set((s.required as string[] | undefined) ?? []);
  return Object.entries((s.properties as Record<string, Json>) ?? {}).map(([name, prop]) => {
    const { description, ...schema } = prop;
    return {
      name,
      in: "query",
      required: required.has(name),
      ...(description !== undefined ? { description } : {}),
      schema,
    };
  });
}

/** Why a status may come, from the codes that map to it. */
function statusDescription(status: number): string {
  const codes = ERROR_CODES.filter((c) => STATUS_OF_CODE[c] === status);
  if (status === 400) return "invalid_argument: a missing or malformed field, name, nonce, time or body";
  return codes.join(", ");
}

/** Every error status of the protocol, with the codes behind it. */
function errorStatuses(): number[] {
  return [...new Set([...Object.values(STATUS_OF_CODE), 415])].sort((a, b) => a - b);
}

function errorResponses(): Json {
  const out: Json = {};
  for (const status of errorStatuses()) {
    const retry = status === 429 || status === 503;
    out[`E${status}`] = {
      description:
        status === 415 ? "invalid_argument: the body is not application/json" : statusDescription(status),
      ...(retry
        ? {
            headers: {
              "Retry-After": { description: "seconds to wait before retrying", schema: { type: "integer" } },
            },
          }
        : {}),
      content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
    };
  }
  return out;
}

function proofText(op: Operation): string {
  if (op.proof === "none") {
    return op.public
      ? "Public: no proof and no API key in any mode."
      : "No proof in any mode; the API key when the server sets one.";
  }
  const who = op.proof === "operator" ? "an active operator" : "the agent it acts for";
  if (op.proofIn === "cookie") {
    return `Secure mode or IPC_API_KEY set: the dashboard session cookie of ${who} (el-ipc dashboard)${op.proofWhen ? `, ${op.proofWhen}` : ""}. Never the API key: a browser cannot hold it.`;
  }
  const how =
    op.proofIn === "body"
      ? "the signature in the body (docs/PROTOCOL.md 4)"
      : "request proof headers (X-IPC-Agent, X-IPC-Timestamp, X-IPC-Nonce, X-IPC-Signature; docs/PROTOCOL.md 4.3)";
  const open = op.apiKeyOrProof
    ? "Open mode: no proof, but the API key when the server sets one."
    : "Open mode: no proof.";
  return `Secure mode: proven by ${who} with ${how}${op.proofWhen ? `, ${op.proofWhen}` : ""}. ${open}`;
}

function security(op: Operation): Json[] {
  if (op.proofIn === "cookie") return [{ uiSession: [] }];
  const bearer = op.public ? [] : [{ bearer: [] }];
  if (op.apiKeyOrProof) return [{ bearer: [] }, PROOF_REQUIREMENT];
  if (op.proofIn !== "headers") return op.public ? [{}] : bearer;
  const proven = { ...(op.public ? {} : { bearer: [] }), ...PROOF_REQUIREMENT };
  return op.proofOptional ? [proven, op.public ? {} : { bearer: [] }] : [proven];
}

function answer(op: Operation, defs: Json): Json {
  const headers: Json = {};
  for (const h of op.responseHeaders ?? []) {
    headers[displayHeader(h)] = {
      description:
        h === NEXT_CURSOR_HEADER
          ? "the next page's cursor; absent on the last page"
          : 'the next page as <path?cursor=...>; rel="next"',
      schema: { type: "string" },
    };
  }
  const data = jsonSchema(op.output, "output", defs);
  const events = {
    "text/event-stream": {
      schema: {
        type: "string",
        description:
          op.answer === "sse"
            ? "Server-Sent Events: `id: <message id>` and `data: <one message as JSON>` per message, `: keep-alive` comments, and `event: error` with an Error as data when the reader may no longer read"
            : "Server-Sent Events, each event's data one JSON-RPC answer",
      },
      "x-el-ipc-event-data": data,
    },
  };
  const json = { "application/json": { schema: data } };
  if (op.answer === "document") {
    return { description: op.summary, content: { [op.contentType ?? "text/html"]: { schema: data } } };
  }
  const content = op.answer === "sse" ? events : op.answer === "json-or-sse" ? { ...json, ...events } : json;
  return {
    description: op.summary,
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    content,
  };
}

function operationObject(op: Operation, defs: Json): Json {
  const parameters = [
    ...queryParameters(op, defs),
    ...(op.requestHeaders ?? []).map((h) => ({
      name: displayHeader(h),
      in: "header",
      required: false,
      ...(h === LAST_EVENT_ID_HEADER
        ? {
            description:
              "resume after this message id on every channel (takes precedence over last_event_id)",
            schema: { type: "string", pattern: "^\\d{1,15}$" },
          }
        : { description: HEADER_NOTES[h] ?? h, schema: { type: "string" } }),
    })),
  ];
  const responses: Json = { "200": answer(op, defs) };
  for (const status of errorStatuses())
    responses[String(status)] = { $ref: `#/components/responses/E${status}` };
  return {
    operationId: op.name,
    summary: op.summary,
    description: proofText(op),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(op.body
      ? {
          requestBody: {
            required: true,
            content: {
              [op.answer === "document" ? "application/x-www-form-urlencoded" : "application/json"]: {
                schema: jsonSchema(op.body, "input", defs),
              },
            },
          },
        }
      : {}),
    responses,
    security: security(op),
    "x-el-ipc-proof": {
      who: op.proof,
      ...(op.proofIn ? { in: op.proofIn } : {}),
      ...(op.proofWhen ? { when: op.proofWhen } : {}),
      ...(op.proofOptional ? { optional: true } : {}),
    },
  };
}

/** The OpenAPI 3.1 document of every operation in OPERATIONS. */
export function openApiDocument(o: OpenApiOptions): OpenApiDocument {
  const defs: Json = {};
  const paths: Record<string, Json> = {};
  for (const op of Object.values(OPERATIONS as Record<string, Operation>)) {
    paths[op.path] ??= {};
    (paths[op.path] as Json)[op.method.toLowerCase()] = operationObject(op, defs);
  }
  jsonSchema(errorBody, "output", defs);
  const schemes: Json = {
    bearer: {
      type: "http",
      scheme: "bearer",
      description:
        "IPC_API_KEY, when the server sets one; a shared secret that proves nothing about the agent",
    },
  };
  schemes.uiSession = {
    type: "apiKey",
    in: "cookie",
    name: UI_SESSION_COOKIE,
    description:
      "the dashboard's session, from a one-time code of el-ipc dashboard (HttpOnly, SameSite=Strict, 1 h); POSTs also need X-CSRF-Token and a same-origin Origin",
  };
  for (const [name, s] of Object.entries(PROOF_SCHEMES)) {
    schemes[name] = {
      type: "apiKey",
      in: "header",
      name: displayHeader(s.header),
      description: s.description,
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "el-ipc",
      version: o.version,
      description:
        "A message queue for AI coding agents. Shapes are generated from src/protocol; the signed byte forms, modes and worked examples are in docs/PROTOCOL.md. Security requirements are those of a secure-mode server with IPC_API_KEY set: an open-mode server asks for no proof, a server without IPC_API_KEY for no bearer token.",
      license: { name: "MIT", identifier: "MIT" },
    },
    ...(o.serverUrl ? { servers: [{ url: o.serverUrl }] } : {}),
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(defs).sort(([a], [b]) => a.localeCompare(b))),
      responses: errorResponses(),
      securitySchemes: schemes,
    },
  };
}
