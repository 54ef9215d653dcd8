// A small Server-Sent Events client for tests: opens GET /stream with fetch and hands out events and
// comment lines as they arrive; plus a test server with shortcuts for stream tests.

import * as assert from "node:assert/strict";
import { LOCAL } from "../../src/core/caller.js";
import type { Delivered } from "../../src/core/types.js";
import { type RunningHttpServer, startHttpServer } from "../../src/http/server.js";
import { postJson, tempDir, testConfig } from "./http.js";

/** One SSE event. */
export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

/** An open SSE response. */
export interface SseConnection {
  status: number;
  headers: Headers;
  /** The body when the status is not 200 (the stream is then already over). */
  body: string;
  /** The next event; rejects when the stream ends first. */
  next(): Promise<SseEvent>;
  /** The next comment line (without the leading colon and space); rejects when the stream ends first. */
  nextComment(): Promise<string>;
  /** Events received and not yet taken. */
  buffered(): number;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  /** Disconnects. */
  disconnect(): void;
}

interface Waiter<T> {
  resolve(v: T): void;
  reject(e: Error): void;
}

function channel<T>() {
  const items: T[] = [];
  const waiters: Waiter<T>[] = [];
  let over = false;
  return {
    push(v: T) {
      const w = waiters.shift();
      if (w) w.resolve(v);
      else items.push(v);
    },
    take(): Promise<T> {
      if (items.length > 0) return Promise.resolve(items.shift() as T);
      if (over) return Promise.reject(new Error("stream ended"));
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
    },
    end() {
      over = true;
      for (const w of waiters.splice(0)) w.reject(new Error("stream ended"));
    },
    size: () => items.length,
  };
}

/** Opens an SSE stream at `url` with extra request headers. */
export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseConnection> {
  const ac = new AbortController();
  const res = await fetch(url, { headers: { accept: "text/event-stream", ...headers }, signal: ac.signal });
  const events = channel<SseEvent>();
  const comments = channel<string>();
  if (res.status !== 200) {
    const body = await res.text();
    events.end();
    comments.end();
    return {
      status: res.status,
      headers: res.headers,
      body,
      next: events.take,
      nextComment: comments.take,
      buffered: events.size,
      ended: Promise.resolve(),
      disconnect: () => undefined,
    };
  }
  const ended = (async () => {
    const decoder = new TextDecoder();
    let buf = "";
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        for (let end = buf.indexOf("\n\n"); end >= 0; end = buf.indexOf("\n\n")) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const ev: SseEvent = { data: "" };
          let isEvent = false;
          for (const line of block.split("\n")) {
            if (line.startsWith(":")) comments.push(line.slice(1).trimStart());
            else {
              const i = line.indexOf(":");
              const field = i < 0 ? line : line.slice(0, i);
              const value = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
              isEvent = true;
              if (field === "data") ev.data = ev.data === "" ? value : `${ev.data}\n${value}`;
              else if (field === "id") ev.id = value;
              else if (field === "event") ev.event = value;
            }
          }
          if (isEvent) events.push(ev);
        }
      }
    } catch {
      // Aborted by disconnect().
    } finally {
      events.end();
      comments.end();
    }
  })();
  return {
    status: res.status,
    headers: res.headers,
    body: "",
    next: events.take,
    nextComment: comments.take,
    buffered: events.size,
    ended,
    disconnect: () => ac.abort(),
  };
}

/** A listening test server with shortcuts for stream tests. */
export interface StreamTestServer extends RunningHttpServer {
  /** Sends as alice over HTTP; resolves to the id. */
  send(channel: string, content: string): Promise<number>;
  /** The agent's unread count on a channel (its watermark seen from the core). */
  pending(channel: string, agent: string): Promise<number>;
}

/** Starts a server over a fresh database with `keepAliveMs` between stream keep-alives and IPC_* `env`. */
export async function streamServer(
  keepAliveMs = 15_000,
  env: NodeJS.ProcessEnv = {},
): Promise<StreamTestServer> {
  const t = tempDir();
  const s = await startHttpServer(testConfig(t.dbPath, env), {
    logLevel: "silent",
    streamKeepAliveMs: keepAliveMs,
  });
  return {
    ...s,
    async send(channel, content) {
      const r = await postJson(`${s.url}/send`, { channel, sender: "alice", content });
      assert.equal(r.status, 200);
      return ((await r.json()) as { id: number }).id;
    },
    async pending(channel, agent) {
      return (await s.queue.health(LOCAL, { channel, agent })).pending;
    },
    async close() {
      await s.close();
      t.cleanup();
    },
  };
}

/** Polls `value` every 5 ms until it equals `want` or 2 s pass; resolves to its last value. */
export async function settled<T>(value: () => Promise<T>, want: T): Promise<T> {
  const end = Date.now() + 2000;
  let v = await value();
  while (v !== want && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 5));
    v = await value();
  }
  return v;
}

/**
 * Takes `n` events, checks that each event id is its message id (one channel) or a cursor holding it
 * (several channels), and returns the messages.
 */
export async function take(c: SseConnection, n: number): Promise<Delivered[]> {
  return (await takeEvents(c, n)).map((e) => e.message);
}

/** Like take, with each message's event id. */
export async function takeEvents(c: SseConnection, n: number): Promise<{ id: string; message: Delivered }[]> {
  const out: { id: string; message: Delivered }[] = [];
  for (let i = 0; i < n; i++) {
    const ev = await c.next();
    const m = JSON.parse(ev.data) as Delivered;
    const id = ev.id ?? "";
    if (id.includes(",")) assert.ok(id.split(",").includes(String(m.id)), `cursor ${id} holds ${m.id}`);
    else assert.equal(id, String(m.id), "event id is the message id");
    out.push({ id, message: m });
  }
  return out;
}
