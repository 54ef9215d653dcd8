// The SDK's Server-Sent Events client of GET /stream: fetch and web streams only. It resumes with
// Last-Event-ID after a dropped connection or a server restart, reconnecting with jittered backoff; the
// event id is opaque (a message id today, a cursor over several channels later): it sends back exactly
// what the server last sent.
import type { KeyObject } from "node:crypto";
import { requestProofHeaders } from "../client/sign.js";
import { type ErrorCode, IpcError } from "../core/errors.js";
import type { Delivered } from "../core/types.js";
import { CODE_OF_STATUS } from "../protocol/codes.js";
import { LAST_EVENT_ID_HEADER } from "../protocol/headers.js";
import { targetOf } from "../protocol/target.js";
import type { StreamOpen } from "./backend.js";
import { abortError, backoffMs, type HttpClientOptions, isPassingFailure } from "./http.js";
import { ROUTES } from "./routes.js";

/** One event of an SSE stream (https://html.spec.whatwg.org/multipage/server-sent-events.html). */
export interface SseEvent {
  /** The event type; "message" when the server names none. */
  event: string;
  data: string;
  /** The last event id the stream set, as sent (undefined until one was). */
  lastEventId: string | undefined;
}

/** Splits an SSE body into events; `lastEventId` starts as the one a reconnect resumes from. */
export async function* sseEvents(
  body: ReadableStream<Uint8Array>,
  lastEventId: string | undefined,
): AsyncGenerator<SseEvent, void, undefined> {
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let buffer = "";
  let data: string[] = [];
  let event = "";
  let id = lastEventId;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (!done) buffer += decoder.decode(value, { stream: true });
      for (;;) {
        const end = buffer.search(/\r\n|\r|\n/);
        // A lone \r at the end may be the first half of \r\n: wait for the next chunk, if one comes.
        if (end < 0 || (!done && end === buffer.length - 1 && buffer[end] === "\r")) break;
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + (buffer.startsWith("\r\n", end) ? 2 : 1));
        if (line === "") {
          if (data.length > 0) yield { event: event || "message", data: data.join("\n"), lastEventId: id };
          data = [];
          event = "";
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? "" : line.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        if (field === "data") data.push(value);
        else if (field === "event") event = value;
        else if (field === "id" && !value.includes("\0")) id = value;
      }
      // An event the stream ended in the middle of is dropped, as the SSE spec says.
      if (done) return;
    }
  } finally {
    // Not awaited: undici settles a cancel only once the server ends the answer; the caller's abort
    // closes the connection.
    reader.cancel().catch(() => undefined);
  }
}

/** Opens GET /stream once, ended by `signal`; rejects with the server's refusal as an IpcError. */
async function open(
  o: HttpClientOptions,
  r: StreamOpen,
  key: KeyObject | undefined,
  lastEventId: string | undefined,
  signal: AbortSignal,
): Promise<ReadableStream<Uint8Array>> {
  const target = targetOf(ROUTES.stream, { channel: r.channels.join(","), agent: r.agent });
  const headers: Record<string, string> = { accept: "text/event-stream" };
  if (o.apiKey) headers.authorization = `Bearer ${o.apiKey}`;
  if (lastEventId !== undefined) headers[LAST_EVENT_ID_HEADER] = lastEventId;
  if (key) Object.assign(headers, requestProofHeaders(key, r.agent, "GET", target, ""));
  let res: Response;
  try {
    res = await fetch(o.baseUrl + target, { headers, signal });
  } catch (e) {
    if (r.signal.aborted) throw abortError();
    const code = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
    throw new IpcError("unavailable", `cannot reach ${o.baseUrl}: ${code}`, undefined, 0);
  }
  if (res.ok && res.body) return res.body;
  const text = await res.text().catch(() => "");
  let body: { error?: string; code?: ErrorCode } = {};
  try {
    body = JSON.parse(text);
  } catch {}
  const retry = Number(res.headers.get("retry-after") ?? "");
  throw new IpcError(
    body.code ?? (res.status >= 500 ? "unavailable" : (CODE_OF_STATUS[res.status] ?? "invalid_argument")),
    body.error ?? `server answered ${res.status}`,
    Number.isFinite(retry) && retry > 0 ? retry : undefined,
    res.status,
  );
}

/**
 * The messages of GET /stream, forever: reconnects after a dropped connection, a server restart or a
 * passing refusal (429, 503), resuming after the last event it received; ends when `r.signal` aborts and
 * throws on a permanent refusal (unauthorized, forbidden, …). With `r.autoack` it acknowledges each
 * message (POST /ack through `ack`) when the consumer asks for the next one, so a message being handled
 * when the process dies is delivered again; without, the caller acknowledges.
 */
export async function* openEventStream(
  o: HttpClientOptions,
  r: StreamOpen,
  key: KeyObject | undefined,
  ack: (m: Delivered) => Promise<unknown>,
): AsyncGenerator<Delivered, void, undefined> {
  const random = o.random ?? Math.random;
  let lastEventId: string | undefined;
  let attempt = 0;
  while (!r.signal.aborted) {
    let failure: IpcError | undefined;
    // One per connection, so a consumer that stops early closes it at once (see sseEvents' finally).
    const close = new AbortController();
    const stop = () => close.abort();
    r.signal.addEventListener("abort", stop, { once: true });
    try {
      const body = await open(o, r, key, lastEventId, close.signal);
      attempt = 0;
      for await (const e of sseEvents(body, lastEventId)) {
        if (e.event === "error") {
          let b: { error?: string; code?: ErrorCode } = {};
          try {
            b = JSON.parse(e.data);
          } catch {}
          throw new IpcError(b.code ?? "unavailable", b.error ?? "the stream failed");
        }
        if (e.event !== "message") continue;
        const m = JSON.parse(e.data) as Delivered;
        lastEventId = e.lastEventId;
        yield m;
        if (r.autoack) await ack(m);
      }
    } catch (e) {
      if (r.signal.aborted) return;
      if (!isPassingFailure(e) && !isDropped(e)) throw e;
      failure = e instanceof IpcError ? e : undefined;
    } finally {
      r.signal.removeEventListener("abort", stop);
      close.abort();
    }
    if (r.signal.aborted) return;
    attempt++;
    const delayMs = backoffMs(attempt, failure?.retryAfter, random);
    o.onWaitRetry?.(
      failure ?? new IpcError("unavailable", "the stream ended", undefined, 0),
      attempt,
      delayMs,
    );
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        r.signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, delayMs);
      r.signal.addEventListener("abort", done, { once: true });
    });
  }
}

/** True for a body that broke off mid-stream (fetch's TypeError: terminated, a reset socket). */
function isDropped(e: unknown): boolean {
  return e instanceof TypeError || (e instanceof Error && /terminated|ECONNRESET|socket/i.test(e.message));
}
