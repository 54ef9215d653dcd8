// Token buckets of the HTTP rate limiter: refill at the configured rate, debt for bursts, and memory
// bounded by dropping idle buckets first.
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { createBuckets } from "../../src/http/rate-limit.js";

describe("rate-limit buckets", () => {
  it("allows a burst, then one request per 1/rate seconds, and says how long to wait", () => {
    const b = createBuckets({ perSecond: 2, burst: 3 });
    let now = 1_000_000;
    for (let i = 0; i < 3; i++) {
      assert.equal(b.wait("k", now), 0);
      b.charge("k", now);
    }
    assert.equal(b.wait("k", now), 0.5);
    now += 250;
    assert.equal(b.wait("k", now), 0.25);
    now += 250;
    assert.equal(b.wait("k", now), 0);
    assert.equal(b.wait("other", now), 0);
  });

  it("reports a refusal once per episode", () => {
    const b = createBuckets({ perSecond: 1, burst: 1 });
    b.charge("k", 0);
    assert.ok(b.wait("k", 0) > 0);
    assert.equal(b.refused("k"), true);
    assert.equal(b.refused("k"), false);
    assert.equal(b.wait("k", 1000), 0);
    b.charge("k", 1000);
    assert.ok(b.wait("k", 1000) > 0);
    assert.equal(b.refused("k"), true);
  });

  it("keeps at most maxBuckets, dropping refilled ones first", () => {
    const b = createBuckets({ perSecond: 1, burst: 2 }, 100);
    for (let i = 0; i < 1000; i++) b.charge(`addr-${i}`, i);
    assert.ok(b.size() <= 100, `size ${b.size()}`);
    // The newest bucket survived with its balance (a new one would have a token to spare).
    b.charge("addr-999", 999);
    assert.ok(b.wait("addr-999", 999) > 0);
    b.charge("busy", 2000);
    b.charge("busy", 2000);
    b.sweep(10_000);
    assert.equal(b.size(), 0);
  });
});
