// Eight CLI processes and four HTTP senders write one database at once: nobody sees "database is
// locked" (or busy), nothing is lost, nothing is stored twice, and the database stays intact.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import type { Delivered } from "../../src/core/types.js";
import { type CliResult, runCli, startServerProcess, tempDb } from "../helpers/cli.js";
import { postJson } from "../helpers/http.js";

const CLI_WRITERS = 8;
const CLI_SENDS = 8;
const HTTP_SENDERS = 4;
const HTTP_SENDS = 60;

describe("CLI processes and HTTP senders on one database", () => {
  const t = tempDb();
  after(() => t.cleanup());

  it("lose nothing and never report a locked database", async () => {
    const server = await startServerProcess(t.env);
    let cli: CliResult[][];
    let http: { status: number; body: string }[][];
    try {
      const cliWriters = Array.from({ length: CLI_WRITERS }, async (_, w) => {
        const out: CliResult[] = [];
        for (let i = 0; i < CLI_SENDS; i++)
          out.push(await runCli(["send", "mixed", `cli-${w}`, `cli-${w}-${i}`], t.env));
        return out;
      });
      const httpSenders = Array.from({ length: HTTP_SENDERS }, async (_, h) => {
        const out: { status: number; body: string }[] = [];
        for (let i = 0; i < HTTP_SENDS; i++) {
          const r = await postJson(`${server.url}/send`, {
            channel: "mixed",
            sender: `http-${h}`,
            content: `http-${h}-${i}`,
          });
          out.push({ status: r.status, body: await r.text() });
        }
        return out;
      });
      [cli, http] = await Promise.all([Promise.all(cliWriters), Promise.all(httpSenders)]);
    } finally {
      const stopped = await server.stop();
      assert.doesNotMatch(stopped.stderr, /locked|busy/i);
    }

    for (const r of cli.flat()) {
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /locked|busy/i);
    }
    for (const r of http.flat()) assert.equal(r.status, 200, r.body);

    const ids = [
      ...cli.flat().map((r) => (JSON.parse(r.stdout) as { id: number }).id),
      ...http.flat().map((r) => (JSON.parse(r.body) as { id: number }).id),
    ];
    const total = CLI_WRITERS * CLI_SENDS + HTTP_SENDERS * HTTP_SENDS;
    assert.equal(new Set(ids).size, total, "every send got its own id");

    const db = new Database(t.db, { readonly: true });
    try {
      assert.equal(db.pragma("integrity_check", { simple: true }), "ok");
      const rows = db
        .prepare("SELECT id, sender, content FROM messages WHERE channel = 'mixed' ORDER BY id")
        .all() as Pick<Delivered, "id" | "sender" | "content">[];
      assert.equal(rows.length, total);
      assert.deepEqual(
        rows.map((r) => r.id).sort((a, b) => a - b),
        [...ids].sort((a, b) => a - b),
      );
      assert.equal(new Set(rows.map((r) => r.content)).size, total, "no content stored twice");
      // Each writer's messages are stored in the order it sent them.
      const order = new Map<string, number>();
      for (const r of rows) {
        const seq = Number(r.content.split("-")[2]);
        assert.equal(seq, (order.get(r.sender) ?? -1) + 1, `${r.sender} out of order at ${r.content}`);
        order.set(r.sender, seq);
      }
    } finally {
      db.close();
    }
  });
});
