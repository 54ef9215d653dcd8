// The server's Prometheus metrics (prom-client), loaded by startHttpServer only when metrics are on.
// Channels are counted by kind, never by name, so the number of series stays bounded whatever agents send.
import { statSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { QueueObserver } from "../core/observer.js";
import { SECURITY_CHANNEL } from "../core/security-log.js";
import { VERSION } from "../core/version.js";
import { createFastHistogram, type Observe } from "./metrics-histogram.js";

/** The kinds channels are counted by: `@name` inboxes, `_security`, other `_` system channels, the rest. */
export type ChannelKind = "inbox" | "security" | "system" | "channel";

/** The kind of a channel name (the label that stands for it). */
export function channelKind(channel: string): ChannelKind {
  const c = channel.charCodeAt(0);
  if (c === 64) return "inbox"; // "@"
  if (c === 95) return channel === SECURITY_CHANNEL ? "security" : "system"; // "_"
  return "channel";
}

/** Which budget refused a request with 429 rate_limited. */
export type RateBudget = "agent" | "address" | "refused" | "waits";

/** The metrics of one server. */
export interface ServerMetrics {
  /** The Prometheus text of every metric (the answer of GET /metrics). */
  text(): Promise<string>;
  /** Its content type (text/plain; version=0.0.4). */
  readonly contentType: string;
  /** Hears the queue's deliveries and wake-ups (QueueOptions.observer). */
  readonly observer: QueueObserver;
  /** Hears the store's group commits (SqliteStoreOptions.onCommit). */
  commit(channels: readonly string[], calls: number): void;
  /** A request was refused with this error code. */
  refused(code: string): void;
  /** A request was refused by a rate budget. */
  rateLimited(budget: RateBudget): void;
  /** A stream opened; returns the function to call once when it ends. */
  streamOpened(): () => void;
  /** Times every request by route pattern, method and status (an onResponse hook). */
  install(app: FastifyInstance): void;
}

/** Options of createServerMetrics: what is read at each scrape. */
export interface ServerMetricsOptions {
  /** The SQLite database file, whose size and its -wal file's are read; undefined for a server database. */
  dbPath: string | undefined;
  /** Bytes a server database takes (PostgreSQL), when there is no file to measure. Default none. */
  databaseBytes?: () => Promise<number | undefined>;
  /** Reads and streams parked now (Queue.waiting). */
  waiting: () => number;
  /** Whether an operator exists (Queue.isSecure). */
  isSecure: () => Promise<boolean>;
}

// Seconds; a send takes ~0.1 ms, a long-poll up to its timeout.
const DURATION_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 30, 120,
];
const WAKE_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
const COMMIT_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];
const KINDS: readonly ChannelKind[] = ["inbox", "security", "system", "channel"];

// Process metrics (CPU, memory, event loop, GC) are the process's, whatever servers it runs: collected once.
let processRegistry: Registry | undefined;

function fileBytes(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

type KindCounts = Record<ChannelKind, number>;

function kindCounts(): KindCounts {
  return { inbox: 0, security: 0, system: 0, channel: 0 };
}

/** A counter by channel kind whose values are read from `counts` at each scrape. */
function kindCounter(registry: Registry, name: string, help: string, counts: KindCounts): void {
  new Counter({
    name,
    help,
    labelNames: ["kind"],
    registers: [registry],
    collect() {
      this.reset();
      for (const kind of KINDS) this.inc({ kind }, counts[kind]);
    },
  });
}

declare module "fastify" {
  interface FastifyContextConfig {
    /** Cached histogram children of this route, by method and status code (metrics). */
    metricsByStatus?: Map<string, Observe>;
  }
}

/** Creates the metrics of one server, in a registry of its own. */
export function createServerMetrics(o: ServerMetricsOptions): ServerMetrics {
  const registry = new Registry();
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  const processMetrics = processRegistry;
  // Plain numbers on the hot path (one increment per message), handed to prom-client at each scrape.
  const storedBy = kindCounts();
  const deliveredBy = kindCounts();
  kindCounter(registry, "elipc_messages_stored_total", "Messages stored, by channel kind", storedBy);
  kindCounter(
    registry,
    "elipc_messages_delivered_total",
    "Messages handed to readers (reads and stream events), by channel kind",
    deliveredBy,
  );
  const wake = createFastHistogram(registry, {
    name: "elipc_wakeup_seconds",
    help: "From the commit that woke a parked reader to the reader holding its messages",
    buckets: WAKE_BUCKETS,
  }).child();
  const commits = createFastHistogram(registry, {
    name: "elipc_group_commit_calls",
    help: "Append calls committed together in one transaction (group commit)",
    buckets: COMMIT_BUCKETS,
  }).child();
  const durations = createFastHistogram(registry, {
    name: "elipc_http_request_duration_seconds",
    help: "HTTP request durations by route pattern, method and status (event streams are not timed)",
    buckets: DURATION_BUCKETS,
  });
  const refusals = new Counter({
    name: "elipc_http_refused_total",
    help: "Requests refused, by error code",
    labelNames: ["code"],
    registers: [registry],
  });
  const limited = new Counter({
    name: "elipc_http_rate_limited_total",
    help: "Requests refused by a rate budget (agent, address, refused-request or waiting-read cap)",
    labelNames: ["budget"],
    registers: [registry],
  });
  const streams = new Gauge({
    name: "elipc_open_streams",
    help: "Open GET /stream event streams",
    registers: [registry],
  });
  new Gauge({
    name: "elipc_waiting_readers",
    help: "Reads and streams parked waiting for a message",
    registers: [registry],
    collect() {
      this.set(o.waiting());
    },
  });
  new Gauge({
    name: "elipc_secure_mode",
    help: "1 in secure mode (an operator exists), 0 in open mode",
    registers: [registry],
    async collect() {
      this.set((await o.isSecure()) ? 1 : 0);
    },
  });
  new Gauge({
    name: "elipc_database_bytes",
    help: "Size of the database files, main and write-ahead log",
    labelNames: ["file"],
    registers: [registry],
    async collect() {
      if (o.dbPath === undefined) {
        const n = await o.databaseBytes?.().catch(() => undefined);
        if (n !== undefined) this.set({ file: "main" }, n);
        return;
      }
      this.set({ file: "main" }, fileBytes(o.dbPath));
      this.set({ file: "wal" }, fileBytes(`${o.dbPath}-wal`));
    },
  });
  new Gauge({
    name: "elipc_build_info",
    help: "Always 1; the version label says which el-ipc runs",
    labelNames: ["version"],
    registers: [registry],
  }).set({ version: VERSION }, 1);

  return {
    contentType: registry.contentType,
    async text() {
      return (await Registry.merge([registry, processMetrics]).metrics()) as string;
    },
    observer: {
      delivered(messages) {
        for (const m of messages) deliveredBy[channelKind(m.channel)]++;
      },
      woken: wake,
    },
    commit(channels, calls) {
      for (const c of channels) storedBy[channelKind(c)]++;
      commits(calls);
    },
    refused: (code) => refusals.inc({ code }),
    rateLimited: (budget) => limited.inc({ budget }),
    streamOpened() {
      streams.inc();
      let open = true;
      return () => {
        if (open) streams.dec();
        open = false;
      };
    },
    install(app) {
      app.addHook("onResponse", (request, reply, done) => {
        const config = request.routeOptions.config;
        const status = reply.statusCode;
        let byStatus = config.metricsByStatus;
        if (!byStatus) {
          byStatus = new Map();
          config.metricsByStatus = byStatus;
        }
        const key = `${request.method} ${status}`;
        let observe = byStatus.get(key);
        if (!observe) {
          observe = durations.child({
            route: request.routeOptions.url ?? "(unmatched)",
            method: request.method,
            status: String(status),
          });
          byStatus.set(key, observe);
        }
        observe(reply.elapsedTime / 1000);
        done();
      });
    },
  };
}
