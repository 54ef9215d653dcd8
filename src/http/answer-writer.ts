// Writes a read's answer straight to the socket with backpressure: small answers in one write, large
// ones in chunks that wait for 'drain'; the bytes reserved for it are given back once the response closes.
import type { ServerResponse } from "node:http";
import type { FastifyReply } from "fastify";
import type { AnswerBudget, Delivered } from "../core/types.js";

/** Answers up to this many bytes go out in one write with a content-length. */
const ONE_WRITE_BYTES = 64 * 1024;

/** A per-request view of a budget that remembers what it took, to give it all back at the end. */
export interface HeldAnswer extends AnswerBudget {
  /** Gives back everything taken through this view (idempotent). */
  releaseAll(): void;
}

/** Wraps `budget` for one request. */
export function holdAnswer(budget: AnswerBudget): HeldAnswer {
  let taken = 0;
  return {
    take(bytes) {
      if (!budget.take(bytes)) return false;
      taken += bytes;
      return true;
    },
    release(bytes) {
      taken -= bytes;
      budget.release(bytes);
    },
    releaseAll() {
      if (taken > 0) budget.release(taken);
      taken = 0;
    },
  };
}

/** Resolves when the socket can take more, or when the client went away. */
export function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed) {
      resolve();
      return;
    }
    const done = (): void => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

async function writeChunks(res: ServerResponse, messages: Delivered[]): Promise<void> {
  let chunk = "[";
  for (let i = 0; i < messages.length; i++) {
    chunk += (i > 0 ? "," : "") + JSON.stringify(messages[i]);
    if (chunk.length >= ONE_WRITE_BYTES) {
      if (!res.write(chunk)) await drained(res);
      chunk = "";
      if (res.destroyed) return;
    }
  }
  res.end(`${chunk}]`);
}

/**
 * Writes `messages` as the JSON answer of a hijacked reply. Headers already set on the reply (connection:
 * close while shutting down) are kept. `held` is released once the answer is written out or abandoned.
 */
export function answerMessages(reply: FastifyReply, messages: Delivered[], held?: HeldAnswer): void {
  const headers: Record<string, string | number | string[]> = {};
  for (const [name, value] of Object.entries(reply.getHeaders()))
    if (value !== undefined) headers[name] = value;
  headers["content-type"] = "application/json; charset=utf-8";
  reply.hijack();
  const res = reply.raw;
  if (held) {
    // Handed to the kernel ('finish') or abandoned ('close'); a client gone already releases at once.
    const release = (): void => held.releaseAll();
    if (res.destroyed) release();
    res.once("finish", release);
    res.once("close", release);
  }
  // Fewer than 256 messages may fit one write; a larger page is written in chunks.
  const body = messages.length < 256 ? JSON.stringify(messages) : undefined;
  if (body !== undefined && body.length < ONE_WRITE_BYTES) {
    headers["content-length"] = Buffer.byteLength(body);
    res.writeHead(200, headers);
    res.end(body);
    return;
  }
  res.writeHead(200, headers);
  writeChunks(res, messages).catch(() => res.destroy());
}
