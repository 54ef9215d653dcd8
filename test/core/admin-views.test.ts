// The operator views (queue.accessRules, queue.keyEvents): who may list access rules and key history,
// in open mode and in secure mode, and the exact wire shapes they list.

import { strict as assert } from "node:assert";
import type { KeyObject } from "node:crypto";
import { afterEach, beforeEach, describe, it } from "node:test";
import {
  type PermissionList,
  signAccessRule,
  signRegistration,
  signRevocation,
  signRotation,
} from "../../src/client/sign.js";
import { ANONYMOUS, type Caller, LOCAL } from "../../src/core/caller.js";
import { IpcError } from "../../src/core/errors.js";
import { createQueue, type Queue } from "../../src/core/queue.js";
import type { SecurityEvent } from "../../src/core/security-log.js";
import {
  accessRuleFromWire,
  registrationFromWire,
  revocationFromWire,
  rotationFromWire,
} from "../../src/core/wire.js";
import { generateKeyPair, parsePrivateKey } from "../../src/crypto/keys.js";
import { createManualClock, type ManualClock } from "../helpers/fixtures.js";
import { makeTestStore, type TestStore } from "../helpers/store.js";

const fails = (code: string, message?: RegExp) => (e: unknown) => {
  assert.ok(e instanceof IpcError, `expected IpcError ${code}, got ${String(e)}`);
  assert.equal(e.code, code, e.message);
  if (message) assert.match(e.message, message);
  return true;
};

interface Ctx {
  tmp: TestStore;
  clock: ManualClock;
  q: Queue;
  events: SecurityEvent[];
}

async function open(): Promise<Ctx> {
  const tmp = await makeTestStore();
  const clock = createManualClock();
  const events: SecurityEvent[] = [];
  const q = createQueue({
    store: await tmp.open(),
    clock: clock.now,
    onSecurityEvent: (e) => events.push(e),
  });
  return { tmp, clock, q, events };
}

async function shut(c: Ctx): Promise<void> {
  await c.q.close();
  await c.tmp.cleanup();
}

describe("operator views in open mode", () => {
  let c: Ctx;
  beforeEach(async () => {
    c = await open();
  });
  afterEach(() => shut(c));

  it("lists no rules to anyone, local or not", async () => {
    assert.deepEqual(await c.q.accessRules(LOCAL), []);
    assert.deepEqual(await c.q.accessRules(ANONYMOUS), []);
    assert.deepEqual(await c.q.accessRules({ kind: "agent", agent: "anyone" }), []);
    assert.equal(c.events.length, 0);
  });

  it("refuses a bad name as invalid_argument and an unregistered one as unknown_agent", async () => {
    await assert.rejects(c.q.keyEvents(LOCAL, "a b"), fails("invalid_argument"));
    await assert.rejects(c.q.keyEvents(ANONYMOUS, ""), fails("invalid_argument", /required/));
    await assert.rejects(c.q.accessRules(LOCAL, "x,y"), fails("invalid_argument"));
    await assert.rejects(
      c.q.keyEvents(ANONYMOUS, "nobody"),
      fails("unknown_agent", /'nobody': not registered/),
    );
    await assert.rejects(c.q.accessRules(ANONYMOUS, "nobody"), fails("unknown_agent"));
  });
});

describe("operator views in secure mode", () => {
  let c: Ctx;
  let opKey: KeyObject;
  const asOp: Caller = { kind: "operator", agent: "op-main" };
  const asHerald: Caller = { kind: "agent", agent: "herald" };

  const register = async (name: string): Promise<string> => {
    const pair = generateKeyPair();
    await c.q.register(
      registrationFromWire(
        signRegistration(
          opKey,
          { operator: "op-main", name, identity: "", publicKey: pair.publicKey },
          c.clock.now(),
        ),
      ),
    );
    return pair.publicKey.trim();
  };
  const setRule = (effect: "grant" | "deny", agent: string, pattern: string, permissions: PermissionList) =>
    c.q.setAccessRule(
      accessRuleFromWire(
        effect,
        signAccessRule(opKey, { effect, operator: "op-main", agent, pattern, permissions }, c.clock.now()),
      ),
    );

  let heraldOld: string;
  let heraldNew: string;
  beforeEach(async () => {
    c = await open();
    opKey = parsePrivateKey((await c.q.seed(LOCAL, "op-main")).privateKey);
    heraldOld = await register("herald");
    await register("bob");
    c.clock.advance(1000);
    await setRule("grant", "herald", "build*", "read");
    c.clock.advance(1000);
    await setRule("deny", "bob", "secret", "write");
    c.clock.advance(1000);
    heraldNew = generateKeyPair().publicKey;
    await c.q.rotate(
      rotationFromWire(
        signRotation(opKey, { operator: "op-main", name: "herald", publicKey: heraldNew }, c.clock.now()),
      ),
    );
    c.clock.advance(1000);
    await c.q.revoke(
      revocationFromWire(signRevocation(opKey, { operator: "op-main", name: "herald" }, c.clock.now())),
    );
    c.events.length = 0;
  });
  afterEach(() => shut(c));

  const t0 = 1_800_000_000;
  const rules = [
    {
      agent: "bob",
      pattern: "secret",
      permission: "write",
      effect: "deny",
      set_by: "op-main",
      set_at: t0 + 2,
    },
    {
      agent: "herald",
      pattern: "build*",
      permission: "read",
      effect: "allow",
      set_by: "op-main",
      set_at: t0 + 1,
    },
  ];

  it("shows a local caller (undefined) and an operator every rule and key event", async () => {
    for (const caller of [LOCAL, asOp]) {
      assert.deepEqual(await c.q.accessRules(caller), rules);
      assert.deepEqual(await c.q.accessRules(caller, "bob"), [rules[0]]);
      assert.deepEqual(await c.q.keyEvents(caller, "herald"), [
        {
          name: "herald",
          event: "rotate",
          public_key: heraldNew.trim(),
          previous_key: heraldOld,
          by: "op-main",
          at: t0 + 3,
        },
        {
          name: "herald",
          event: "revoke",
          public_key: null,
          previous_key: heraldNew.trim(),
          by: "op-main",
          at: t0 + 4,
        },
      ]);
      assert.deepEqual(await c.q.keyEvents(caller, "bob"), []);
    }
    assert.equal(c.events.length, 0);
  });

  it("refuses a registered non-operator as forbidden, and reports it", async () => {
    await assert.rejects(
      c.q.accessRules({ kind: "agent", agent: "bob" }),
      fails("forbidden", /operators only/),
    );
    await assert.rejects(c.q.keyEvents({ kind: "agent", agent: "bob" }, "herald"), fails("forbidden"));
    // A principal claiming a role its record does not have is refused too.
    await assert.rejects(c.q.accessRules({ kind: "operator", agent: "bob" }), fails("forbidden"));
    assert.deepEqual(
      c.events.map((e) => [e.type, e.code, e.action, e.agent]),
      [
        ["forbidden", "forbidden", "access", "bob"],
        ["forbidden", "forbidden", "key-events", "bob"],
        ["forbidden", "forbidden", "access", "bob"],
      ],
    );
  });

  it("refuses nobody proven (null) as unauthorized, naming the operator's proof", async () => {
    await assert.rejects(
      c.q.accessRules(ANONYMOUS),
      fails(
        "unauthorized",
        /^secure mode is on: listing access rules needs an operator's request proof \(el-ipc: --key <file> --as <operator>\)$/,
      ),
    );
    await assert.rejects(c.q.keyEvents(ANONYMOUS, "herald"), fails("unauthorized", /listing key events/));
    assert.deepEqual(
      c.events.map((e) => e.type),
      ["unauthenticated", "unauthenticated"],
    );
  });

  it("refuses revoked and unknown callers before looking at the name asked about", async () => {
    await assert.rejects(c.q.accessRules(asHerald), fails("forbidden", /revoked/));
    await assert.rejects(
      c.q.keyEvents({ kind: "operator", agent: "mallory" }, "bob"),
      fails("unknown_agent"),
    );
    await assert.rejects(c.q.keyEvents({ kind: "agent", agent: "bob" }, "nobody"), fails("forbidden"));
    await assert.rejects(c.q.keyEvents(asOp, "nobody"), fails("unknown_agent", /not registered/));
    await assert.rejects(c.q.accessRules(asOp, "nobody"), fails("unknown_agent"));
  });

  it("lets a second operator look, until it is revoked", async () => {
    await c.q.seed(LOCAL, "op-two");
    const asOp2: Caller = { kind: "operator", agent: "op-two" };
    assert.deepEqual(await c.q.accessRules(asOp2), rules);
    await c.q.revoke(
      revocationFromWire(signRevocation(opKey, { operator: "op-main", name: "op-two" }, c.clock.now())),
    );
    await assert.rejects(c.q.accessRules(asOp2), fails("forbidden", /revoked/));
    assert.equal((await c.q.keyEvents(asOp, "op-two"))[0]?.event, "revoke");
  });
});
