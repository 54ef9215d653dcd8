// Two real `el-ipc serve` processes on one PostgreSQL database, as behind a load balancer: wake-ups across
// servers, concurrent writers and readers that ack as they go, replay guards, idempotency keys and names
// across servers, a revoke on A ending B's stream, and one server SIGKILLed under load. Skips when no
// PostgreSQL answers.
import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import {
  requestProofHeaders,
  signMessageV2,
  signRegistration,
  signRevocation,
} from "../../src/client/sign.js";
import { LOCAL } from "../../src/core/caller.js";
import { createQueue } from "../../src/core/queue.js";
import type { Delivered } from "../../src/core/types.js";
import { generateKeyPair, parsePrivateKey } from "../../src/crypto/keys.js";
import { openStore } from "../../src/store/open.js";
import { delay, freePort, startServerProcess } from "../helpers/cli.js";
import { postJson } from "../helpers/http.js";
import { makePostgresDatabase, pgUnavailable, type TestPgDatabase } from "../helpers/postgres.js";
import { openSse, take } from "../helpers/sse.js";

const skip = await pgUnavailable();

type Server = Awaited<ReturnType<typeof startServerProcess>>;

const envOf = (db: TestPgDatabase): NodeJS.ProcessEnv => ({
  IPC_DB_URL: db.url,
  IPC_DB_PATH: "",
  IPC_DB_POOL: "4",
  IPC_RATE_LIMIT: "off",
});

async function readPage(url: string, channel: string, agent: string, wait = false): Promise<Delivered[]> {
  const r = await fetch(
    `${url}/messages?channel=${channel}&agent=${agent}&limit=100${wait ? "&wait=true&timeout=5" : ""}`,
  );
  assert.equal(r.status, 200, await r.clone().text());
  return (await r.json()) as Delivered[];
}

describe("two servers on one PostgreSQL database (open mode)", { skip: skip ?? false }, () => {
  let db: TestPgDatabase;
  let a: Server;
  let b: Server;
  before(async () => {
    db = await makePostgresDatabase();
    [a, b] = await Promise.all([startServerProcess(envOf(db)), startServerProcess(envOf(db))]);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
  });

  it("wakes a long-poll on B for a message sent through A, in milliseconds", async () => {
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const poll = fetch(`${b.url}/messages?channel=wake&agent=bob&wait=true&timeout=10`);
      await delay(30);
      const t0 = performance.now();
      const sent = await postJson(`${a.url}/send`, { channel: "wake", sender: "alice", content: `w${i}` });
      assert.equal(sent.status, 200);
      const got = (await (await poll).json()) as Delivered[];
      times.push(performance.now() - t0);
      assert.deepEqual(
        got.map((m) => m.content),
        [`w${i}`],
      );
    }
    times.sort((x, y) => x - y);
    // The figure is measured by the benchmark; here only that it is a push, not a poll or a timeout.
    assert.ok((times[times.length - 1] as number) < 1000, `slowest cross-server wake ${times.at(-1)} ms`);
  });

  it("gives readers that ack as they go every message of concurrent writers on both servers exactly once, in order", async () => {
    const writers = 4;
    const each = 50;
    const writing = Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let i = 0; i < each; i++) {
          const url = (w + i) % 2 ? a.url : b.url;
          const r = await postJson(`${url}/send`, { channel: "busy", sender: `w${w}`, content: `${w}:${i}` });
          assert.equal(r.status, 200);
        }
      }),
    );
    const readers = ["r1", "r2"].map(async (agent, k) => {
      const seen: Delivered[] = [];
      // Reads move the agent's watermark to the highest id returned: an ack as it goes, through both servers.
      for (let turn = 0; seen.length < writers * each; turn++) {
        assert.ok(turn < 5000, `${agent} stalled at ${seen.length}`);
        seen.push(...(await readPage((turn + k) % 2 ? a.url : b.url, "busy", agent, true)));
      }
      return seen;
    });
    await writing;
    for (const seen of await Promise.all(readers)) {
      const contents = seen.map((m) => m.content);
      assert.equal(contents.length, writers * each);
      assert.equal(new Set(contents).size, contents.length, "a message was delivered twice");
      for (let i = 1; i < seen.length; i++)
        assert.ok((seen[i] as Delivered).id > (seen[i - 1] as Delivered).id);
    }
  });

  it("answers an idempotency key reused on B with A's id", async () => {
    const body = { channel: "idem", sender: "alice", content: "once", key: "k-cross" };
    const first = (await (await postJson(`${a.url}/send`, body)).json()) as {
      id: number;
      duplicate: boolean;
    };
    const again = (await (await postJson(`${b.url}/send`, body)).json()) as {
      id: number;
      duplicate: boolean;
    };
    assert.equal(again.id, first.id);
    assert.equal(again.duplicate, true);
    assert.equal((await readPage(a.url, "idem", "carol")).length, 1);
  });
});

describe("two servers on one PostgreSQL database (secure mode)", { skip: skip ?? false }, () => {
  let db: TestPgDatabase;
  let a: Server;
  let b: Server;
  const alice = generateKeyPair();
  const aliceKey = parsePrivateKey(alice.privateKey);
  let op: ReturnType<typeof parsePrivateKey>;
  before(async () => {
    db = await makePostgresDatabase();
    const q = createQueue({ store: await openStore({ kind: "postgres", url: db.url, pool: 2 }) });
    op = parsePrivateKey((await q.seed(LOCAL, "op")).privateKey);
    await q.close();
    [a, b] = await Promise.all([startServerProcess(envOf(db)), startServerProcess(envOf(db))]);
    const reg = signRegistration(op, {
      operator: "op",
      name: "alice",
      identity: "",
      publicKey: alice.publicKey,
    });
    assert.equal((await postJson(`${a.url}/register`, reg)).status, 200);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
  });

  it("refuses on B a signed message A accepted, and a name A registered", async () => {
    const m = { channel: "sec", sender: "alice", content: "signed once" };
    const body = { ...m, ...signMessageV2(aliceKey, m) };
    assert.equal((await postJson(`${a.url}/send`, body)).status, 200);
    const replay = await postJson(`${b.url}/send`, body);
    assert.equal(replay.status, 409);
    assert.equal(((await replay.json()) as { code: string }).code, "replayed");
    const other = generateKeyPair();
    const taken = signRegistration(op, {
      operator: "op",
      name: "alice",
      identity: "",
      publicKey: other.publicKey,
    });
    const r = await postJson(`${b.url}/register`, taken);
    assert.equal(r.status, 409, await r.clone().text());
  });

  it("ends alice's stream on B within a second of her revocation through A", async () => {
    const target = "/stream?channel=sec&agent=alice";
    const c = await openSse(b.url + target, requestProofHeaders(aliceKey, "alice", "GET", target, ""));
    assert.equal(c.status, 200, c.body);
    await take(c, 1);
    const t0 = performance.now();
    const revoked = await postJson(`${a.url}/revoke`, signRevocation(op, { operator: "op", name: "alice" }));
    assert.equal(revoked.status, 200, await revoked.clone().text());
    const ev = await c.next();
    assert.equal(ev.event, "error");
    await c.ended;
    const ms = performance.now() - t0;
    assert.ok(ms < 1000, `B's stream ended ${ms} ms after the revoke`);
  });
});

describe("one of two servers SIGKILLed under load", { skip: skip ?? false }, () => {
  let db: TestPgDatabase;
  const servers: Server[] = [];
  before(async () => {
    db = await makePostgresDatabase();
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await db?.drop();
  });

  it("loses and doubles nothing answered; clients carry on through the survivor; the killed one restarts", async () => {
    const portA = await freePort();
    const first = await startServerProcess(envOf(db), [], String(portA));
    const b = await startServerProcess(envOf(db));
    servers.push(b);
    const urls = [first.url, b.url];
    let stop = false;
    const answered: { key: string; id: number }[] = [];
    // A client behind the load balancer: alternates servers, and retries a send that got no answer on the
    // other one with the same idempotency key (what an el-ipc client does after a lost connection).
    const client = async (c: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        const key = `c${c}-${i}`;
        const body = { channel: "load", sender: `c${c}`, content: key, key };
        for (let attempt = 0; ; attempt++) {
          assert.ok(attempt < 50, `${key} never answered`);
          const url = urls[(c + i + attempt) % 2] as string;
          try {
            const r = await postJson(`${url}/send`, body);
            if (r.status === 200) {
              answered.push({ key, id: ((await r.json()) as { id: number }).id });
              break;
            }
          } catch {
            // Connection refused or reset: the other server next.
          }
          await delay(20);
        }
      }
    };
    const clients = Array.from({ length: 4 }, (_, c) => client(c));
    while (answered.length < 100) await delay(20);
    first.child.kill("SIGKILL");
    const atKill = answered.length;
    while (answered.length < atKill + 100) await delay(20);
    const again = await startServerProcess(envOf(db), [], String(portA));
    servers.push(again);
    const atRestart = answered.length;
    while (answered.length < atRestart + 100) await delay(20);
    stop = true;
    await Promise.all(clients);

    const stored: Delivered[] = [];
    for (;;) {
      const page = await readPage(again.url, "load", "auditor");
      if (page.length === 0) break;
      stored.push(...page);
    }
    const byKey = new Map<string, number>();
    for (const m of stored) {
      assert.ok(!byKey.has(m.content), `${m.content} stored twice`);
      byKey.set(m.content, m.id);
    }
    for (const x of answered)
      assert.equal(
        byKey.get(x.key),
        x.id,
        `${x.key} answered with ${x.id} but stored as ${byKey.get(x.key)}`,
      );
    assert.equal(stored.length, answered.length, "stored messages nobody got an answer for");
  });
});
