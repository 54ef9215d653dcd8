// Closing idle keep-alive connections without racing a request the client has just sent on them.
import type { Server } from "node:http";
import type { Socket } from "node:net";

/**
 * Replaces Node's keep-alive close (destroy on the socket timeout) with one that first lets the event
 * loop read what has arrived. A busy server runs an expired keep-alive timer before it reads the sockets
 * that turned readable meanwhile, so Node would destroy a socket with a new request in its receive
 * buffer, and the kernel answers unread data with a reset (ECONNRESET at the client). Here the decision
 * waits for the next check phase (after the poll phase read every readable socket): a socket that
 * received bytes or has a response in flight stays open (its request re-arms the timer when it ends),
 * an idle one is closed, with a FIN since nothing is left unread. Needs `server.timeout` 0: every socket
 * timeout is then a keep-alive one.
 */
export function closeIdleKeepAlivesSafely(server: Server): void {
  server.on("timeout", (socket: Socket & { _httpMessage?: unknown }) => {
    const read = socket.bytesRead;
    setImmediate(() => {
      if (socket.destroyed || socket._httpMessage || socket.bytesRead !== read) return;
      socket.destroy();
    });
  });
}

/**
 * Tracks the server's sockets and returns a function that destroys those that never sent a byte. Node's
 * closeIdleConnections leaves such a socket to the headers timeout (60 s), so a client that opened a spare
 * connection (undici does after an aborted stream) would hold a closing server that long.
 */
export function silentSocketCloser(server: Server): () => void {
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  return () => {
    for (const socket of sockets) {
      if (socket.bytesRead === 0 && !(socket as Socket & { _httpMessage?: unknown })._httpMessage) {
        socket.destroy();
      }
    }
  };
}
