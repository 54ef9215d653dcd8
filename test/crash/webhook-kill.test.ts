// Webhooks survive a server kill: set up with the CLI (seed, webhook add), SIGKILL the server in the middle
// of delivering, restart it on the same database, and check that the receiver got every message, in
// order, each signature valid (standardwebhooks), repeats only of the message in flight at the kill.
import * as assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { Webhook } from "standardwebhooks";
import type { WebhookInfo } from "../../src/core/webhooks.js";
import { createSqliteStore } from "../../src/store/sqlite/index.js";
import { cliJson, runCli, startServerProcess, tempDb } from "../helpers/cli.js";
import { until } from "../helpers/http.js";
import { startReceiver } from "../helpers/receiver.js";

const COUNT = 300;

describe("webhooks across a server kill", () => {
  const t = tempDb();
  after(() => t.cleanup());

  it("delivers every message once the server is back, in order, from the stored position", async () => {
    const seeded = await runCli(["seed", "op-main"], t.env);
    assert.equal(seeded.code, 0, seeded.stderr);
    const keyFile = join(t.dir, "op.key");
    writeFileSync(keyFile, seeded.stdout, { mode: 0o600 });
    const r = await startReceiver();
    const refused = await runCli(
      ["webhook", "add", "load*", `${r.url}/hook`, "--as", "op-main", "--key", keyFile],
      t.env,
    );
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /^el-ipc: .*--allow-private/);
    const added = await cliJson<{ id: number; secret: string }>(
      ["webhook", "add", "load*", `${r.url}/hook`, "--as", "op-main", "--key", keyFile, "--allow-private"],
      t.env,
    );
    assert.match(added.secret, /^whsec_/);

    // The messages are written straight into the database, as another writer would.
    const store = createSqliteStore({ path: t.db });
    const ids: number[] = [];
    for (let i = 0; i < COUNT; i++) {
      const [res] = await store.append([
        {
          channel: `load-${i % 3}`,
          sender: "writer",
          content: `n${i}`,
          timestamp: 0,
          signature: "",
          sigVersion: 0,
          sigTimestamp: null,
          sigNonce: null,
        },
      ]);
      ids.push((res as { id: number }).id);
    }
    await store.close();

    const first = await startServerProcess(t.env);
    assert.ok(await until(() => r.received.length >= 40, 20_000), `got ${r.received.length} before the kill`);
    first.child.kill("SIGKILL");
    await new Promise((ok) => first.child.once("exit", ok));
    const atKill = r.received.length;
    assert.ok(atKill < COUNT, "killed in the middle");

    const second = await startServerProcess(t.env);
    try {
      const seen = () =>
        new Set(r.received.map((x) => (JSON.parse(x.body) as { data: { id: number } }).data.id));
      assert.ok(await until(() => seen().size >= COUNT, 30_000), `got ${seen().size} of ${COUNT}`);
      const order: number[] = [];
      for (const x of r.received) {
        const id = (JSON.parse(x.body) as { data: { id: number } }).data.id;
        if (order[order.length - 1] !== id) order.push(id);
      }
      // At most the message in flight at the kill comes twice, one right after the other.
      assert.deepEqual(order, ids);
      assert.ok(r.received.length - COUNT <= 1, `${r.received.length - COUNT} repeats`);
      const verifier = new Webhook(added.secret);
      for (const x of r.received) {
        verifier.verify(x.body, {
          "webhook-id": String(x.headers["webhook-id"]),
          "webhook-timestamp": String(x.headers["webhook-timestamp"]),
          "webhook-signature": String(x.headers["webhook-signature"]),
        });
      }
      // The position moves just after the receiver answers the last one.
      let listed: WebhookInfo[] = [];
      for (let i = 0; i < 50; i++) {
        listed = await cliJson<WebhookInfo[]>(["webhook", "list", "--json"], t.env);
        if (listed[0]?.position === ids[ids.length - 1]) break;
      }
      assert.equal(listed[0]?.position, ids[ids.length - 1]);
      const log = await cliJson<{ outcome: string }[]>(
        ["webhook", "deliveries", String(added.id), "--json", "--limit", "5"],
        t.env,
      );
      assert.deepEqual(
        log.map((d) => d.outcome),
        ["delivered", "delivered", "delivered", "delivered", "delivered"],
      );
      const removed = await cliJson<{ ok: boolean }>(
        ["webhook", "remove", String(added.id), "--as", "op-main", "--key", keyFile],
        t.env,
      );
      assert.equal(removed.ok, true);
      assert.deepEqual(await cliJson(["webhook", "list", "--json"], t.env), []);
    } finally {
      await second.stop();
      await r.close();
    }
  });
});
