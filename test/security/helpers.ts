// A secure-mode server for the attack suite: a temp database with a seeded operator and registered agents
// (real Ed25519 keys), served in-process (fastify inject) or on a free port, plus signing shortcuts.

import { createHash, type KeyObject } from "node:crypto";
import { Writable } from "node:stream";
import type { FastifyBaseLogger, FastifyInstance, LightMyRequestResponse } from "fastify";
import pino from "pino";
import {
  type PermissionList,
  requestProofHeaders,
  signAccessRule,
  signMessageV2,
  signRegistration,
  signRevocation,
  signRotation,
} from "../../src/client/sign.js";
import { type Config, queueOptionsOf } from "../../src/config.js";
import { LOCAL } from "../../src/core/caller.js";
import { createQueue, type Queue } from "../../src/core/queue.js";
import type { SecurityEvent } from "../../src/core/security-log.js";
import type { Delivered } from "../../src/core/types.js";
import { generateKeyPair, parsePrivateKey } from "../../src/crypto/keys.js";
import { createHttpServer, type HttpTimeouts } from "../../src/http/server.js";
import { createSqliteStore } from "../../src/store/sqlite/index.js";
import type { Store } from "../../src/store/types.js";
import { tempDir, testConfig } from "../helpers/http.js";

/** An identity with its keys. */
export interface Keys {
  key: KeyObject;
  pem: string;
  privatePem: string;
}

/** Makes a fresh key pair. */
export function newKeys(): Keys {
  const pair = generateKeyPair();
  return { key: parsePrivateKey(pair.privateKey), pem: pair.publicKey, privatePem: pair.privateKey };
}

/** Options of a secure server. */
export interface SecureServerOptions {
  /** IPC_* variables for resolveConfig. */
  env?: NodeJS.ProcessEnv;
  /** Agents to register (by op-main). Default alice, bob, herald. */
  agents?: string[];
  /** Listen on a free port of 127.0.0.1 too. */
  listen?: boolean;
  /** Connection timeouts of the HTTP server. */
  timeouts?: Partial<HttpTimeouts>;
}

/** A secure server, its operator and agents. */
export interface SecureServer {
  app: FastifyInstance;
  queue: Queue;
  config: Config;
  dbPath: string;
  /** Base URL when listening. */
  url: string;
  /** op-main's key. */
  op: Keys;
  /** Registered agents' keys by name. */
  keys: Record<string, Keys>;
  /** Every log line the server wrote, parsed. */
  logs: Record<string, unknown>[];
  /** Every security event the queue reported. */
  events: SecurityEvent[];
  /** A second store on the same database, to look at what the server stored. */
  db: Store;
  /** POST JSON through inject. */
  post(url: string, body: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  /** POST JSON with a request proof by `agent`. */
  postAs(agent: string, url: string, body: unknown): Promise<LightMyRequestResponse>;
  /** GET through inject, with a request proof by `agent` when given. */
  get(target: string, agent?: string, extra?: { remoteAddress?: string }): Promise<LightMyRequestResponse>;
  /** POST /send of a v2 message signed by `agent`. */
  send(agent: string, channel: string, content: string): Promise<LightMyRequestResponse>;
  /** GET /messages for `agent` with its proof; resolves to the parsed array (throws on non-200). */
  read(agent: string, channel: string, query?: string): Promise<Delivered[]>;
  /** The security events written to `_security`, read directly from the store. */
  securityChannel(): Promise<SecurityEvent[]>;
  /** Registers `name` signed by op-main; returns its keys. */
  register(name: string): Promise<Keys>;
  /** Signed operator bodies by op-main (or another operator key). */
  sign: {
    revoke(name: string, by?: [string, KeyObject], at?: number): ReturnType<typeof signRevocation>;
    rotate(name: string, pem: string, by?: [string, KeyObject]): ReturnType<typeof signRotation>;
    access(
      effect: "grant" | "deny",
      agent: string,
      pattern: string,
      permissions: PermissionList,
    ): ReturnType<typeof signAccessRule>;
  };
  close(): Promise<void>;
}

/** A logger that records every line it writes. */
export function recordingLogger(lines: Record<string, unknown>[]): FastifyBaseLogger {
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split("\n")) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return pino({ level: "info" }, sink) as unknown as FastifyBaseLogger;
}

/** Starts a secure server over a fresh database: op-main seeded, agents registered. */
export async function secureServer(o: SecureServerOptions = {}): Promise<SecureServer> {
  const t = tempDir();
  const config = testConfig(t.dbPath, o.env ?? {});
  const events: SecurityEvent[] = [];
  const queue = createQueue({
    ...queueOptionsOf(config),
    store: createSqliteStore({ path: t.dbPath }),
    onSecurityEvent: (e) => events.push(e),
  });
  // Seeded before the server is ready, so the server starts in secure mode.
  const opPem = (await queue.seed(LOCAL, "op-main")).privateKey;
  const op: Keys = { key: parsePrivateKey(opPem), pem: "", privatePem: opPem };
  const logs: Record<string, unknown>[] = [];
  const app = createHttpServer({
    queue,
    config,
    logger: recordingLogger(logs),
    ...(o.timeouts ? { timeouts: o.timeouts } : {}),
  });
  const db = createSqliteStore({ path: t.dbPath });
  let url = "";
  if (o.listen) url = await app.listen({ host: "127.0.0.1", port: 0 });
  else await app.ready();

  const keys: Record<string, Keys> = {};
  const keyOf = (agent: string): KeyObject => {
    if (agent === "op-main") return op.key;
    const k = keys[agent];
    if (!k) throw new Error(`no key for ${agent}`);
    return k.key;
  };
  // With IPC_API_KEY set, the helper's own requests carry it (tests of the key itself use other clients).
  const apiKey: Record<string, string> = o.env?.IPC_API_KEY
    ? { authorization: `Bearer ${o.env.IPC_API_KEY}` }
    : {};
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    app.inject({
      method: "POST",
      url: path,
      payload: typeof body === "string" ? body : JSON.stringify(body),
      headers: { "content-type": "application/json", ...apiKey, ...headers },
    });
  const s: SecureServer = {
    app,
    queue,
    config,
    dbPath: t.dbPath,
    url,
    op,
    keys,
    logs,
    events,
    db,
    post,
    postAs(agent, path, body) {
      const text = JSON.stringify(body);
      return post(path, text, requestProofHeaders(keyOf(agent), agent, "POST", path, text));
    },
    get(target, agent, extra = {}) {
      const headers = agent ? requestProofHeaders(keyOf(agent), agent, "GET", target, "") : {};
      return app.inject({ method: "GET", url: target, headers, ...extra });
    },
    send(agent, channel, content) {
      const m = { channel, sender: agent, content };
      return post("/send", { ...m, ...signMessageV2(keyOf(agent), m) });
    },
    async read(agent, channel, query = "") {
      const r = await s.get(`/messages?channel=${encodeURIComponent(channel)}&agent=${agent}${query}`, agent);
      if (r.statusCode !== 200) throw new Error(`read ${channel} as ${agent}: ${r.statusCode} ${r.body}`);
      return r.json() as Delivered[];
    },
    async securityChannel() {
      await queue.flushSecurityEvents();
      const msgs = await db.readAfter([{ channel: "_security", after: 0 }], 100_000);
      return msgs.map((m) => JSON.parse(m.content) as SecurityEvent);
    },
    async register(name) {
      const k = newKeys();
      const r = await post(
        "/register",
        signRegistration(op.key, { operator: "op-main", name, identity: "", publicKey: k.pem }),
      );
      if (r.statusCode !== 200) throw new Error(`register ${name}: ${r.statusCode} ${r.body}`);
      keys[name] = k;
      return k;
    },
    sign: {
      revoke: (name, by = ["op-main", op.key], at) =>
        signRevocation(by[1], { operator: by[0], name }, at ?? Date.now()),
      rotate: (name, pem, by = ["op-main", op.key]) =>
        signRotation(by[1], { operator: by[0], name, publicKey: pem }),
      access: (effect, agent, pattern, permissions) =>
        signAccessRule(op.key, { effect, operator: "op-main", agent, pattern, permissions }),
    },
    async close() {
      await app.close();
      await queue.close();
      await db.close();
      t.cleanup();
    },
  };
  for (const name of o.agents ?? ["alice", "bob", "herald"]) await s.register(name);
  return s;
}

/**
 * Stores a token for `agent` that expired a second ago, straight in the store (nothing issues one), and
 * returns its bearer form.
 */
export async function addExpiredToken(store: Store, agent: string, id: string): Promise<string> {
  const secret = "E".repeat(43);
  await store.tokens?.addToken({
    id,
    agent,
    secretHash: createHash("sha256").update(secret).digest("hex"),
    issuedBy: "op-main",
    createdAt: Date.now() / 1000 - 7200,
    expiresAt: Math.floor(Date.now() / 1000) - 1,
    revokedAt: null,
    revokedBy: null,
  });
  return `elipc_${id}.${secret}`;
}
