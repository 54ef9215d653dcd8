// The hand-written fast check of send bodies must accept exactly what the zod schema accepts, so that
// skipping zod for well-formed bodies changes nothing about what is stored or refused.
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { IpcError } from "../../src/core/errors.js";
import { parseSendBatchBody, parseSendBody, sendBatchBody, sendBody } from "../../src/http/schemas.js";

const VALUES: unknown[] = ["x", "", 0, 7, 1.5, -3, 2 ** 53, null, true, [], ["x"], {}, undefined];
const FIELDS = ["channel", "sender", "content", "signature", "signed_at", "nonce", "key"] as const;

/** Every field alone through every value, on top of a valid body; plus bodies that are not objects. */
function* bodies(): Generator<unknown> {
  const base = { channel: "c", sender: "s", content: "m" };
  yield base;
  for (const field of FIELDS) {
    for (const v of VALUES) yield { ...base, [field]: v };
  }
  yield { ...base, extra: { nested: true } };
  yield* [null, "text", 5, [], [base], Object.create(null)];
}

const accepts = (fn: () => unknown): boolean => {
  try {
    fn();
    return true;
  } catch (e) {
    assert.ok(e instanceof IpcError, `not an IpcError: ${String(e)}`);
    assert.equal(e.code, "invalid_argument");
    return false;
  }
};

describe("send body fast path", () => {
  it("accepts and refuses exactly what the zod schema does, one message", () => {
    let n = 0;
    for (const b of bodies()) {
      assert.equal(
        accepts(() => parseSendBody(b)),
        sendBody.safeParse(b).success,
        JSON.stringify(b) ?? "undefined",
      );
      n++;
    }
    assert.ok(n > 90);
  });

  it("accepts and refuses exactly what the zod schema does, batches", () => {
    for (const b of bodies()) {
      for (const batch of [
        { messages: [b] },
        { messages: [{ channel: "c", sender: "s", content: "m" }, b] },
      ]) {
        assert.equal(
          accepts(() => parseSendBatchBody(batch)),
          sendBatchBody.safeParse(batch).success,
          JSON.stringify(batch),
        );
      }
    }
    for (const odd of [{}, { messages: [] }, { messages: "no" }, null, []]) {
      assert.equal(
        accepts(() => parseSendBatchBody(odd)),
        false,
        JSON.stringify(odd),
      );
    }
  });
});
