// An A2A conversation end to end with the official @a2a-js/sdk client: it fetches the agent card, sends
// a message to an el-ipc agent, the agent reads and replies with the el-ipc CLI, and the client gets the
// reply as the task's result (blocking, streaming, GetTask, ListTasks, CancelTask); in secure mode with the
// bearer token the card declares, issued by an operator with `el-ipc token`.
import * as assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type AgentCard, ListTasksRequest, SendMessageRequest, TaskState } from "@a2a-js/sdk";
import {
  type Client,
  ClientFactory,
  ClientFactoryOptions,
  createAuthenticatingFetchWithRetry,
  JsonRpcTransportFactory,
} from "@a2a-js/sdk/client";
import type { Delivered } from "../../src/core/types.js";
import { type RunningHttpServer, startHttpServer } from "../../src/http/server.js";
import { cliJson, runCli, tempDb } from "../helpers/cli.js";
import { testConfig } from "../helpers/http.js";

const request = (text: string, extra: Record<string, unknown> = {}) =>
  SendMessageRequest.fromJSON({
    message: {
      messageId: `m-${Math.random()}`,
      role: "ROLE_USER",
      parts: [{ text }],
      metadata: { agent: "bob" },
    },
    ...extra,
  });
const textOf = (parts: { content?: { $case: string; value: unknown } }[] | undefined) =>
  parts?.map((p) => (p.content?.$case === "text" ? p.content.value : "")).join("") ?? "";

describe("A2A with the @a2a-js/sdk client (open mode)", () => {
  const t = tempDb();
  let s: RunningHttpServer;
  let client: Client;

  before(async () => {
    s = await startHttpServer(testConfig(t.db), { logLevel: "silent" });
    client = await new ClientFactory().createFromUrl(s.url);
  });
  after(async () => {
    await s.close();
    t.cleanup();
  });

  /** bob, an el-ipc agent, waits for one message with the CLI and answers its sender. */
  async function bobAnswers(reply: (m: Delivered) => string): Promise<Delivered> {
    const [m] = await cliJson<Delivered[]>(["read", "@bob", "bob", "--wait", "--timeout", "20"], t.env);
    assert.ok(m, "bob got the message");
    await cliJson(["send", `@${m.sender}`, "bob", reply(m)], t.env);
    return m;
  }
  it("delivers a SendMessage to the agent's @inbox and returns its reply as the completed task", async () => {
    const [result, m] = await Promise.all([
      client.sendMessage(request("run the tests")),
      bobAnswers((x) => `all green (${x.content})`),
    ]);
    assert.equal(m.content, "run the tests");
    assert.match(m.sender, /^a2a-[0-9a-f-]{36}$/);
    assert.ok("status" in result, "a task");
    assert.equal(result.status?.state, TaskState.TASK_STATE_COMPLETED);
    assert.equal(textOf(result.status?.message?.parts), "all green (run the tests)");
    assert.equal(textOf(result.artifacts[0]?.parts), "all green (run the tests)");
    assert.equal(m.sender, `a2a-${result.contextId}`);

    const got = await client.getTask({ tenant: "", id: result.id });
    assert.equal(got.status?.state, TaskState.TASK_STATE_COMPLETED);
    assert.deepEqual(
      got.history.map((h) => textOf(h.parts)),
      ["run the tests", "all green (run the tests)"],
    );
    const listed = await client.listTasks(ListTasksRequest.fromJSON({ contextId: result.contextId }));
    assert.deepEqual(
      listed.tasks.map((x) => x.id),
      [result.id],
    );
  });

  it("streams the task and its reply over SSE (SendStreamingMessage)", async () => {
    const events: string[] = [];
    let reply = "";
    const streamed = (async () => {
      for await (const ev of client.sendMessageStream(request("stream it"))) {
        events.push(ev.payload?.$case ?? "?");
        if (ev.payload?.$case === "statusUpdate") {
          events.push(TaskState[ev.payload.value.status?.state ?? 0] ?? "?");
          reply = textOf(ev.payload.value.status?.message?.parts);
        }
      }
    })();
    await bobAnswers(() => "streamed back");
    await streamed;
    assert.deepEqual(events, ["task", "artifactUpdate", "statusUpdate", "TASK_STATE_COMPLETED"]);
    assert.equal(reply, "streamed back");
  });

  it("cancels an open task, and refuses to cancel a finished one", async () => {
    const task = await client.sendMessage(
      request("never mind", { configuration: { returnImmediately: true } }),
    );
    assert.ok("status" in task);
    assert.equal(task.status?.state, TaskState.TASK_STATE_WORKING);
    const canceled = await client.cancelTask({ tenant: "", id: task.id, metadata: undefined });
    assert.equal(canceled.status?.state, TaskState.TASK_STATE_CANCELED);
    await assert.rejects(
      client.cancelTask({ tenant: "", id: task.id, metadata: undefined }),
      /cannot be canceled/,
    );
    // A late reply does not reopen it.
    await bobAnswers(() => "too late");
    await new Promise((ok) => setTimeout(ok, 300));
    assert.equal(
      (await client.getTask({ tenant: "", id: task.id })).status?.state,
      TaskState.TASK_STATE_CANCELED,
    );
    await assert.rejects(client.getTask({ tenant: "", id: "no-such-task" }), /task not found/);
  });
});

/** An A2A client that sends `Authorization: Bearer <token>` through the SDK's own authentication hook. */
function clientWithToken(token: string | undefined): ClientFactory {
  const fetchImpl = createAuthenticatingFetchWithRetry(fetch, {
    headers: async (): Promise<Record<string, string>> => (token ? { authorization: `Bearer ${token}` } : {}),
    shouldRetryWithHeaders: async () => undefined,
  });
  return new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [new JsonRpcTransportFactory({ fetchImpl })],
    }),
  );
}

describe("A2A with the @a2a-js/sdk client (secure mode, bearer tokens)", () => {
  const t = tempDb();
  const file = (name: string) => join(t.dir, name);
  let s: RunningHttpServer;
  let card: AgentCard;
  let ciToken: { token: string; id: string };
  let ci: Client;

  before(async () => {
    const seeded = await runCli(["seed", "op"], t.env);
    writeFileSync(file("op.key"), seeded.stdout, { mode: 0o600 });
    for (const name of ["bob", "ci", "eve"]) {
      await runCli(["keygen", "--out", file(name)], t.env);
      const r = await runCli(
        ["register", name, "--pubkey", file(`${name}.pub`), "--as", "op", "--key", file("op.key")],
        t.env,
      );
      assert.equal(r.code, 0, r.stderr);
    }
    ciToken = await cliJson(["token", "ci", "--as", "op", "--key", file("op.key")], t.env);
    s = await startHttpServer(testConfig(t.db), { logLevel: "silent" });
    card = (await (await fetch(`${s.url}/.well-known/agent-card.json`)).json()) as AgentCard;
    ci = await clientWithToken(ciToken.token).createFromUrl(s.url);
  });
  after(async () => {
    await s.close();
    t.cleanup();
  });

  /** bob reads his inbox with his key through the CLI and answers the sender. */
  async function bobAnswers(reply: (m: Delivered) => string): Promise<Delivered> {
    const [m] = await cliJson<Delivered[]>(
      ["read", "@bob", "bob", "--key", file("bob.key"), "--wait", "--timeout", "20"],
      t.env,
    );
    assert.ok(m, "bob got the message");
    await cliJson(["send", `@${m.sender}`, "bob", reply(m), "--key", file("bob.key")], t.env);
    return m;
  }

  it("the card declares the bearer scheme the client authenticates with", () => {
    const json = card as unknown as {
      securitySchemes: Record<string, { httpAuthSecurityScheme?: { scheme: string } }>;
      securityRequirements: { schemes: Record<string, unknown> }[];
    };
    const [required] = Object.keys(json.securityRequirements[0]?.schemes ?? {});
    assert.equal(json.securitySchemes[required ?? ""]?.httpAuthSecurityScheme?.scheme, "Bearer");
  });

  it("delivers as the token's agent; bob replies with the CLI and the client gets the reply", async () => {
    const [result, m] = await Promise.all([
      ci.sendMessage(request("deploy it")),
      bobAnswers((x) => `deployed (${x.content})`),
    ]);
    assert.equal(m.sender, "ci", "the token's agent is the sender");
    assert.equal(m.content, "deploy it");
    assert.ok("status" in result, "a task");
    assert.equal(result.status?.state, TaskState.TASK_STATE_COMPLETED);
    assert.equal(textOf(result.status?.message?.parts), "deployed (deploy it)");
    assert.equal(
      (await ci.getTask({ tenant: "", id: result.id })).status?.state,
      TaskState.TASK_STATE_COMPLETED,
    );
    // The server read ci's inbox from the task on, without moving ci's watermark: ci's own reader keeps it.
    const inbox = await cliJson<Delivered[]>(["read", "@ci", "ci", "--key", file("ci.key")], t.env);
    assert.deepEqual(
      inbox.map((x) => [x.sender, x.content]),
      [["bob", "deployed (deploy it)"]],
    );
  });

  it("streams the reply over SSE with the token", async () => {
    const events: string[] = [];
    const streamed = (async () => {
      for await (const ev of ci.sendMessageStream(request("stream it")))
        events.push(ev.payload?.$case ?? "?");
    })();
    const m = await bobAnswers(() => "streamed back");
    await streamed;
    assert.equal(m.sender, "ci");
    assert.deepEqual(events, ["task", "artifactUpdate", "statusUpdate"]);
  });

  it("keeps a token agent's tasks from another token's agent", async () => {
    const eveToken = await cliJson<{ token: string }>(
      ["token", "eve", "--as", "op", "--key", file("op.key")],
      t.env,
    );
    const eve = await clientWithToken(eveToken.token).createFromUrl(s.url);
    const task = await ci.sendMessage(request("private", { configuration: { returnImmediately: true } }));
    assert.ok("status" in task);
    await assert.rejects(eve.getTask({ tenant: "", id: task.id }), /task not found/);
    assert.equal((await eve.listTasks(ListTasksRequest.fromJSON({}))).tasks.length, 0);
    await assert.rejects(eve.cancelTask({ tenant: "", id: task.id, metadata: undefined }), /task not found/);
    await ci.cancelTask({ tenant: "", id: task.id, metadata: undefined });
    await bobAnswers(() => "never mind");
  });

  it("refuses a client without a token, and the token once revoked", async () => {
    const anonymous = await clientWithToken(undefined).createFromUrl(s.url);
    await assert.rejects(anonymous.sendMessage(request("let me in")), /bearer token/);
    const r = await runCli(["token-revoke", ciToken.id, "--as", "op", "--key", file("op.key")], t.env);
    assert.equal(r.code, 0, r.stderr);
    await assert.rejects(ci.sendMessage(request("still me?")), /revoked/);
    await assert.rejects(ci.listTasks(ListTasksRequest.fromJSON({})), /revoked/);
    const pending = await cliJson<Delivered[]>(["read", "@bob", "bob", "--key", file("bob.key")], t.env);
    assert.deepEqual(pending, [], "nothing reached bob");
  });
});
