// The token part of the store contract, for backends that keep tokens (Store.tokens), registered by
// runStoreContract.
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import type { Store, TokenRecord } from "../../src/store/types.js";

/** Registers the token cases inside the caller's describe. */
export function describeTokens(ctx: { store: () => Store; base: number }): void {
  const token = (id: string, over: Partial<TokenRecord> = {}): TokenRecord => ({
    id,
    agent: "alice",
    secretHash: "ab".repeat(32),
    issuedBy: "op",
    createdAt: ctx.base,
    expiresAt: ctx.base + 3600,
    revokedAt: null,
    revokedBy: null,
    ...over,
  });
  describe("tokens", () => {
    it("stores, finds, lists newest first and revokes once", async (t) => {
      const tokens = ctx.store().tokens;
      if (!tokens) return t.skip("this backend keeps no tokens");
      await tokens.addToken(token("0000000000000001"));
      await tokens.addToken(token("0000000000000002", { agent: "bob", createdAt: ctx.base + 1 }));
      assert.deepEqual(await tokens.getToken("0000000000000001"), token("0000000000000001"));
      assert.equal(await tokens.getToken("ffffffffffffffff"), undefined);
      assert.deepEqual(
        (await tokens.listTokens()).map((x) => x.id),
        ["0000000000000002", "0000000000000001"],
      );
      assert.deepEqual(
        (await tokens.listTokens("bob")).map((x) => x.id),
        ["0000000000000002"],
      );
      assert.equal(await tokens.revokeToken("0000000000000001", "op2", ctx.base + 5), true);
      assert.equal(await tokens.revokeToken("0000000000000001", "op3", ctx.base + 6), false);
      assert.equal(await tokens.revokeToken("ffffffffffffffff", "op", ctx.base), false);
      const revoked = await tokens.getToken("0000000000000001");
      assert.deepEqual([revoked?.revokedAt, revoked?.revokedBy], [ctx.base + 5, "op2"]);
    });
  });
}
