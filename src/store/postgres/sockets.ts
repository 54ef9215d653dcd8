// The PostgreSQL store opens the driver's sockets itself so that close() can end every one of them.
// porsager's postgres 3.4 leaves a socket open after sql.end() in two cases (shown by
// test/store/postgres-close.test.ts): a connection still connecting when end() gives up waiting (its
// terminate() ends only sockets already open, so the connect completes later with no one listening), and
// a connection opened for a reserve() or listen() that end() never finishes. Either keeps the process
// alive and holds a server slot; the store destroys what is left after end().
import { connect, type Socket } from "node:net";

/** What the driver passes to its `socket` option (parsed from the URL). */
export interface SocketTarget {
  host: string[];
  port: number[];
  /** A Unix socket path, when the host names a directory. */
  path?: string | false;
}

/** Opens sockets for the driver and ends them all on demand. */
export interface SocketTracker {
  /** The driver's `socket` option: a socket connecting to the next host in turn. */
  open(target: SocketTarget): Socket;
  /** Sockets not closed yet. */
  live(): number;
  /** Destroys every socket still open; sockets asked for afterwards are destroyed at once. */
  destroyAll(): void;
}

/** Creates a tracker; hosts are tried in turn, one per connection attempt, as the driver does. */
export function trackSockets(): SocketTracker {
  const sockets = new Set<Socket>();
  let next = 0;
  let done = false;
  return {
    open(target) {
      let s: Socket;
      if (target.path) s = connect(target.path);
      else {
        const i = next++ % Math.max(1, target.host.length);
        s = connect({ host: target.host[i] ?? "localhost", port: target.port[i] ?? target.port[0] ?? 5432 });
      }
      // The driver writes its startup message at once; node buffers it until the connect completes.
      if (done) {
        setImmediate(() => s.destroy());
        return s;
      }
      sockets.add(s);
      s.once("close", () => sockets.delete(s));
      return s;
    },
    live: () => sockets.size,
    destroyAll() {
      done = true;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
  };
}
