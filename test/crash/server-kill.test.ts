// Crash safety of the server: SIGKILL it while four clients send, restart it on the same database, and
// check that every answered send is there exactly once, in order, in an intact database.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import type { Delivered } from "../../src/core/types.js";
import { delay, startServerProcess, tempDb } from "../helpers/cli.js";

const CLIENTS = 4;

interface Answered {
  client: number;
  seq: number;
  id: number;
}

/** Sends `c<client>-<seq>` messages one after another until the server stops answering. */
async function sendUntilGone(
  url: string,
  client: number,
  answered: Answered[],
  refused: string[],
): Promise<void> {
  for (let seq = 0; ; seq++) {
    let res: Response;
    let body: { id?: number };
    try {
      res = await fetch(`${url}/send`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ channel: "crash", sender: `client-${client}`, content: `c${client}-${seq}` }),
      });
      body = (await res.json()) as { id?: number };
    } catch {
      return; // The server is gone: this send was never answered.
    }
    if (res.status !== 200 || typeof body.id !== "number") {
      refused.push(`${res.status} ${JSON.stringify(body)}`);
      continue;
    }
    answered.push({ client, seq, id: body.id });
  }
}

/** Every message of a channel, read page by page as a fresh agent. */
async function readAll(url: string, channel: string): Promise<Delivered[]> {
  const out: Delivered[] = [];
  for (;;) {
    const res = await fetch(`${url}/messages?channel=${channel}&agent=auditor&limit=1000`);
    assert.equal(res.status, 200);
    const page = (await res.json()) as Delivered[];
    if (page.length === 0) return out;
    out.push(...page);
  }
}

describe("server killed with SIGKILL under load", () => {
  const tmp = tempDb();
  after(() => tmp.cleanup());

  it("keeps every answered message exactly once, in order, and the database intact", async (t) => {
    const first = await startServerProcess(tmp.env);
    const answered: Answered[] = [];
    const refused: string[] = [];
    const clients = Array.from({ length: CLIENTS }, (_, c) => sendUntilGone(first.url, c, answered, refused));
    // About a second of load; then make sure every client got through and 50 sends were answered before
    // pulling the plug (a loaded machine answers fewer per second: wait for them rather than fail).
    await delay(1000);
    for (let i = 0; new Set(answered.map((a) => a.client)).size < CLIENTS || answered.length < 50; i++) {
      assert.ok(i < 1200, `not every client got an answer, or only ${answered.length} sends in 30 s`);
      await delay(25);
    }
    const exited = new Promise((resolve) => first.child.once("exit", (_code, signal) => resolve(signal)));
    first.child.kill("SIGKILL");
    assert.equal(await exited, "SIGKILL");
    await Promise.all(clients);
    assert.deepEqual(refused, [], "no send was refused while the server ran");
    assert.ok(answered.length >= 50, `only ${answered.length} sends answered`);

    const second = await startServerProcess(tmp.env);
    let stored: Delivered[];
    try {
      stored = await readAll(second.url, "crash");
    } finally {
      const r = await second.stop();
      assert.equal(r.code, 0, r.stderr);
    }

    const byContent = new Map<string, Delivered[]>();
    for (const m of stored) byContent.set(m.content, [...(byContent.get(m.content) ?? []), m]);
    for (const [content, copies] of byContent) assert.equal(copies.length, 1, `${content} stored twice`);
    for (const a of answered) {
      const m = byContent.get(`c${a.client}-${a.seq}`)?.[0];
      assert.ok(m, `answered message c${a.client}-${a.seq} (id ${a.id}) is missing`);
      assert.equal(m.id, a.id, `c${a.client}-${a.seq} has another id than answered`);
    }
    for (let c = 0; c < CLIENTS; c++) {
      const mine = answered.filter((a) => a.client === c);
      for (let i = 1; i < mine.length; i++) {
        assert.ok(
          (mine[i] as Answered).id > (mine[i - 1] as Answered).id,
          `client ${c}: ids do not increase`,
        );
      }
      // Each client had at most one send in flight: what is stored is its answered sends, plus maybe that one.
      const seqs = stored
        .filter((m) => m.sender === `client-${c}`)
        .map((m) => Number(m.content.split("-")[1]))
        .sort((x, y) => x - y);
      assert.deepEqual(
        seqs,
        Array.from({ length: seqs.length }, (_, i) => i),
        `client ${c}: stored sends are not a gap-free prefix`,
      );
      assert.ok(
        seqs.length === mine.length || seqs.length === mine.length + 1,
        `client ${c}: ${seqs.length} stored, ${mine.length} answered`,
      );
    }
    t.diagnostic(`${answered.length} sends answered before SIGKILL, ${stored.length} stored`);
    const ids = stored.map((m) => m.id);
    assert.ok(
      ids.every((id, i) => i === 0 || id > (ids[i - 1] as number)),
      "ids increase in storage order",
    );

    const db = new Database(tmp.db, { readonly: true });
    try {
      assert.equal(db.pragma("integrity_check", { simple: true }), "ok");
      assert.equal(db.prepare("SELECT COUNT(*) FROM messages").pluck().get(), stored.length);
    } finally {
      db.close();
    }
  });
});
