// The hand-written fast check of send bodies must accept exactly what the protocol's zod schema accepts,
// so that skipping zod for well-formed bodies changes nothing about what is stored or refused: every
// field through every kind of value, then thousands of random bodies (property style, seeded).
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { IpcError } from "../../src/core/errors.js";
import { isSendBody, parseSendBatchBody, parseSendBody } from "../../src/http/send-body.js";
import { sendBatchBody, sendBody } from "../../src/protocol/messages.js";

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

  it("agrees with the schema on random bodies, and passes accepted ones on unchanged", () => {
    const random = seeded(20261202);
    let accepted = 0;
    for (let i = 0; i < 5000; i++) {
      const b = randomBody(random);
      const fast = isSendBody(b);
      const zod = sendBody.safeParse(b);
      assert.equal(fast, zod.success, JSON.stringify(b) ?? "undefined");
      if (fast) {
        accepted++;
        const parsed = parseSendBody(b);
        for (const f of FIELDS) assert.equal(parsed[f], (zod.data as Record<string, unknown>)[f], f);
      }
    }
    // Both sides of the property were exercised.
    assert.ok(accepted > 500 && accepted < 4500, `${accepted} of 5000 accepted`);
  });
});

/** A small deterministic generator (mulberry32), so a failure names a body that fails again. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(random: () => number, xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;

/** Mostly strings for string fields and integers for integer ones, with every other kind mixed in. */
function randomValue(random: () => number, field: (typeof FIELDS)[number]): unknown {
  const r = random();
  if (r < 0.6) {
    if (field === "signed_at") return pick(random, [0, 1767225600000, -5, 2 ** 53 - 1]);
    return pick(random, ["", "general", "héllo\nwörld", "@bob", "x".repeat(200)]);
  }
  return pick(random, [...VALUES, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY, -0, { a: 1 }, 1e21]);
}

function randomBody(random: () => number): unknown {
  if (random() < 0.05) return pick(random, [null, "text", 5, [], true]);
  const b: Record<string, unknown> = {};
  for (const f of FIELDS) {
    // Required fields are there most of the time, optional ones half of the time.
    const present = random() < (f === "channel" || f === "sender" || f === "content" ? 0.93 : 0.5);
    if (present) b[f] = randomValue(random, f);
  }
  if (random() < 0.1) b.extra = randomValue(random, "content");
  return b;
}
