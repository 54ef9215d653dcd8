// Preload for an el-ipc server (node --import): counts what ends its HTTP connections (client errors by
// code, timeouts, closes with a request in flight) and writes the counts as JSON to $TRACE_RESETS_FILE on
// exit. Used by fan-reset.ts to find why parked long-polls are reset (issue 14).
import { writeFileSync } from "node:fs";
import { Server } from "node:http";
import type { Socket } from "node:net";

const counts: Record<string, number> = {};
const bump = (k: string): void => {
  counts[k] = (counts[k] ?? 0) + 1;
};
const emit = Server.prototype.emit as (this: Server, event: string | symbol, ...args: unknown[]) => boolean;
Server.prototype.emit = function (this: Server, event: string | symbol, ...args: unknown[]): boolean {
  if (event === "clientError") {
    const [err, socket] = args as [NodeJS.ErrnoException, Socket & { _httpMessage?: unknown }];
    bump(
      `clientError:${err.code ?? err.message}:${socket._httpMessage ? "in-flight" : "idle"}:written=${socket.bytesWritten > 0}`,
    );
  } else if (event === "connection") {
    const socket = args[0] as Socket & { _httpMessage?: { headersSent?: boolean } };
    bump("connections");
    socket.on("timeout", () => bump(`socket-timeout:${socket._httpMessage ? "in-flight" : "idle"}`));
    socket.on("close", (hadError) => {
      if (socket._httpMessage)
        bump(`closed-in-flight:hadError=${hadError}:headersSent=${socket._httpMessage.headersSent}`);
      else if (hadError) bump("closed-idle-with-error");
    });
  }
  return emit.call(this, event, ...args);
} as typeof Server.prototype.emit;
process.on("exit", () => {
  if (process.env.TRACE_RESETS_FILE) writeFileSync(process.env.TRACE_RESETS_FILE, JSON.stringify(counts));
});
