// At-least-once reading with real processes: a reader killed (SIGKILL) between peek and ack, over the CLI,
// HTTP and a stream, gets the same messages again; so does one whose server was killed in between.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { after, before, describe, it } from "node:test";
import type { Delivered } from "../../src/core/types.js";
import { CLI, cliJson, startServerProcess, tempDb } from "../helpers/cli.js";
import { postJson } from "../helpers/http.js";

/**
 * Runs a reader process: `script` (an ES module body with `env` and `CLI` in scope) prints what it
 * peeked on one line and then "handles" it forever, so the test can kill it before it acknowledges.
 */
function startReader(
  script: string,
  env: NodeJS.ProcessEnv,
): { child: ChildProcess; peeked: Promise<Delivered[]> } {
  const child = spawn(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `const CLI = ${JSON.stringify(CLI)};\nconst env = process.env;\n${script}\nsetInterval(() => {}, 1e6);`,
    ],
    { env, stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  let err = "";
  child.stderr?.on("data", (d) => {
    err += d;
  });
  const peeked = new Promise<Delivered[]>((resolve, reject) => {
    child.stdout?.on("data", (d) => {
      out += d;
      const nl = out.indexOf("\n");
      if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)) as Delivered[]);
    });
    child.once("exit", (code) => reject(new Error(`reader exited ${code} before printing: ${err}`)));
  });
  return { child, peeked };
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}

const ids = (ms: Delivered[]) => ms.map((m) => m.id);

describe("a reader killed between peek and ack", () => {
  const t = tempDb();
  let server: Awaited<ReturnType<typeof startServerProcess>>;
  const sent: number[] = [];
  before(async () => {
    for (const c of ["one", "two", "three"])
      sent.push((await cliJson<{ id: number }>(["send", "work", "boss", c], t.env)).id);
    server = await startServerProcess(t.env);
  });
  after(async () => {
    await server.stop();
    t.cleanup();
  });

  it("CLI: read --peek, killed before ack, gets the same messages again; ack then moves on", async () => {
    const reader = startReader(
      `import { execFileSync } from "node:child_process";
       const out = execFileSync(process.execPath, [CLI, "read", "work", "cli-reader", "--peek"], { env });
       process.stdout.write(JSON.stringify(JSON.parse(out)) + "\\n");`,
      t.env,
    );
    assert.deepEqual(ids(await reader.peeked), sent);
    await kill(reader.child);
    const again = await cliJson<Delivered[]>(["read", "work", "cli-reader", "--peek"], t.env);
    assert.deepEqual(ids(again), sent, "the killed reader's messages come again");
    await cliJson(["ack", "work", "cli-reader", String(sent[1])], t.env);
    assert.deepEqual(ids(await cliJson<Delivered[]>(["read", "work", "cli-reader"], t.env)), [sent[2]]);
    assert.deepEqual(await cliJson(["read", "work", "cli-reader"], t.env), []);
  });

  it("HTTP: GET /messages?peek=true, killed before POST /ack, gets the same messages again", async () => {
    const reader = startReader(
      `const r = await fetch(${JSON.stringify(`${server.url}/messages?channel=work&agent=http-reader&peek=true`)});
       process.stdout.write(JSON.stringify(await r.json()) + "\\n");`,
      t.env,
    );
    assert.deepEqual(ids(await reader.peeked), sent);
    await kill(reader.child);
    const res = await fetch(`${server.url}/messages?channel=work&agent=http-reader&peek=true`);
    assert.deepEqual(ids((await res.json()) as Delivered[]), sent);
    assert.equal(
      (await postJson(`${server.url}/ack`, { channel: "work", agent: "http-reader", id: sent[2] })).status,
      200,
    );
    assert.deepEqual(await (await fetch(`${server.url}/messages?channel=work&agent=http-reader`)).json(), []);
  });

  it("stream: a killed SSE reader (no autoack) gets the same events on reconnecting", async () => {
    const streamReader = `
      const res = await fetch(${JSON.stringify(`${server.url}/stream?channel=work&agent=sse-reader`)});
      const got = [];
      let buf = "";
      for await (const chunk of res.body) {
        buf += new TextDecoder().decode(chunk);
        for (const m of buf.matchAll(/^data: (.*)$/gm)) if (!got.some((g) => g.id === JSON.parse(m[1]).id)) got.push(JSON.parse(m[1]));
        if (got.length === 3) { process.stdout.write(JSON.stringify(got) + "\\n"); break; }
      }`;
    const first = startReader(streamReader, t.env);
    assert.deepEqual(ids(await first.peeked), sent);
    await kill(first.child);
    const second = startReader(streamReader, t.env);
    assert.deepEqual(ids(await second.peeked), sent, "the same events again after the reader died");
    await kill(second.child);
  });

  it("a server killed between peek and ack still has the messages unacknowledged after restart", async () => {
    const peek = async () =>
      ids(
        (await (
          await fetch(`${server.url}/messages?channel=work&agent=survivor&peek=true`)
        ).json()) as Delivered[],
      );
    assert.deepEqual(await peek(), sent);
    const exited = new Promise((resolve) => server.child.once("exit", resolve));
    server.child.kill("SIGKILL");
    await exited;
    server = await startServerProcess(t.env);
    assert.deepEqual(await peek(), sent);
  });
});
