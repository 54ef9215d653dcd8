// Outbound webhooks on PostgreSQL, where ids become visible in order only within a channel: a prefix
// webhook keeps one cursor per channel, so a lower id committing late on another channel is still
// delivered; and two servers on one database deliver every message once between them (the lease).
// Skips with a message when no PostgreSQL answers.
import * as assert from "node:assert/strict";
import type { KeyObject } from "node:crypto";
import { describe, it } from "node:test";
import postgres from "postgres";
import { signMessageV2, signWebhookAdd } from "../../src/client/sign.js";
import { LOCAL } from "../../src/core/caller.js";
import type { Delivered } from "../../src/core/types.js";
import { sendFromWire } from "../../src/core/wire.js";
import { parsePrivateKey } from "../../src/crypto/keys.js";
import { newWebhookSecret } from "../../src/crypto/webhook-signature.js";
import { type RunningHttpServer, startHttpServer } from "../../src/http/server.js";
import { createPostgresStore } from "../../src/store/postgres/index.js";
import type { WebhookStore } from "../../src/store/types.js";
import { postJson, tempDir, testConfig, until } from "../helpers/http.js";
import { makePostgresDatabase, pgUnavailable } from "../helpers/postgres.js";
import { startReceiver } from "../helpers/receiver.js";
import { unsignedMessage } from "../helpers/store.js";

const skip = await pgUnavailable();

const message = (channel: string, content: string) => unsignedMessage(channel, content);

describe("webhooks on PostgreSQL", { skip: skip ?? false }, () => {
  it("delivers a message that commits after a higher id on another channel was delivered", async () => {
    const db = await makePostgresDatabase();
    const store = await createPostgresStore({ url: db.url, pool: 2 });
    const raw = postgres(db.url, { max: 1, onnotice: () => undefined });
    try {
      const hooks = store.webhooks as WebhookStore;
      const id = await hooks.addWebhook({
        pattern: "ci-*",
        url: "http://127.0.0.1:1/",
        secret: newWebhookSecret(),
        allowPrivate: true,
        createdBy: "op",
        createdAt: 1,
      });
      const hook = async () => (await hooks.listWebhooks()).find((w) => w.id === id) as never;
      // A writer on ci-a takes its id as the store does (channel row locked) and holds its commit.
      let commit!: () => void;
      const held = new Promise<void>((resolve) => {
        commit = resolve;
      });
      let taken!: (id: number) => void;
      const lateId = new Promise<number>((resolve) => {
        taken = resolve;
      });
      const late = raw.begin(async (tx) => {
        await tx`INSERT INTO channels (channel) VALUES ('ci-a') ON CONFLICT DO NOTHING`;
        await tx`SELECT 1 FROM channels WHERE channel = 'ci-a' FOR UPDATE`;
        const [r] = await tx<{ id: number }[]>`SELECT nextval('messages_id_seq')::int AS id`;
        const mid = (r as { id: number }).id;
        await tx`INSERT INTO messages (id, channel, sender, content, created_at)
                 VALUES (${mid}, 'ci-a', 'w', 'late', 1800000000.5)`;
        await tx`UPDATE channels SET count = count + 1, top_id = GREATEST(top_id, ${mid}) WHERE channel = 'ci-a'`;
        taken(mid);
        await held;
      });
      const low = await lateId;
      const [r] = await store.append([message("ci-b", "early")]);
      const high = r && "id" in r ? r.id : 0;
      assert.ok(high > low, `ci-b's id ${high} is above the uncommitted ${low}`);
      // The dispatcher's step: read, deliver, advance.
      const first = await hooks.webhookMessages(await hook(), 100);
      assert.deepEqual(
        first.map((m) => [m.channel, m.id]),
        [["ci-b", high]],
      );
      await hooks.advanceWebhook(id, "ci-b", high);
      assert.equal(((await hook()) as { position: number }).position, high);
      commit();
      await late;
      const second = await hooks.webhookMessages(await hook(), 100);
      assert.deepEqual(
        second.map((m) => [m.channel, m.id, m.content]),
        [["ci-a", low, "late"]],
        "the late commit below the delivered id is not skipped",
      );
      await hooks.advanceWebhook(id, "ci-a", low);
      assert.deepEqual(await hooks.webhookMessages(await hook(), 100), []);
      // A new channel starts at the webhook's first position, so its first message is delivered too.
      await store.append([message("ci-c", "new channel")]);
      assert.deepEqual(
        (await hooks.webhookMessages(await hook(), 100)).map((m) => m.channel),
        ["ci-c"],
      );
      assert.equal(await hooks.removeWebhook(id), true);
      const [left] = await raw<{ n: number }[]>`SELECT count(*)::int AS n FROM webhook_positions`;
      assert.equal(left?.n, 0, "removing the webhook removes its cursors");
    } finally {
      await raw.end();
      await store.close();
      await db.drop();
    }
  });

  it("two servers on one database deliver every message of concurrent writers once, none skipped", async () => {
    const db = await makePostgresDatabase();
    const t = tempDir();
    const receiver = await startReceiver();
    const servers: RunningHttpServer[] = [];
    try {
      const config = { ...testConfig(t.dbPath), store: { kind: "postgres" as const, url: db.url, pool: 4 } };
      const timings = { retryBaseMs: 20, retryMaxMs: 50, giveUpMs: 60_000, timeoutMs: 2000, pollMs: 20 };
      for (let i = 0; i < 2; i++) {
        servers.push(await startHttpServer(config, { logLevel: "silent", webhookTimings: timings }));
      }
      const [a, b] = servers as [RunningHttpServer, RunningHttpServer];
      const OP = "op-main";
      const opKey: KeyObject = parsePrivateKey((await a.queue.seed(LOCAL, OP)).privateKey);
      const body = signWebhookAdd(opKey, {
        operator: OP,
        pattern: "load-*",
        url: receiver.url,
        secret: newWebhookSecret(),
        allowPrivate: true,
      });
      const res = await postJson(`${a.url}/webhooks`, body);
      assert.equal(res.status, 200, await res.clone().text());

      // Six writers, three channels, both servers: commits interleave across channels.
      const sent = new Map<number, string>();
      const channels = ["load-a", "load-b", "load-c"];
      await Promise.all(
        Array.from({ length: 6 }, async (_, w) => {
          const server = w % 2 === 0 ? a : b;
          for (let i = 0; i < 25; i++) {
            const m = { channel: channels[(w + i) % 3] as string, sender: OP, content: `${w}:${i}` };
            const { id } = await server.queue.send(sendFromWire({ ...m, ...signMessageV2(opKey, m) }));
            sent.set(id, m.channel);
          }
        }),
      );
      assert.equal(sent.size, 150);
      await until(
        () => new Set(receiver.received.map((r) => r.headers["webhook-id"])).size >= sent.size,
        30_000,
      );
      // Give a doubled delivery the time to show.
      await new Promise((r) => setTimeout(r, 300));
      const got = receiver.received.map((r) => (JSON.parse(r.body) as { data: Delivered }).data);
      const ids = got.map((d) => d.id);
      assert.deepEqual(
        [...new Set(ids)].sort((x, y) => x - y),
        [...sent.keys()].sort((x, y) => x - y),
        "every message delivered, none skipped",
      );
      assert.equal(ids.length, sent.size, "each message delivered once (one server holds the webhook)");
      for (const c of channels) {
        const mine = got.filter((d) => d.channel === c).map((d) => d.id);
        assert.deepEqual(
          mine,
          [...mine].sort((x, y) => x - y),
          `${c} delivered in order`,
        );
      }
    } finally {
      for (const s of servers) await s.close();
      await receiver.close();
      await db.drop();
      t.cleanup();
    }
  });
});
