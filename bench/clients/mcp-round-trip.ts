// Bench client for figure 14: an MCP tool-call round trip. Agent B's wait_for_messages is pending, agent
// A calls send_message; the time is from A's call to B's result, through the official MCP SDK client,
// over HTTP (/mcp) and over stdio (two `el-ipc mcp --server` processes).
// Usage: mcp-round-trip <url> <cli.js> <rounds>
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { sleep } from "./http.js";

const [url, cli, roundsArg] = process.argv.slice(2);
if (!url || !cli) {
  process.stderr.write("usage: mcp-round-trip <url> <cli.js> [rounds]\n");
  process.exit(2);
}
const rounds = Number(roundsArg ?? 200);
const warmup = 20;

async function connect(transport: StreamableHTTPClientTransport | StdioClientTransport): Promise<Client> {
  const c = new Client({ name: "el-ipc-bench", version: "1.0.0" });
  await c.connect(transport);
  return c;
}

/** Round trips between `a` (sender) and `b` (waiter) on `channel`: ms from send call to wait result. */
async function measure(a: Client, b: Client, channel: string): Promise<{ trip: number[]; send: number[] }> {
  const trip: number[] = [];
  const send: number[] = [];
  for (let i = 0; i < warmup + rounds; i++) {
    let got = 0;
    const waiting = b
      .callTool({ name: "wait_for_messages", arguments: { channels: [channel], timeout_seconds: 10 } })
      .then((r) => {
        got = performance.now();
        return r;
      });
    await sleep(5);
    const t0 = performance.now();
    await a.callTool({ name: "send_message", arguments: { channel, content: `ping ${i}` } });
    const sent = performance.now();
    const r = (await waiting) as { structuredContent?: { messages?: unknown[] } };
    if ((r.structuredContent?.messages?.length ?? 0) !== 1)
      throw new Error(`round ${i}: ${JSON.stringify(r)}`);
    if (i >= warmup) {
      trip.push(got - t0);
      send.push(sent - t0);
    }
  }
  return { trip, send };
}

const start = performance.now();
const httpA = await connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp?agent=rt-a`)));
const httpB = await connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp?agent=rt-b`)));
const http = await measure(httpA, httpB, "rt-http");
await Promise.all([httpA.close(), httpB.close()]);

const stdio = (agent: string) =>
  new StdioClientTransport({
    command: process.execPath,
    args: [cli, "mcp", "--agent", agent, "--server", url],
    env: { ...(process.env as Record<string, string>), IPC_DB_PATH: "/nonexistent/el-ipc-bench.db" },
    stderr: "inherit",
  });
const stdioA = await connect(stdio("rt-c"));
const stdioB = await connect(stdio("rt-d"));
const piped = await measure(stdioA, stdioB, "rt-stdio");
await Promise.all([stdioA.close(), stdioB.close()]);
process.stdout.write(`${JSON.stringify({ http, stdio: piped, ms: performance.now() - start })}\n`);
