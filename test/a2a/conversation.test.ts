// An A2A conversation end to end with the official @a2a-js/sdk client: it fetches the agent card, sends
// a message to an el-ipc agent, the agent reads and replies with the el-ipc CLI, and the client gets the
// reply as the task's result (blocking, streaming, GetTask, ListTasks, CancelTask).
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ListTasksRequest, SendMessageRequest, TaskState } from "@a2a-js/sdk";
import { type Client, ClientFactory } from "@a2a-js/sdk/client";
import type { Delivered } from "../../src/core/types.js";
import { type RunningHttpServer, startHttpServer } from "../../src/http/server.js";
import { cliJson, tempDb } from "../helpers/cli.js";
import { testConfig } from "../helpers/http.js";

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
  /** bob, an el-ipc agent, waits for one message with the CLI and answers its sender. */
  async function bobAnswers(reply: (m: Delivered) => string): Promise<Delivered> {
    const [m] = await cliJson<Delivered[]>(["read", "@bob", "bob", "--wait", "--timeout", "20"], t.env);
    assert.ok(m, "bob got the message");
    await cliJson(["send", `@${m.sender}`, "bob", reply(m)], t.env);
    return m;
  }
  const textOf = (parts: { content?: { $case: string; value: unknown } }[] | undefined) =>
    parts?.map((p) => (p.content?.$case === "text" ? p.content.value : "")).join("") ?? "";

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
