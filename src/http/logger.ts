// The server's one logger: pino, as JSON lines, or as readable lines when its output is a terminal.
import { Writable } from "node:stream";
import type { FastifyBaseLogger } from "fastify";
import pino from "pino";
import type { LogLevel } from "./server.js";

const LEVEL_NAMES: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO",
  40: "WARN",
  50: "ERROR",
  60: "FATAL",
};
const HIDDEN = new Set(["level", "time", "pid", "hostname", "msg"]);

/** Formats one pino JSON line as `HH:MM:SS LEVEL message key=value ...`. */
export function readableLine(json: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = typeof o.time === "number" ? new Date(o.time).toISOString().slice(11, 19) : "";
  const extra = Object.entries(o)
    .filter(([k]) => !HIDDEN.has(k))
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);
  return `${[time, LEVEL_NAMES[o.level as number] ?? String(o.level), String(o.msg ?? ""), ...extra].join(" ")}\n`;
}

/** Options of createServerLogger. */
export interface ServerLoggerOptions {
  /** Lowest level written. Default "info". */
  level?: LogLevel;
  /** Readable lines instead of JSON. Default: when `out` is a terminal. */
  readable?: boolean;
  /** Where lines go. Default process.stderr. */
  out?: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Creates the logger of `el-ipc serve`: one format for every line it writes. */
export function createServerLogger(o: ServerLoggerOptions = {}): FastifyBaseLogger {
  const out = o.out ?? process.stderr;
  const readable = o.readable ?? !!out.isTTY;
  const stream = readable
    ? new Writable({
        write(chunk, _enc, done) {
          for (const line of String(chunk).split("\n")) if (line) out.write(readableLine(line));
          done();
        },
      })
    : out;
  return pino({ level: o.level ?? "info" }, stream) as unknown as FastifyBaseLogger;
}
