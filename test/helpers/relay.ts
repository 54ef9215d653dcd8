// A TCP relay in front of a server: a test points a client at it to learn when the client's request has
// reached the server (instead of sleeping and hoping), and can move the server behind a fixed address.
import { connect, createServer, type Socket } from "node:net";

/** A running relay. */
export interface Relay {
  /** `http://127.0.0.1:<port>` of the relay itself. */
  url: string;
  /** Sends new connections to another server (existing ones keep theirs), or to none (`undefined`). */
  retarget(url: string | undefined): void;
  /** Resolves once `n` requests whose head matches `pattern` have passed through since the relay started. */
  waitForRequest(pattern: RegExp, n?: number, timeoutMs?: number): Promise<void>;
  /** Closes the relay and every connection through it. */
  close(): Promise<void>;
}

/** Starts a relay on a free port of 127.0.0.1 that forwards to `target` (an http:// URL). */
export async function startRelay(target: string): Promise<Relay> {
  let to: URL | undefined = new URL(target);
  const heads: string[] = [];
  const waiters = new Set<() => void>();
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    // While paused (no target), a port nothing listens on: the client meets a server that is down.
    const upstream = connect(to ? Number(to.port) : 1, to?.hostname ?? "127.0.0.1");
    sockets.add(client).add(upstream);
    let heard = false;
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", end).on("close", end);
    // With nothing behind the relay, still take the client's first request head before hanging up, so a
    // test can see a client retrying against a server that is down.
    const hangUp = () => {
      if (heard) return end();
      client.once("data", () => setImmediate(end));
      client.resume(); // the broken pipe paused it
    };
    upstream.on("error", hangUp).on("close", hangUp);
    client.on("data", (d: Buffer) => {
      heard = true;
      // A request head starts with a method; keep only that line so bodies never match.
      const line = /^[A-Z]+ [^\r\n]*/.exec(d.toString("latin1"));
      if (line) {
        heads.push(line[0]);
        for (const w of waiters) w();
      }
    });
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    retarget(url) {
      to = url === undefined ? undefined : new URL(url);
    },
    waitForRequest(pattern, n = 1, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (heads.filter((h) => pattern.test(h)).length < n) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(`relay: ${n} request(s) matching ${pattern} did not arrive; saw ${heads.join(" | ")}`),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
