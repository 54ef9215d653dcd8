// GET /openapi.json: generated from the operation table, it describes every route fastify serves (the
// route tree is walked, so a route added outside the table fails here), validates with a real OpenAPI 3.1
// validator, and real answers of a running server parse with the schemas the document is made from.
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Validator } from "@seriousme/openapi-schema-validator";
import { VERSION } from "../../src/core/version.js";
import { openApiDocument } from "../../src/protocol/openapi.js";
import { OPERATIONS, type Operation } from "../../src/protocol/operations.js";
import { type InjectServer, injectServer } from "../helpers/http.js";

/** Every "METHOD /path" fastify serves, read from its route tree (HEAD, fastify's own, left out). */
function servedRoutes(tree: string): Set<string> {
  const out = new Set<string>();
  const stack: string[] = [];
  for (const line of tree.split("\n")) {
    const m = /^((?:│ {3}| {4})*)(?:├── |└── )(\S+) \(([^)]+)\)$/.exec(line);
    if (!m) continue;
    const depth = (m[1] as string).length / 4;
    const path = (stack[depth - 1] ?? "") + (m[2] as string);
    stack[depth] = path;
    stack.length = depth + 1;
    for (const method of (m[3] as string).split(", ")) {
      if (method !== "HEAD" && method !== "-") out.add(`${method} ${path}`);
    }
  }
  return out;
}

describe("GET /openapi.json", () => {
  let s: InjectServer;
  let doc: Record<string, unknown>;
  before(async () => {
    s = await injectServer();
    const res = await s.app.inject({ method: "GET", url: "/openapi.json" });
    assert.equal(res.statusCode, 200);
    doc = res.json();
  });
  after(() => s.close());

  it("is the document generated from the table", () => {
    assert.deepEqual(doc, JSON.parse(JSON.stringify(openApiDocument({ version: VERSION }))));
  });

  it("validates as OpenAPI 3.1 with @seriousme/openapi-schema-validator", async () => {
    const v = new Validator();
    const r = await v.validate(doc);
    assert.equal(v.version, "3.1");
    assert.deepEqual(r.errors ?? [], [], JSON.stringify(r.errors, null, 1));
    assert.equal(r.valid, true);
  });

  it("describes every route fastify serves, and nothing else", () => {
    const served = servedRoutes(s.app.printRoutes({ commonPrefix: false }));
    const paths = doc.paths as Record<string, Record<string, unknown>>;
    const described = new Set(
      Object.entries(paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
      ),
    );
    // The walk itself is checked: it found the routes every server has.
    for (const known of ["POST /send", "POST /send/batch", "GET /.well-known/agent-card.json"]) {
      assert.ok(served.has(known), `route walk missed ${known}: ${[...served].join(", ")}`);
    }
    // GET and DELETE /mcp only answer 405 (a stateless MCP server has no sessions): not operations.
    const refusedOnly = new Set(["GET /mcp", "DELETE /mcp"]);
    assert.deepEqual(
      [...served].filter((r) => !described.has(r) && !refusedOnly.has(r)),
      [],
      "routes the document does not describe",
    );
    assert.deepEqual(
      [...described].filter((r) => !served.has(r)),
      [],
      "documented routes fastify does not serve",
    );
  });

  it("names every operation once, with its parameters, body, answer, errors and proof", () => {
    const paths = doc.paths as Record<string, Record<string, Record<string, unknown>>>;
    for (const op of Object.values(OPERATIONS as Record<string, Operation>)) {
      const o = paths[op.path]?.[op.method.toLowerCase()];
      assert.ok(o, `${op.name} missing`);
      assert.equal(o.operationId, op.name);
      const params = (o.parameters as { name: string; in: string }[] | undefined) ?? [];
      assert.deepEqual(
        params.filter((p) => p.in === "query").map((p) => p.name),
        Object.keys(op.query?.shape ?? {}),
      );
      assert.equal("requestBody" in o, op.body !== undefined, op.name);
      const responses = o.responses as Record<string, unknown>;
      for (const status of ["200", "400", "401", "403", "429", "500", "503"]) {
        assert.ok(status in responses, `${op.name} ${status}`);
      }
      const security = o.security as Record<string, unknown>[];
      if (op.proofIn === "headers") {
        assert.ok(
          security.some((req) => "ipcAgent" in req && "ipcSignature" in req),
          `${op.name} proof`,
        );
      }
      assert.equal(
        security.every((req) => "bearer" in req),
        !op.public && !op.proofOptional && !op.apiKeyOrProof,
        `${op.name}: the API key`,
      );
    }
    const schemes = (doc.components as { securitySchemes: Record<string, { name?: string }> })
      .securitySchemes;
    assert.deepEqual(
      ["ipcAgent", "ipcTimestamp", "ipcNonce", "ipcSignature"].map((k) => schemes[k]?.name),
      ["X-IPC-Agent", "X-IPC-Timestamp", "X-IPC-Nonce", "X-IPC-Signature"],
    );
  });

  it("describes answers a real server gives: each parses with its operation's output schema", async () => {
    const call = async (name: keyof typeof OPERATIONS, url: string, payload?: unknown) => {
      const op: Operation = OPERATIONS[name];
      const res = await s.app.inject({
        method: op.method,
        url,
        ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
      });
      assert.equal(res.statusCode, 200, `${name}: ${res.body}`);
      const parsed = op.output.safeParse(res.json());
      assert.ok(parsed.success, `${name}: ${res.body}`);
      return res.json() as Record<string, unknown>;
    };
    const sent = await call("send", "/send", { channel: "general", sender: "amy", content: "hi" });
    await call("sendBatch", "/send/batch", {
      messages: [{ channel: "general", sender: "amy", content: "2" }],
    });
    const [m] = (await call("read", "/messages?channel=general&agent=bob&peek=true")) as unknown as {
      id: number;
    }[];
    assert.equal(m?.id, sent.id);
    await call("ack", "/ack", { channel: "general", agent: "bob", id: sent.id });
    await call("seek", "/seek", { channel: "general", agent: "bob", to: "start" });
    await call("channels", "/channels");
    await call("agents", "/agents");
    await call("health", "/health?channel=general&agent=bob");
    await call("agentCard", "/.well-known/agent-card.json");
    await call("accessRules", "/access");
    await call("webhooks", "/webhooks");
    await call("openapi", "/openapi.json");
  });

  it("answers a refusal in the Error shape it documents", async () => {
    const res = await s.app.inject({ method: "POST", url: "/send", payload: { channel: "general" } });
    assert.equal(res.statusCode, 400);
    const schemas = (doc.components as { schemas: Record<string, { required: string[] }> }).schemas;
    assert.deepEqual(Object.keys(res.json()).sort(), [...(schemas.Error?.required ?? [])].sort());
  });
});
