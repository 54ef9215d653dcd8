// Attacks on outbound webhooks: aiming one at internal services (loopback, private, link-local, IPv6 and
// IPv4-mapped forms, a DNS name resolving to loopback, a name that changes its answer after the check, a
// redirect), non-http schemes, and changes not signed by an active operator.
import * as assert from "node:assert/strict";
import type { KeyObject } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { signRegistration, signWebhookAdd, signWebhookChange } from "../../src/client/sign.js";
import { LOCAL } from "../../src/core/caller.js";
import { isInternalAddress, resolveWebhookTarget } from "../../src/core/webhook-address.js";
import type { DeliveryInfo } from "../../src/core/webhooks.js";
import { registrationFromWire } from "../../src/core/wire.js";
import { generateKeyPair, parsePrivateKey } from "../../src/crypto/keys.js";
import { newWebhookSecret } from "../../src/crypto/webhook-signature.js";
import { createSqliteStore } from "../../src/store/sqlite/index.js";
import type { Store, WebhookStore } from "../../src/store/types.js";
import { startDispatcher } from "../../src/webhooks/dispatcher.js";
import { type InjectServer, injectServer, until } from "../helpers/http.js";
import { type Receiver, startReceiver } from "../helpers/receiver.js";

const OP = "op-main";

describe("webhook attacks", () => {
  let s: InjectServer;
  let opKey: KeyObject;
  const agent = generateKeyPair();
  const agentKey = parsePrivateKey(agent.privateKey);
  let r: Receiver;
  // A second connection to the server's database, for what no route offers (a webhook the name check passed).
  let store: Store;
  const append = (channel: string, content: string) =>
    store.append([
      {
        channel,
        sender: OP,
        content,
        timestamp: 0,
        signature: "",
        sigVersion: 0,
        sigTimestamp: null,
        sigNonce: null,
      },
    ]);

  before(async () => {
    s = await injectServer();
    opKey = parsePrivateKey((await s.queue.seed(LOCAL, OP)).privateKey);
    await s.queue.register(
      registrationFromWire(
        signRegistration(opKey, { operator: OP, name: "mallory", identity: "m", publicKey: agent.publicKey }),
      ),
    );
    store = createSqliteStore({ path: s.dbPath });
    r = await startReceiver();
  });
  after(async () => {
    await r.close();
    await store.close();
    await s.close();
  });

  const add = (url: string, allowPrivate = false, key = opKey, operator = OP) =>
    s.app.inject({
      method: "POST",
      url: "/webhooks",
      payload: signWebhookAdd(key, {
        operator,
        pattern: "jobs",
        url,
        secret: newWebhookSecret(),
        allowPrivate,
      }),
    });
  const stored = async () => (await s.queue.webhooks(LOCAL)).length;

  it("classifies internal addresses, including IPv6 and IPv4 carried in IPv6", () => {
    for (const a of [
      "127.0.0.1",
      "127.9.9.9",
      "10.1.2.3",
      "172.16.0.1",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "224.0.0.1",
      "255.255.255.255",
      "::1",
      "::",
      "::ffff:127.0.0.1",
      "::ffff:7f00:1",
      "::ffff:169.254.169.254",
      "64:ff9b::a9fe:a9fe",
      "2002:7f00:1::",
      "fe80::1",
      "fe80::1%eth0",
      "fd00::1",
      "ff02::1",
      "not-an-address",
    ]) {
      assert.equal(isInternalAddress(a), true, a);
    }
    for (const a of ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8", "2002:808:808::"]) {
      assert.equal(isInternalAddress(a), false, a);
    }
  });

  it("refuses loopback, private and link-local URLs without --allow-private, storing nothing", async () => {
    for (const url of [
      "http://127.0.0.1:9/",
      "http://localhost:9/",
      "http://[::1]:9/",
      "http://[::ffff:127.0.0.1]:9/",
      "http://[::ffff:7f00:1]:9/",
      "http://169.254.169.254/latest/meta-data/",
      "http://10.0.0.1/",
      "http://0.0.0.0:9/",
      "https://2130706433/",
      "http://0x7f.1/",
    ]) {
      const res = await add(url);
      assert.equal(res.statusCode, 403, `${url}: ${res.body}`);
      assert.equal(res.json().code, "forbidden");
      assert.match(res.json().error, /--allow-private/);
    }
    assert.equal(await stored(), 0);
  });

  it("refuses schemes other than http(s) and URLs with credentials", async () => {
    for (const url of [
      "file:///etc/passwd",
      "gopher://example.com/",
      "ftp://example.com/",
      "http://u:p@example.com/",
      "not a url",
    ]) {
      const res = await add(url, true);
      assert.equal(res.statusCode, 400, `${url}: ${res.body}`);
      assert.equal(res.json().code, "invalid_argument");
    }
    assert.equal(await stored(), 0);
  });

  it("refuses webhook changes by a non-operator, unsigned, tampered or replayed", async () => {
    const byAgent = await add(`${r.url}/`, true, agentKey, "mallory");
    assert.equal(byAgent.statusCode, 403, byAgent.body);
    const body = signWebhookAdd(opKey, {
      operator: OP,
      pattern: "jobs",
      url: `${r.url}/`,
      secret: newWebhookSecret(),
      allowPrivate: true,
    });
    const tampered = await s.app.inject({
      method: "POST",
      url: "/webhooks",
      payload: { ...body, url: "http://127.0.0.2/" },
    });
    assert.equal(tampered.statusCode, 401, tampered.body);
    const otherSecret = await s.app.inject({
      method: "POST",
      url: "/webhooks",
      payload: { ...body, secret: newWebhookSecret() },
    });
    assert.equal(otherSecret.statusCode, 401, otherSecret.body);
    const unsigned = await s.app.inject({
      method: "POST",
      url: "/webhooks",
      payload: { pattern: "jobs", url: `${r.url}/` },
    });
    assert.equal(unsigned.statusCode, 400, unsigned.body);
    assert.equal(await stored(), 0);
    const ok = await s.app.inject({ method: "POST", url: "/webhooks", payload: body });
    assert.equal(ok.statusCode, 200, ok.body);
    const again = await s.app.inject({ method: "POST", url: "/webhooks", payload: body });
    assert.equal(again.statusCode, 409, again.body);
    const id = ok.json().id as number;
    const removeByAgent = await s.app.inject({
      method: "POST",
      url: "/webhooks/remove",
      payload: signWebhookChange(agentKey, "remove", { operator: "mallory", id }),
    });
    assert.equal(removeByAgent.statusCode, 403, removeByAgent.body);
    const inbox = await s.app.inject({
      method: "POST",
      url: "/webhooks",
      payload: signWebhookAdd(opKey, {
        operator: OP,
        pattern: "@alice",
        url: `${r.url}/`,
        secret: newWebhookSecret(),
        allowPrivate: true,
      }),
    });
    assert.equal(inbox.statusCode, 400, inbox.body);
    assert.equal(await stored(), 1);
  });

  it("checks every delivery's address again: a name that turns to 127.0.0.1 after the check gets nothing", async () => {
    const hooks = store.webhooks as WebhookStore;
    let answer = "93.184.216.34";
    const lookup = async () => [{ address: answer, family: 4 as const }];
    const url = `http://rebind.example:${r.port}/`;
    // When the webhook is added the name resolves to a public address; at delivery, to loopback.
    assert.equal((await resolveWebhookTarget(url, false, lookup)).address, "93.184.216.34");
    const id = await hooks.addWebhook({
      pattern: "rebind",
      url,
      secret: newWebhookSecret(),
      allowPrivate: false,
      createdBy: OP,
      createdAt: 0,
    });
    answer = "127.0.0.1";
    const d = startDispatcher({
      store: hooks,
      report: (e) => s.queue.reportSecurityEvent(e),
      timings: { pollMs: 10 },
      lookup,
    });
    try {
      await append("rebind", "internal");
      const disabled = async () => (await hooks.listWebhooks()).find((h) => h.id === id)?.disabledAt != null;
      const end = Date.now() + 3000;
      while (!(await disabled()) && Date.now() < end) await new Promise((ok) => setTimeout(ok, 20));
      const w = (await hooks.listWebhooks()).find((h) => h.id === id);
      assert.ok(w?.disabledAt != null, "disabled");
      assert.match(w?.disabledReason ?? "", /resolves to 127\.0\.0\.1/);
      assert.equal(r.received.length, 0);
    } finally {
      await d.stop();
    }
  });

  it("does not follow a redirect to a private address", async () => {
    const inner = await startReceiver();
    const outer = await startReceiver(() => ({
      status: 307,
      headers: { location: `${inner.url}/internal` },
    }));
    const hooks = store.webhooks as WebhookStore;
    const id = await hooks.addWebhook({
      pattern: "redirect",
      url: `${outer.url}/`,
      secret: newWebhookSecret(),
      allowPrivate: true,
      createdBy: OP,
      createdAt: 0,
    });
    const d = startDispatcher({
      store: hooks,
      report: (e) => s.queue.reportSecurityEvent(e),
      timings: { pollMs: 10, retryBaseMs: 10_000 },
    });
    try {
      await append("redirect", "x");
      assert.ok(await until(() => outer.received.length === 1, 3000));
      await new Promise((ok) => setTimeout(ok, 100));
      assert.equal(inner.received.length, 0);
      const log: DeliveryInfo[] = await s.queue.webhookDeliveries(LOCAL, id);
      assert.equal(log[0]?.outcome, "failed");
      assert.match(log[0]?.error ?? "", /redirect to .* not followed/);
    } finally {
      await d.stop();
      await inner.close();
      await outer.close();
    }
  });
});
