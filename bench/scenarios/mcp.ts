// Figure 14: an MCP tool-call round trip (send_message by one agent, then another agent's pending
// wait_for_messages returns it), through the official MCP SDK client, over HTTP and over stdio.
import { join } from "node:path";
import { type BenchContext, progress, startElIpc } from "../lib/context.js";
import type { Figure } from "../lib/figures.js";
import { runClient } from "../lib/procs.js";
import { ms, summarize } from "../lib/stats.js";

interface Trips {
  trip: number[];
  send: number[];
}

/** Figure 14: tool-call round trip, p50 / p99, HTTP and stdio. */
export async function mcpRoundTrip(ctx: BenchContext): Promise<Figure> {
  const rounds = 200;
  progress(`figure 14: ${rounds} MCP round trips over HTTP, then ${rounds} over stdio`);
  const s = await startElIpc(ctx, "mcp");
  let r: { http: Trips; stdio: Trips; ms: number };
  try {
    r = await runClient(
      join(ctx.benchDir, "clients", "mcp-round-trip.js"),
      [s.url, ctx.cli, String(rounds)],
      {
        timeoutMs: 300_000,
      },
    );
  } finally {
    await s.finish();
  }
  const http = summarize(r.http.trip);
  const stdio = summarize(r.stdio.trip);
  const httpSend = summarize(r.http.send);
  const stdioSend = summarize(r.stdio.send);
  return {
    id: 14,
    figure:
      "MCP tool call round trip: send_message, then another agent's wait_for_messages returns, p50 / p99",
    target: "recorded; every round delivered",
    measured: `HTTP ${ms(http.p50)} / ${ms(http.p99)}; stdio ${ms(stdio.p50)} / ${ms(stdio.p99)}`,
    pass: http.n >= rounds && stdio.n >= rounds,
    notes: [
      `${http.n} rounds each after 20 warm-up rounds, official MCP SDK client (v2, 2025-11-25 era); the waiter's call is pending 5 ms before the send starts`,
      `send_message alone: HTTP p50 ${ms(httpSend.p50)}, p99 ${ms(httpSend.p99)}; stdio (el-ipc mcp --server, then HTTP to the server) p50 ${ms(stdioSend.p50)}, p99 ${ms(stdioSend.p99)}`,
    ],
    values: { http, stdio, httpSend, stdioSend },
  };
}
