// Minimal node:http calls for the bench clients, with the arrival time of each complete response.
import { type Agent, request } from "node:http";

/** A complete response. */
export interface Answer {
  status: number;
  body: string;
  /** performance.now() when the last byte of the body arrived. */
  at: number;
}

/** Options of call. */
export interface CallOptions {
  /** JSON request body. */
  body?: string;
  /** Rejects when the whole answer took longer. Default 60 s. */
  timeoutMs?: number;
  /** Called once the request has been handed to the socket. */
  onSent?: () => void;
}

/** One HTTP request over `agent`; rejects on socket errors or after the timeout. */
export function call(
  agent: Agent,
  base: string,
  method: "GET" | "POST",
  path: string,
  o: CallOptions = {},
): Promise<Answer> {
  const { body, timeoutMs = 60_000, onSent } = o;
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, base),
      {
        agent,
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          text += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text, at: performance.now() }));
        res.on("error", reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    if (onSent) req.once("finish", onSent);
    req.end(body);
  });
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
