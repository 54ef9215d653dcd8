// Losing the PostgreSQL connection: requests answer 503 with Retry-After (never 500), a parked long-poll
// is kept, and once the database is back the server reconnects by itself and the long-poll gets the next
// message. The outage is a TCP proxy the test cuts. Skips when no PostgreSQL answers.
import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import type { Delivered } from "../../src/core/types.js";
import type { RunningHttpServer } from "../../src/http/server.js";
import { startHttpServer } from "../../src/http/server.js";
import { within } from "../helpers/fixtures.js";
import { postJson, tempDir, testConfig, until } from "../helpers/http.js";
import {
  makePostgresDatabase,
  type PgProxy,
  pgUnavailable,
  startPgProxy,
  type TestPgDatabase,
} from "../helpers/postgres.js";

const skip = await pgUnavailable();

describe("PostgreSQL outage (HTTP)", { skip: skip ?? false }, () => {
  let db: TestPgDatabase;
  let proxy: PgProxy;
  let server: RunningHttpServer;
  const t = tempDir();
  before(async () => {
    db = await makePostgresDatabase();
    proxy = await startPgProxy(db.url);
    const config = testConfig(t.dbPath, {});
    server = await startHttpServer(
      { ...config, store: { kind: "postgres", url: proxy.url, pool: 3 } },
      { logLevel: "silent" },
    );
  });
  after(async () => {
    await server?.close();
    await proxy?.close();
    await db?.drop();
    t.cleanup();
  });

  it("answers 503 with Retry-After while the database is gone, keeps the long-poll and resumes it", async () => {
    const sent = await postJson(`${server.url}/send`, { channel: "out", sender: "alice", content: "before" });
    assert.equal(sent.status, 200);
    await fetch(`${server.url}/messages?channel=out&agent=bob`);
    const poll = fetch(`${server.url}/messages?channel=out&agent=bob&wait=true&timeout=30`);
    assert.ok(await until(() => server.queue.waiting() === 1), "the long-poll is parked");
    // Parked before its first read: let that read (and the first LISTEN's resync) finish before the cut.
    await new Promise((ok) => setTimeout(ok, 500));

    await proxy.cut();
    const refused = await postJson(`${server.url}/send`, {
      channel: "out",
      sender: "alice",
      content: "lost?",
    });
    assert.equal(refused.status, 503);
    assert.ok(Number(refused.headers.get("retry-after")) >= 1, "Retry-After says when to try again");
    const body = (await refused.json()) as { error: string; code: string };
    assert.equal(body.code, "unavailable");
    const read = await fetch(`${server.url}/messages?channel=other&agent=bob`);
    assert.equal(read.status, 503);
    // Kept: still open, and parked again between its retries of the database.
    const early = await within(poll, 200);
    if (early !== "timeout")
      assert.fail(`the long-poll ended in the outage: ${early.status} ${await early.text()}`);
    assert.ok(await until(() => server.queue.waiting() === 1, 5000), "the long-poll waits again");

    await proxy.restore();
    let status = 0;
    const end = Date.now() + 15_000;
    while (status !== 200 && Date.now() < end) {
      const r = await postJson(`${server.url}/send`, { channel: "out", sender: "alice", content: "after" });
      status = r.status;
      if (status !== 200) await new Promise((ok) => setTimeout(ok, 200));
      else {
        const msgs = (await (await poll).json()) as Delivered[];
        assert.deepEqual(
          msgs.map((m) => m.content),
          ["after"],
          "the long-poll got the first message sent after the database came back",
        );
      }
    }
    assert.equal(status, 200, "the server reconnected by itself");
  });

  it("keeps answering 503 at once through a long outage (nothing queues), and a read refused moves no watermark", async () => {
    const sent = await postJson(`${server.url}/send`, { channel: "long", sender: "alice", content: "kept" });
    assert.equal(sent.status, 200);
    await proxy.cut();
    // Past the first seconds, where the driver's reconnect backoff had kept queries waiting (a first-use
    // walk saw requests hang from 2-4 s on, then run after their clients gave up).
    const end = Date.now() + 7000;
    let asked = 0;
    while (Date.now() < end) {
      for (const ask of [
        () => postJson(`${server.url}/send`, { channel: "long", sender: "alice", content: "refused" }),
        () => fetch(`${server.url}/messages?channel=long&agent=carol`),
        () => fetch(`${server.url}/channels`),
      ]) {
        const t0 = Date.now();
        const r = await ask();
        assert.equal(r.status, 503, `request ${asked} in the outage`);
        assert.ok(Date.now() - t0 < 1000, `request ${asked} answered in ${Date.now() - t0} ms`);
        asked++;
      }
      await new Promise((ok) => setTimeout(ok, 250));
    }
    await proxy.restore();
    let got: Delivered[] | undefined;
    let last = "";
    // As the first test allows: a busy database (other suites' pools) can make the reconnect slower.
    const back = Date.now() + 15_000;
    while (!got && Date.now() < back) {
      const r = await fetch(`${server.url}/messages?channel=long&agent=carol`);
      if (r.status === 200) got = (await r.json()) as Delivered[];
      else {
        last = `${r.status} ${await r.text()}`;
        await new Promise((ok) => setTimeout(ok, 100));
      }
    }
    assert.ok(got, `the server answers again within 15 s of the database's return (last: ${last})`);
    // Every refused read left carol's watermark where it was: she gets the message sent before the cut,
    // and nothing refused during the outage was stored.
    assert.deepEqual(
      got.map((m) => m.content),
      ["kept"],
    );
  });
});
