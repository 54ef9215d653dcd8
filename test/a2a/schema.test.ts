// What el-ipc says over A2A against A2A v1.0's own schema, a2a.proto (tag v1.0.1, test/fixtures/a2a/),
// read with protobufjs and checked under the proto3 JSON mapping: the agent card in open mode and signed
// in secure mode, and each JSON-RPC result (SendMessageResponse, Task, ListTasksResponse, and every
// StreamResponse of a stream) exactly as the server writes it.
import * as assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type protobuf from "protobufjs";
import { type RunningHttpServer, startHttpServer } from "../../src/http/server.js";
import { REPO_ROOT, runCli, tempDb } from "../helpers/cli.js";
import { testConfig } from "../helpers/http.js";
import { loadProto, message } from "../helpers/proto-json.js";

const proto = loadProto(join(REPO_ROOT, "test", "fixtures", "a2a", "a2a.proto"));
const type = (name: string): protobuf.Type => proto.lookupType(`lf.a2a.v1.${name}`);

/** Fails with every way `json` departs from message `name` of a2a.proto. */
function conforms(name: string, json: unknown): void {
  assert.deepEqual(message(type(name), json, name), [], JSON.stringify(json));
}

describe("the validator over a2a.proto", () => {
  it("refuses what A2A v1.0 does not define (so the checks below can fail)", () => {
    const card = {
      name: "x",
      description: "y",
      version: "1",
      supportedInterfaces: [{ url: "http://h/a2a", protocolBinding: "JSONRPC", protocolVersion: "1.0" }],
      capabilities: {},
      defaultInputModes: ["text/plain"],
      defaultOutputModes: ["text/plain"],
      skills: [{ id: "s", name: "s", description: "s", tags: [] }],
    };
    conforms("AgentCard", card);
    const problems = (json: unknown) => message(type("AgentCard"), json, "AgentCard");
    // The pre-1.0 shape: a top-level url and an authentication block.
    assert.match(problems({ ...card, url: "http://h" }).join("\n"), /no field url/);
    assert.match(problems({ ...card, authentication: { schemes: ["Bearer"] } }).join("\n"), /no field/);
    assert.match(problems({ ...card, name: undefined }).join("\n"), /name: required/);
    assert.match(problems({ ...card, skills: {} }).join("\n"), /repeated field/);
    assert.match(problems({ ...card, capabilities: { streaming: "yes" } }).join("\n"), /not a bool/);
    const scheme = {
      httpAuthSecurityScheme: { scheme: "Bearer" },
      apiKeySecurityScheme: { location: "header", name: "k" },
    };
    assert.match(problems({ ...card, securitySchemes: { a: scheme } }).join("\n"), /oneof scheme/);
    const task = {
      id: "t",
      contextId: "c",
      status: { state: "TASK_STATE_DONE", timestamp: "2026-12-02T10:00:00Z" },
    };
    assert.match(message(type("Task"), task, "Task").join("\n"), /not a value of TaskState/);
  });
});

describe("el-ipc's A2A answers against a2a.proto", () => {
  const open = tempDb();
  const secure = tempDb();
  let s: RunningHttpServer;
  let signed: RunningHttpServer;

  before(async () => {
    s = await startHttpServer(testConfig(open.db), { logLevel: "silent" });
    const seeded = await runCli(["seed", "op"], secure.env);
    const key = join(secure.dir, "op.key");
    writeFileSync(key, seeded.stdout, { mode: 0o600 });
    signed = await startHttpServer(testConfig(secure.db, { IPC_CARD_KEY: key }), { logLevel: "silent" });
  });
  after(async () => {
    await s.close();
    await signed.close();
    open.cleanup();
    secure.cleanup();
  });

  const card = async (server: RunningHttpServer) =>
    (await fetch(`${server.url}/.well-known/agent-card.json`)).json() as Promise<Record<string, unknown>>;
  const rpc = (method: string, params: unknown) =>
    fetch(`${s.url}/a2a`, {
      method: "POST",
      headers: { "content-type": "application/json", "a2a-version": "1.0" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    });
  const result = async (method: string, params: unknown) => {
    const body = (await (await rpc(method, params)).json()) as { result?: unknown; error?: unknown };
    assert.equal(body.error, undefined, JSON.stringify(body.error));
    return body.result;
  };
  const send = (text: string, contextId: string) => ({
    message: {
      messageId: `m-${contextId}`,
      contextId,
      role: "ROLE_USER",
      parts: [{ text }],
      metadata: { agent: "bob" },
    },
    configuration: { returnImmediately: true },
  });

  it("the card, open mode", async () => {
    const c = await card(s);
    conforms("AgentCard", c);
    assert.equal(c.securitySchemes, undefined);
  });

  it("the card, secure mode and signed: security schemes, requirements and signatures", async () => {
    const c = await card(signed);
    conforms("AgentCard", c);
    assert.ok(c.securitySchemes && c.securityRequirements && c.signatures, JSON.stringify(c));
  });

  it("SendMessage, GetTask and ListTasks results, working and completed", async () => {
    const sent = (await result("SendMessage", send("check me", "schema-1"))) as { task: { id: string } };
    conforms("SendMessageResponse", sent);
    conforms("Task", await result("GetTask", { id: sent.task.id }));
    await s.queue.send({ channel: "@a2a-schema-1", sender: "bob", content: "checked" });
    let done: { status: { state: string } } | undefined;
    for (let i = 0; i < 100 && done?.status.state !== "TASK_STATE_COMPLETED"; i++) {
      await new Promise((ok) => setTimeout(ok, 20));
      done = (await result("GetTask", { id: sent.task.id })) as typeof done;
    }
    assert.equal(done?.status.state, "TASK_STATE_COMPLETED");
    conforms("Task", done);
    conforms("ListTasksResponse", await result("ListTasks", {}));
    conforms(
      "Task",
      await result("CancelTask", {
        id: ((await result("SendMessage", send("x", "schema-2"))) as { task: { id: string } }).task.id,
      }),
    );
  });

  it("every StreamResponse of SendStreamingMessage", async () => {
    const res = await rpc("SendStreamingMessage", { ...send("stream me", "schema-3"), configuration: {} });
    assert.equal(res.headers.get("content-type"), "text/event-stream; charset=utf-8");
    const reader = res.body?.getReader();
    assert.ok(reader);
    let text = "";
    let replied = false;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString("utf8");
      if (!replied && text.includes('"task"')) {
        replied = true;
        await s.queue.send({ channel: "@a2a-schema-3", sender: "bob", content: "streamed" });
      }
    }
    const frames = text
      .split("\n\n")
      .filter((f) => f.startsWith("data: "))
      .map((f) => (JSON.parse(f.slice(6)) as { result: unknown }).result);
    assert.equal(frames.length, 3, text);
    for (const f of frames) conforms("StreamResponse", f);
  });
});
