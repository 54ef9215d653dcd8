// Outbound webhooks end to end: a real server on port 0 delivering to a real local receiver, signatures
// checked by the standardwebhooks package (its own HMAC-SHA256), order, retries, the delivery log,
// disabling after repeated failure and a receiver that never answers.
import * as assert from "node:assert/strict";
import type { KeyObject } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { Webhook } from "standardwebhooks";
import {
  requestProofHeaders,
  signMessageV2,
  signWebhookAdd,
  signWebhookChange,
} from "../../src/client/sign.js";
import { LOCAL } from "../../src/core/caller.js";
import type { Delivered } from "../../src/core/types.js";
import type { DeliveryInfo, WebhookInfo } from "../../src/core/webhooks.js";
import { sendFromWire } from "../../src/core/wire.js";
import { parsePrivateKey } from "../../src/crypto/keys.js";
import { newWebhookSecret } from "../../src/crypto/webhook-signature.js";
import { type RunningHttpServer, startHttpServer } from "../../src/http/server.js";
import { postJson, tempDir, testConfig, until } from "../helpers/http.js";
import { type Received, type Receiver, startReceiver } from "../helpers/receiver.js";

const OP = "op-main";

describe("outbound webhooks", () => {
  const t = tempDir();
  let s: RunningHttpServer;
  let opKey: KeyObject;
  const receivers: Receiver[] = [];

  before(async () => {
    s = await startHttpServer(testConfig(t.dbPath), {
      logLevel: "silent",
      webhookTimings: { retryBaseMs: 30, retryMaxMs: 120, giveUpMs: 700, timeoutMs: 300, pollMs: 20 },
    });
    opKey = parsePrivateKey((await s.queue.seed(LOCAL, OP)).privateKey);
  });
  after(async () => {
    await s.close();
    for (const r of receivers) await r.close();
    t.cleanup();
  });

  async function receiver(answer?: Receiver["answer"]): Promise<Receiver> {
    const r = await startReceiver(answer);
    receivers.push(r);
    return r;
  }

  async function addHook(pattern: string, url: string, secret = newWebhookSecret()): Promise<number> {
    const body = signWebhookAdd(opKey, { operator: OP, pattern, url, secret, allowPrivate: true });
    const res = await postJson(`${s.url}/webhooks`, body);
    const json = (await res.json()) as { id: number };
    assert.equal(res.status, 200, JSON.stringify(json));
    return json.id;
  }

  async function send(channel: string, content: string): Promise<number> {
    const m = { channel, sender: OP, content };
    return (await s.queue.send(sendFromWire({ ...m, ...signMessageV2(opKey, m) }))).id;
  }

  async function operatorGet<T>(target: string): Promise<T> {
    const res = await fetch(s.url + target, { headers: requestProofHeaders(opKey, OP, "GET", target, "") });
    assert.equal(res.status, 200);
    return (await res.json()) as T;
  }

  const dataOf = (r: Received) => (JSON.parse(r.body) as { data: Delivered & { webhook: number } }).data;
  const headersOf = (r: Received) => ({
    "webhook-id": String(r.headers["webhook-id"]),
    "webhook-timestamp": String(r.headers["webhook-timestamp"]),
    "webhook-signature": String(r.headers["webhook-signature"]),
  });

  it("POSTs every new message on matching channels, in order, signed as standardwebhooks verifies", async () => {
    const secret = newWebhookSecret();
    await send("ci-a", "before the webhook");
    const r = await receiver();
    await addHook("ci-*", r.url, secret);
    const sent: number[] = [];
    for (let i = 0; i < 30; i++) {
      sent.push(await send(i % 2 ? "ci-a" : "ci-b", `m${i}`));
      await send("other", "not matched");
    }
    assert.ok(await until(() => r.received.length >= 30, 10_000), `got ${r.received.length}`);
    await new Promise((ok) => setTimeout(ok, 100));
    assert.deepEqual(
      r.received.map((x) => dataOf(x).id),
      sent,
    );
    assert.deepEqual(
      r.received.map((x) => dataOf(x).content),
      sent.map((_, i) => `m${i}`),
    );
    const verifier = new Webhook(secret);
    for (const x of r.received) {
      const payload = verifier.verify(x.body, headersOf(x)) as { type: string; data: Delivered };
      assert.equal(payload.type, "message.created");
      assert.equal(x.headers["content-type"], "application/json");
    }
    // The check can fail: a changed body, another secret.
    const first = r.received[0] as Received;
    assert.throws(() => verifier.verify(first.body.replace("m0", "mX"), headersOf(first)));
    assert.throws(() => new Webhook(newWebhookSecret()).verify(first.body, headersOf(first)));
  });

  it("retries a failing receiver with growing pauses, keeps the order and logs every attempt", async () => {
    const r = await receiver((_, i) => (i < 3 ? 503 : 200));
    const id = await addHook("retry", r.url);
    const sent = [await send("retry", "one"), await send("retry", "two")];
    assert.ok(await until(() => r.received.length >= 5, 10_000), `got ${r.received.length}`);
    const ids = r.received.map((x) => dataOf(x).id);
    assert.deepEqual(ids, [sent[0], sent[0], sent[0], sent[0], sent[1]]);
    // The same webhook-id on every attempt of one message: receivers deduplicate on it.
    assert.equal(new Set(r.received.slice(0, 4).map((x) => x.headers["webhook-id"])).size, 1);
    const gaps = r.received.slice(1, 4).map((x, i) => x.at - (r.received[i] as Received).at);
    assert.ok((gaps[0] as number) >= 25 && (gaps[1] as number) >= 55, `pauses ${gaps}`);
    const log = await operatorGet<DeliveryInfo[]>(`/webhooks/deliveries?id=${id}&limit=10`);
    assert.deepEqual(
      log.reverse().map((d) => [d.message_id, d.attempt, d.outcome, d.status]),
      [
        [sent[0], 1, "failed", 503],
        [sent[0], 2, "failed", 503],
        [sent[0], 3, "failed", 503],
        [sent[0], 4, "delivered", 200],
        [sent[1], 1, "delivered", 200],
      ],
    );
  });

  it("holds one request at a time against a receiver that never answers, cut at the deadline", async () => {
    const r = await receiver(() => "hang");
    const id = await addHook("hang", r.url);
    for (let i = 0; i < 20; i++) await send("hang", `h${i}`);
    assert.ok(await until(() => r.received.length >= 3, 10_000));
    assert.equal(r.maxOpen(), 1);
    assert.equal(
      new Set(r.received.map((x) => dataOf(x).content)).size,
      1,
      "only the first message is tried",
    );
    const log = await operatorGet<DeliveryInfo[]>(`/webhooks/deliveries?id=${id}`);
    assert.match(log[0]?.error ?? "", /no answer within 300 ms/);
  });

  it("disables a webhook failing past the give-up time, tells _security, and resumes when enabled", async () => {
    let healthy = false;
    const r = await receiver(() => (healthy ? 200 : 500));
    const id = await addHook("flaky", r.url);
    const m = await send("flaky", "kept");
    const disabled = async () =>
      (await operatorGet<WebhookInfo[]>("/webhooks")).find((w) => w.id === id)?.disabled_at !== undefined;
    const end = Date.now() + 10_000;
    while (!(await disabled()) && Date.now() < end) await new Promise((ok) => setTimeout(ok, 50));
    assert.ok(await disabled(), "disabled");
    const hook = (await operatorGet<WebhookInfo[]>("/webhooks")).find((w) => w.id === id) as WebhookInfo;
    assert.match(hook.disabled_reason ?? "", /failed \d+ times/);
    assert.ok(hook.position < m, "the failed message is still ahead of the position");
    await s.queue.flushSecurityEvents();
    const notices = await s.queue.read(
      { kind: "operator", agent: OP },
      { channels: ["_security"], agent: OP, limit: 1000, peek: true },
    );
    assert.ok(
      notices.some(
        (n) => JSON.parse(n.content).type === "webhook_disabled" && JSON.parse(n.content).webhook === id,
      ),
    );
    const tried = r.received.length;
    await new Promise((ok) => setTimeout(ok, 200));
    assert.equal(r.received.length, tried, "no attempts while disabled");
    healthy = true;
    const res = await postJson(
      `${s.url}/webhooks/enable`,
      signWebhookChange(opKey, "enable", { operator: OP, id }),
    );
    assert.equal(res.status, 200);
    assert.ok(await until(() => r.received.some((x, i) => i >= tried && dataOf(x).id === m), 5000));
  });

  it("lists webhooks to operators only, never with their secret", async () => {
    const secret = newWebhookSecret();
    const r = await receiver();
    await addHook("listed", r.url, secret);
    const res = await fetch(`${s.url}/webhooks`);
    assert.equal(res.status, 401);
    const text = JSON.stringify(await operatorGet<WebhookInfo[]>("/webhooks"));
    assert.ok(text.includes("listed") && !text.includes(secret.slice(6)), text);
  });
});
