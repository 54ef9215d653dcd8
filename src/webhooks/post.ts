// One webhook POST over node:http(s), connected to the address the policy checked (no second lookup, so
// no DNS rebinding), with a deadline, no redirects followed and at most a few KiB of the answer read.
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import type { WebhookTarget } from "../core/webhook-address.js";

/** Bytes of a receiver's answer read at most (the rest is dropped with the connection). */
export const MAX_ANSWER_BYTES = 4096;

/** What a receiver did with one POST. */
export interface PostOutcome {
  /** The HTTP status, null when there was none. */
  status: number | null;
  /** Why it is not a success, one line; null for a 2xx. */
  error: string | null;
}

/** Posts `body` to `target` with `headers`; never rejects. */
export type PostFunction = (
  target: WebhookTarget,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  signal: AbortSignal,
) => Promise<PostOutcome>;

/** The node:http(s) implementation of PostFunction. */
export const postWebhook: PostFunction = (target, headers, body, timeoutMs, signal) =>
  new Promise((resolve) => {
    let settled = false;
    const finish = (o: PostOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(o);
    };
    // Pinned: the socket connects to the address that was checked, whatever the name resolves to now.
    const lookup: LookupFunction = (_host, options, cb) => {
      if ((options as { all?: boolean }).all) cb(null, [{ address: target.address, family: target.family }]);
      else cb(null, target.address, target.family);
    };
    const send = target.url.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send(target.url, {
      method: "POST",
      headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
      lookup,
      agent: false,
      signal,
    });
    const timer = setTimeout(
      () => finish({ status: null, error: `no answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
    req.on("error", (e: NodeJS.ErrnoException) => {
      finish({
        status: null,
        error: signal.aborted ? "server closing" : `${e.code ?? "error"}: ${e.message}`,
      });
    });
    req.on("response", (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      let read = 0;
      res.on("data", (chunk: Buffer) => {
        read += chunk.length;
        if (read > MAX_ANSWER_BYTES) done();
      });
      const done = (): void => {
        if (status >= 200 && status < 300) finish({ status, error: null });
        else if (status >= 300 && status < 400) {
          finish({ status, error: `redirect to ${res.headers.location ?? "?"} not followed` });
        } else finish({ status, error: `receiver answered ${status}` });
      };
      res.on("end", done);
      res.on("error", done);
    });
    req.end(body);
  });
