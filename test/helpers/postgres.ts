// PostgreSQL for tests: a new database per test store (CREATE DATABASE elipc_t_<random>), dropped after,
// so test files running in parallel never share one; and whether a server answers at all.
import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import postgres from "postgres";

/** The server tests use when IPC_TEST_PG is unset (this machine's CI PostgreSQL). */
export const DEFAULT_TEST_PG = "postgres://postgres@127.0.0.1:5432/test";

/** The admin URL tests create databases through: IPC_TEST_PG, else a postgres:// IPC_TEST_DB, else the default. */
export function testPgUrl(env: NodeJS.ProcessEnv = process.env): string {
  if (env.IPC_TEST_PG) return env.IPC_TEST_PG;
  if (/^postgres(ql)?:\/\//.test(env.IPC_TEST_DB ?? "")) return env.IPC_TEST_DB as string;
  return DEFAULT_TEST_PG;
}

/** Resolves to a reason to skip when nothing answers at the URL's host and port within a second, else undefined. */
export async function pgUnavailable(url = testPgUrl()): Promise<string | undefined> {
  const u = new URL(url);
  const port = Number(u.port || 5432);
  const up = await new Promise<boolean>((resolve) => {
    const s = connect({ host: u.hostname, port, timeout: 1000 }, () => {
      s.destroy();
      resolve(true);
    });
    s.on("error", () => resolve(false));
    s.on("timeout", () => {
      s.destroy();
      resolve(false);
    });
  });
  return up
    ? undefined
    : `no PostgreSQL answers at ${u.hostname}:${port} (set IPC_TEST_PG to run these tests)`;
}

/** A database made for one test. */
export interface TestPgDatabase {
  url: string;
  name: string;
  /** Drops it (ending connections still open). */
  drop(): Promise<void>;
}

/** Creates an empty database on the server `adminUrl` names. */
export async function makePostgresDatabase(adminUrl = testPgUrl()): Promise<TestPgDatabase> {
  const name = `elipc_t_${randomBytes(6).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  try {
    await admin.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    name,
    async drop() {
      const a = postgres(adminUrl, { max: 1, onnotice: () => undefined });
      try {
        await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await a.end();
      }
    },
  };
}

/** A TCP proxy in front of PostgreSQL that a test can cut and restore (a database outage on demand). */
export interface PgProxy {
  /** The database URL through the proxy. */
  url: string;
  /** Drops every connection and refuses new ones. */
  cut(): Promise<void>;
  /** Accepts connections again (on the same port). */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a proxy to the server of `dbUrl` on a free port of 127.0.0.1. */
export async function startPgProxy(dbUrl: string): Promise<PgProxy> {
  const { createServer, connect: dial } = await import("node:net");
  const target = new URL(dbUrl);
  const sockets = new Set<import("node:net").Socket>();
  const make = () =>
    createServer((client) => {
      const upstream = dial({ host: target.hostname, port: Number(target.port || 5432) });
      sockets.add(client);
      sockets.add(upstream);
      const end = (): void => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on("error", end).on("close", end);
      upstream.on("error", end).on("close", end);
      client.pipe(upstream).pipe(client);
    });
  let server = make();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as import("node:net").AddressInfo).port;
  const url = new URL(dbUrl);
  url.hostname = "127.0.0.1";
  url.port = String(port);
  const stop = async (): Promise<void> => {
    for (const s of sockets) s.destroy();
    sockets.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    url: url.toString(),
    cut: stop,
    async restore() {
      server = make();
      await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    },
    close: async () => {
      if (server.listening) await stop();
    },
  };
}
