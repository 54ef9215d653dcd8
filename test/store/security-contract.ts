// The security part of the store contract (revocation, key rotation history, access rules), registered
// by runStoreContract for every backend.
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import type { AccessRule, AgentRecord, Store } from "../../src/store/types.js";

/** What the security cases need from the contract. */
export interface SecurityContractContext {
  /** The fresh store of the current test. */
  store: () => Store;
  /** Unix seconds to stamp records with. */
  base: number;
  /** Opens a second store on the same database, when the backend can. */
  sibling?: () => Promise<Store> | undefined;
}

/** Registers the security cases inside the caller's describe. */
export function describeSecurity(ctx: SecurityContractContext): void {
  const agent = (name: string, over: Partial<AgentRecord> = {}): AgentRecord => ({
    name,
    identity: "",
    publicKey: `-----BEGIN PUBLIC KEY-----\n${name}\n-----END PUBLIC KEY-----`,
    role: "agent",
    registeredBy: "op",
    createdAt: ctx.base,
    revokedAt: null,
    revokedBy: null,
    ...over,
  });
  const rule = (over: Partial<AccessRule> = {}): AccessRule => ({
    agent: "herald",
    pattern: "team-*",
    permission: "read",
    effect: "allow",
    setBy: "op",
    setAt: ctx.base + 1,
    ...over,
  });

  describe("revocation and key rotation", () => {
    it("revokes an active identity once, recording who and when", async () => {
      const s = ctx.store();
      await s.addAgent(agent("herald"));
      assert.equal(await s.revokeAgent("herald", "op", ctx.base + 5), true);
      assert.equal(await s.revokeAgent("herald", "op2", ctx.base + 6), false);
      assert.equal(await s.revokeAgent("nobody", "op", ctx.base + 6), false);
      const rec = await s.getAgent("herald");
      assert.equal(rec?.revokedAt, ctx.base + 5);
      assert.equal(rec?.revokedBy, "op");
      assert.deepEqual(await s.listKeyEvents("herald"), [
        {
          name: "herald",
          event: "revoke",
          publicKey: null,
          previousKey: agent("herald").publicKey,
          by: "op",
          at: ctx.base + 5,
        },
      ]);
    });

    it("rotates an active identity's key and keeps the history; never a revoked one's", async () => {
      const s = ctx.store();
      await s.addAgent(agent("herald"));
      const k2 = "-----BEGIN PUBLIC KEY-----\nk2\n-----END PUBLIC KEY-----";
      const k3 = "-----BEGIN PUBLIC KEY-----\nk3\n-----END PUBLIC KEY-----";
      assert.equal(await s.rotateKey("herald", k2, "op", ctx.base + 1), true);
      assert.equal(await s.rotateKey("herald", k3, "op", ctx.base + 2), true);
      assert.equal((await s.getAgent("herald"))?.publicKey, k3);
      assert.equal((await s.getAgent("herald"))?.role, "agent");
      assert.deepEqual(
        (await s.listKeyEvents("herald")).map((e) => [e.event, e.previousKey, e.publicKey, e.at]),
        [
          ["rotate", agent("herald").publicKey, k2, ctx.base + 1],
          ["rotate", k2, k3, ctx.base + 2],
        ],
      );
      await s.revokeAgent("herald", "op", ctx.base + 3);
      assert.equal(await s.rotateKey("herald", k2, "op", ctx.base + 4), false);
      assert.equal((await s.getAgent("herald"))?.publicKey, k3);
      assert.equal(await s.rotateKey("nobody", k2, "op", ctx.base + 4), false);
      assert.deepEqual(await s.listKeyEvents("nobody"), []);
    });
  });

  describe("access rules", () => {
    it("adds rules, replaces one per agent, pattern and permission, and lists them", async () => {
      const s = ctx.store();
      assert.deepEqual(await s.listAccessRules(), []);
      await s.putAccessRules([rule(), rule({ permission: "write", effect: "deny" })]);
      await s.putAccessRules([rule({ agent: "bob", pattern: "ops" })]);
      await s.putAccessRules([rule({ effect: "deny", setBy: "op2", setAt: ctx.base + 9 })]);
      assert.deepEqual(await s.listAccessRules("herald"), [
        rule({ effect: "deny", setBy: "op2", setAt: ctx.base + 9 }),
        rule({ permission: "write", effect: "deny" }),
      ]);
      assert.deepEqual(await s.listAccessRules("bob"), [rule({ agent: "bob", pattern: "ops" })]);
      assert.equal((await s.listAccessRules()).length, 3);
      assert.deepEqual(await s.listAccessRules("nobody"), []);
    });

    it("removes the rules of one agent, pattern and permission, and only those", async () => {
      const s = ctx.store();
      await s.putAccessRules([
        rule(),
        rule({ permission: "write", effect: "deny" }),
        rule({ pattern: "ops-*" }),
        rule({ agent: "bob" }),
      ]);
      const v0 = await s.accessVersion();
      assert.deepEqual(await s.removeAccessRules("herald", rule().pattern, ["read"]), [rule()]);
      const v1 = await s.accessVersion();
      assert.notEqual(v1, v0);
      assert.deepEqual(
        (await s.listAccessRules("herald")).map((r) => [r.pattern, r.permission]),
        [
          ["ops-*", "read"],
          [rule().pattern, "write"],
        ],
      );
      assert.deepEqual(await s.removeAccessRules("herald", "nothing", ["read", "write"]), []);
      assert.equal(await s.accessVersion(), v1);
      const both = await s.removeAccessRules("herald", rule().pattern, ["read", "write"]);
      assert.deepEqual(both, [rule({ permission: "write", effect: "deny" })]);
      assert.equal((await s.listAccessRules("bob")).length, 1);
    });

    it("changes the access version with every change, and only then", async () => {
      const s = ctx.store();
      const v0 = await s.accessVersion();
      assert.equal(await s.accessVersion(), v0);
      await s.putAccessRules([rule()]);
      const v1 = await s.accessVersion();
      assert.notEqual(v1, v0);
      await s.putAccessRules([rule()]);
      assert.notEqual(await s.accessVersion(), v1);
      const v2 = await s.accessVersion();
      await s.putAccessRules([]);
      await s.listAccessRules();
      assert.equal(await s.accessVersion(), v2);
    });

    it("changes the access version with every revocation and rotation, not a refused one", async () => {
      const s = ctx.store();
      await s.addAgent(agent("versioned"));
      const v0 = await s.accessVersion();
      assert.equal(
        await s.rotateKey(
          "versioned",
          "-----BEGIN PUBLIC KEY-----\nv2\n-----END PUBLIC KEY-----",
          "op",
          ctx.base,
        ),
        true,
      );
      const v1 = await s.accessVersion();
      assert.notEqual(v1, v0);
      assert.equal(await s.revokeAgent("versioned", "op", ctx.base + 1), true);
      const v2 = await s.accessVersion();
      assert.notEqual(v2, v1);
      assert.equal(await s.revokeAgent("versioned", "op", ctx.base + 2), false);
      assert.equal(await s.rotateKey("nobody", "k", "op", ctx.base + 2), false);
      assert.equal(await s.accessVersion(), v2);
    });

    it("shows a change made through another instance", async (t) => {
      const other = await ctx.sibling?.();
      if (!other) {
        t.skip("backend has no second instance");
        return;
      }
      try {
        const before = await ctx.store().accessVersion();
        await other.putAccessRules([rule({ agent: "remote" })]);
        assert.notEqual(await ctx.store().accessVersion(), before);
        assert.equal((await ctx.store().listAccessRules("remote")).length, 1);
      } finally {
        await other.close();
      }
    });
  });
}
