// The PostgreSQL store: the shared contract on a database of its own, then what only several writers
// show (ids visible in order per channel under concurrent writers, migrations run once). Skips with a
// message when no PostgreSQL answers.
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import postgres from "postgres";
import { createPostgresStore } from "../../src/store/postgres/index.js";
import { MIGRATIONS } from "../../src/store/postgres/schema.js";
import type { MessageRecord, Store } from "../../src/store/types.js";
import { makePostgresDatabase, pgUnavailable } from "../helpers/postgres.js";
import { unsignedMessage } from "../helpers/store.js";
import { runStoreContract } from "./contract.js";

const skip = await pgUnavailable();

if (skip) {
  describe("PostgreSQL store", () => {
    it("needs a PostgreSQL server", (t) => {
      t.skip(skip);
    });
  });
} else {
  runStoreContract("postgres", async () => {
    const db = await makePostgresDatabase();
    const opened: Store[] = [];
    const open = async (): Promise<Store> => {
      const s = await createPostgresStore({ url: db.url, pool: 4 });
      opened.push(s);
      return s;
    };
    const store = await open();
    return {
      store,
      makeSibling: open,
      cleanup: async () => {
        for (const s of opened) await s.close();
        await db.drop();
      },
    };
  });
}

const message = (channel: string, content: string) => unsignedMessage(channel, content);

describe("PostgreSQL store, several writers", { skip: skip ?? false }, () => {
  it("migrates a new database exactly once when several servers open it at the same instant", async () => {
    const db = await makePostgresDatabase();
    try {
      const stores = await Promise.all(
        Array.from({ length: 6 }, () => createPostgresStore({ url: db.url, pool: 2 })),
      );
      const [first] = await (stores[0] as Store).append([message("m", "after migrating")]);
      assert.ok(first && "id" in first);
      for (const s of stores) await s.close();
      const sql = postgres(db.url, { max: 1, onnotice: () => undefined });
      try {
        const [row] = await sql<{ version: number }[]>`SELECT version FROM elipc_schema`;
        assert.equal(row?.version, MIGRATIONS.length);
      } finally {
        await sql.end();
      }
    } finally {
      await db.drop();
    }
  });

  it("refuses text with a NUL character for that call alone, keeping the calls beside it", async () => {
    const db = await makePostgresDatabase();
    const s = await createPostgresStore({ url: db.url, pool: 2 });
    try {
      const [good, bad] = await Promise.allSettled([
        s.append([message("nul", "fine")]),
        s.append([message("nul", "bad\u0000byte")]),
      ]);
      assert.equal(good?.status, "fulfilled");
      assert.equal(bad?.status, "rejected");
      assert.equal((bad as PromiseRejectedResult).reason.code, "invalid_argument");
      assert.match(String((bad as PromiseRejectedResult).reason.message), /NUL character/);
      assert.deepEqual(
        (await s.readAfter([{ channel: "nul", after: 0 }], 10)).map((m) => m.content),
        ["fine"],
      );
    } finally {
      await s.close();
      await db.drop();
    }
  });

  it("makes ids visible in increasing order per channel: readers that jump to the highest id skip nothing", async () => {
    const db = await makePostgresDatabase();
    const a = await createPostgresStore({ url: db.url, pool: 6 });
    const b = await createPostgresStore({ url: db.url, pool: 6 });
    try {
      const perWriter = 60;
      const writers = 8;
      let done = false;
      // Writers through two pools, each call its own transaction, on two channels at once.
      const writing = Promise.all(
        Array.from({ length: writers }, async (_, w) => {
          const s = w % 2 ? a : b;
          for (let i = 0; i < perWriter; i++) {
            await Promise.all([
              s.append([message("ord", `${w}:${i}`)]),
              s.append([message("other", `${w}:${i}`)]),
            ]);
          }
        }),
      ).finally(() => {
        done = true;
      });
      // A reader that moves its watermark to the highest id of each page, as the queue does.
      const seen: MessageRecord[] = [];
      const reading = (async () => {
        let mark = 0;
        for (;;) {
          const finished = done;
          const page = await (seen.length % 2 ? a : b).readAfter([{ channel: "ord", after: mark }], 50);
          for (const m of page) seen.push(m);
          if (page.length > 0) mark = (page.at(-1) as MessageRecord).id;
          else if (finished) return;
          // Identical reads of one turn share an answer: let the turn end, as a woken reader's would.
          else await new Promise((ok) => setImmediate(ok));
        }
      })();
      await writing;
      await reading;
      const contents = seen.map((m) => m.content);
      assert.equal(new Set(contents).size, contents.length, "a message was read twice");
      assert.equal(contents.length, writers * perWriter, "a reader skipped messages");
      for (let i = 1; i < seen.length; i++)
        assert.ok((seen[i] as MessageRecord).id > (seen[i - 1] as MessageRecord).id);
    } finally {
      await a.close();
      await b.close();
      await db.drop();
    }
  });
});

describe("PostgreSQL store, opened at an address where nothing answers", () => {
  it("says which host and port it could not reach, instead of 'try again'", async () => {
    await assert.rejects(
      createPostgresStore({ url: "postgres://postgres@127.0.0.1:1/nowhere", connectTimeoutSeconds: 2 }),
      (e: Error & { code?: string }) =>
        e.code === "unavailable" &&
        /^cannot reach the database at 127\.0\.0\.1:1 \(ECONNREFUSED\): is PostgreSQL running there/.test(
          e.message,
        ),
    );
  });
});
