// The SDK's zod-free route table says what the protocol's OPERATIONS says (the types check it too).
import assert from "node:assert/strict";
import { it } from "node:test";
import { OPERATIONS } from "../../src/protocol/operations.js";
import { ROUTES } from "../../src/sdk/routes.js";

it("every route the clients call is the protocol's method and path", () => {
  for (const [name, route] of Object.entries(ROUTES)) {
    const op = OPERATIONS[name as keyof typeof OPERATIONS];
    assert.deepEqual(route, { method: op.method, path: op.path }, name);
  }
});
