// Bench client for figure 4: send-to-receive latency with a waiting reader. Each round parks a long-poll,
// waits 2 ms, then sends; latency = long-poll answer complete − send started. Usage: latency <url> <rounds>
import { Agent } from "node:http";
import { call, sleep } from "./http.js";

const [url, roundsArg] = process.argv.slice(2);
if (!url) {
  process.stderr.write("usage: latency <url> [rounds]\n");
  process.exit(2);
}
const rounds = Number(roundsArg ?? 1000);
const warmup = 50;
const budgetMs = 60_000;
// One keep-alive socket for the reader, one for the sender, as a long-lived client would hold them.
const reader = new Agent({ keepAlive: true, maxSockets: 1 });
const sender = new Agent({ keepAlive: true, maxSockets: 1 });

const wake: number[] = [];
const sendRtt: number[] = [];
let empty = 0;
const start = performance.now();
for (let i = 0; i < warmup + rounds && performance.now() - start < budgetMs; i++) {
  const poll = call(reader, url, "GET", "/messages?channel=lat&agent=lat-reader&wait=true&timeout=10");
  await sleep(2);
  const t0 = performance.now();
  const sent = call(sender, url, "POST", "/send", {
    body: JSON.stringify({ channel: "lat", sender: "lat-writer", content: `ping ${i}` }),
  });
  const [got, ack] = await Promise.all([poll, sent]);
  if (got.status !== 200 || ack.status !== 200) throw new Error(`status ${got.status}/${ack.status}`);
  const msgs = JSON.parse(got.body) as unknown[];
  if (msgs.length === 0) empty++;
  if (i >= warmup) {
    wake.push(got.at - t0);
    sendRtt.push(ack.at - t0);
  }
}
reader.destroy();
sender.destroy();
process.stdout.write(`${JSON.stringify({ wake, sendRtt, empty, ms: performance.now() - start })}\n`);
