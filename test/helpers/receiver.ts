// A real webhook receiver for tests: a node:http server on a free port of 127.0.0.1 that records every
// request and answers what the test's `answer` says (a status, a redirect, or never).
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request the receiver got. */
export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** Date.now() when it arrived. */
  at: number;
}

/** How to answer a request: a status (with optional headers), or "hang" to never answer. */
export type Answer = number | { status: number; headers: Record<string, string> } | "hang";

/** A running receiver. */
export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  /** Requests being answered right now, and the most at once so far. */
  open(): number;
  maxOpen(): number;
  /** Decides each answer; default 200. */
  answer: (r: Received, index: number) => Answer;
  close(): Promise<void>;
}

/** Starts a receiver. */
export async function startReceiver(answer: Receiver["answer"] = () => 200): Promise<Receiver> {
  const received: Received[] = [];
  const hanging = new Set<ServerResponse>();
  let open = 0;
  let maxOpen = 0;
  const server = createServer((req, res) => {
    open++;
    maxOpen = Math.max(maxOpen, open);
    res.on("close", () => {
      open--;
      hanging.delete(res);
    });
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => {
      body += c;
    });
    req.on("end", () => {
      const r: Received = { headers: req.headers, body, at: Date.now() };
      received.push(r);
      const a = receiver.answer(r, received.length - 1);
      if (a === "hang") {
        hanging.add(res);
        return;
      }
      const { status, headers } = typeof a === "number" ? { status: a, headers: {} } : a;
      res.writeHead(status, headers).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    open: () => open,
    maxOpen: () => maxOpen,
    answer,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return receiver;
}
