// The A2A task registry's bounds: open tasks are capped, and the oldest finished task is forgotten first.
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTaskRegistry } from "../../src/a2a/tasks.js";

const request = { messageId: "m", role: "ROLE_USER" as const, parts: [{ text: "hi" }] };
const open = (r: ReturnType<typeof createTaskRegistry>, n: number) =>
  r.create({ agent: "bob", sender: `a2a-${n}`, owner: undefined, messageId: n, contextId: `c${n}`, request });

describe("the A2A task registry", () => {
  it("refuses new tasks beyond the open-task cap until one finishes", () => {
    const r = createTaskRegistry(Date.now, { maxTasks: 100, maxOpen: 2 });
    const a = open(r, 1);
    assert.ok(a && open(r, 2));
    assert.equal(open(r, 3), undefined);
    r.finish(a.task.id, "TASK_STATE_CANCELED");
    assert.ok(open(r, 4));
  });

  it("keeps at most maxTasks, forgetting the oldest finished one and never an open one", () => {
    const r = createTaskRegistry(Date.now, { maxTasks: 3, maxOpen: 10 });
    const first = open(r, 1);
    const second = open(r, 2);
    assert.ok(first && second);
    r.complete(second.task.id, { messageId: "r", role: "ROLE_AGENT", parts: [{ text: "done" }] });
    open(r, 3);
    open(r, 4);
    assert.equal(r.get(second.task.id), undefined, "the finished one went");
    assert.ok(r.get(first.task.id), "the open one stays");
    assert.equal(r.all().length, 3);
  });
});
