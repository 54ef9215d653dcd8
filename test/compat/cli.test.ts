// The reference's database and keys through the real CLI and a real server: what existing agents see.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type AgentCard, cardDid } from "../../src/core/card.js";
import { cliJson, runCli, startServerProcess, tempDb } from "../helpers/cli.js";
import { compatJson, copyCompat } from "../helpers/fixtures.js";

interface Expect {
  channels: Record<string, number>;
  agents: Record<string, string>;
  herald_identity: string;
}

describe("reference database through the CLI", () => {
  const t = tempDb();
  const expect = compatJson<Expect>("seed-ipc.expect.json");
  let herald: string;
  before(() => {
    copyCompat("seed-ipc.db", t.dir, "ipc.db");
    herald = copyCompat("herald.key", t.dir);
  });
  after(() => t.cleanup());

  it("channels shows the reference's counts", async () => {
    const chans = await cliJson<{ channel: string; count: number }[]>(["channels"], t.env);
    assert.deepEqual(Object.fromEntries(chans.map((c) => [c.channel, c.count])), expect.channels);
  });

  it("agents shows the reference's roles and herald's identity", async () => {
    const agents = await cliJson<{ name: string; role: string; identity: string }[]>(
      ["agents", "--json"],
      t.env,
    );
    assert.deepEqual(Object.fromEntries(agents.map((a) => [a.name, a.role])), expect.agents);
    assert.equal(agents.find((a) => a.name === "herald")?.identity, expect.herald_identity);
    const text = await runCli(["agents"], t.env);
    assert.match(text.stdout, /\[operator\] op-main\n/);
    assert.match(text.stdout, new RegExp(`herald id=${expect.herald_identity} \\(registered by op-main\\)`));
  });

  it("herald keeps sending and reading with its reference key; secure mode stays on", async () => {
    const unsigned = await runCli(["send", "general", "herald", "no key"], t.env);
    assert.equal(unsigned.code, 1);
    const sent = await cliJson<{ id: number; signed: boolean }>(
      ["send", "general", "herald", "from el-ipc", "--key", herald],
      t.env,
    );
    assert.equal(sent.signed, true);
    // Ids continue after the reference's last one (10); the refused unsigned send took 11 on _security.
    assert.equal(sent.id, 12, "ids continue after the reference's last one and the refusal's event");
    const msgs = await cliJson<{ id: number; content: string; signed?: boolean }[]>(
      ["read", "general", "herald", "--key", herald],
      t.env,
    );
    assert.deepEqual(
      msgs.map((m) => m.id),
      [1, 2, 3, 4, 5, 9, 10, 12],
    );
    assert.equal(msgs.find((m) => m.id === 10)?.signed, true);
  });

  it("a server on the reference database reports secure mode and the operator's did:key", async () => {
    const server = await startServerProcess(t.env);
    try {
      const health = (await (await fetch(`${server.url}/health`)).json()) as { secure_mode: boolean };
      assert.equal(health.secure_mode, true);
      const card = (await (await fetch(`${server.url}/.well-known/agent-card.json`)).json()) as AgentCard;
      assert.match(cardDid(card) ?? "", /^did:key:z6Mk/);
    } finally {
      await server.stop();
    }
  });
});
