// The yardstick for figure 1: a bare node:http server that parses the same JSON body as POST /send and
// answers {ok, id} with an incrementing id, nothing else. Prints "Listening on http://..." on stderr.
import { createServer } from "node:http";

const port = Number(process.argv[2] ?? 0);
let nextId = 0;

function answer(res: import("node:http").ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

const server = createServer((req, res) => {
  if (req.method !== "POST" || req.url !== "/send") {
    answer(res, 404, { error: "not found" });
    return;
  }
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    let m: { channel?: unknown; sender?: unknown; content?: unknown };
    try {
      m = JSON.parse(Buffer.concat(chunks).toString("utf8")) as typeof m;
    } catch {
      answer(res, 400, { error: "malformed JSON" });
      return;
    }
    if (typeof m?.channel !== "string" || typeof m.sender !== "string" || typeof m.content !== "string") {
      answer(res, 400, { error: "channel, sender and content are required" });
      return;
    }
    nextId++;
    answer(res, 200, { ok: true, id: nextId });
  });
});
server.keepAliveTimeout = 5_000;
server.listen(port, "127.0.0.1", () => {
  const a = server.address();
  process.stderr.write(`Listening on http://127.0.0.1:${typeof a === "object" && a ? a.port : port}\n`);
});
const stop = (): void => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
