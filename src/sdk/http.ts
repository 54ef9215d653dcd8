// HTTP client of an el-ipc server: the base of the SDK's remote mode and of the CLI's. It signs what it
// sends with the caller's key (v2 messages, request proofs), retries 429 and 503 within a budget and turns
// error bodies back into IpcErrors. Only fetch: no fastify, no SQLite, no zod.
import type { KeyObject } from "node:crypto";
import { requestProofHeaders, signMessageV2 } from "../client/sign.js";
import { type ErrorCode, IpcError } from "../core/errors.js";
import type { IssuedToken, TokenInfo } from "../core/tokens.js";
import type {
  AccessRuleInfo,
  AgentInfo,
  ChannelInfo,
  Delivered,
  Health,
  KeyEventInfo,
  ReadRequest,
  SendResult,
} from "../core/types.js";
import { CODE_OF_STATUS, NO_ROUTE_ERROR } from "../protocol/codes.js";
import { NEXT_CURSOR_HEADER } from "../protocol/headers.js";
import type {
  AccessRuleBody,
  AgentCard,
  BodyOf,
  DeliveryInfo,
  ErrorBody,
  OutputOf,
  QueryOf,
  RegisterBody,
  RevokeBody,
  RotateBody,
  SendBody,
  SendResponse,
  WebhookAddBody,
  WebhookIdBody,
  WebhookInfo,
} from "../protocol/index.js";
import { targetOf } from "../protocol/target.js";
import { callSignal } from "./call-signal.js";
import { ROUTES, type RouteName } from "./routes.js";

/** A caller's key and name, for a request proof. */
type CallerKey = { key: KeyObject; agent: string };

/** Options of an HTTP client. */
export interface HttpClientOptions {
  /** Server base URL, e.g. http://127.0.0.1:9876 (no trailing slash). */
  baseUrl: string;
  /** Bearer token when the server sets IPC_API_KEY. */
  apiKey?: string;
  /**
   * Called before a waiting read tries again after a passing failure (server restarting, connection
   * dropped, 429/5xx): `attempt` counts from 1 for each outage, `delayMs` is the pause before the next try.
   */
  onWaitRetry?: (error: IpcError, attempt: number, delayMs: number) => void;
  /** Random numbers in [0, 1) for the retry jitter. Default Math.random. */
  random?: () => number;
  /**
   * How long, in ms, a call may spend retrying answers of 429 (rate limited) and 503 (unavailable), waiting
   * what Retry-After says or a jittered backoff. Default 0: no retry.
   */
  retryBudgetMs?: number;
}

/** A message to send through the client. */
export interface ClientMessage {
  channel: string;
  sender: string;
  content: string;
  /** Idempotency key. */
  key?: string;
}

/**
 * A read through the client: the core's ReadRequest without the principal (the client proves who it is
 * with the key it is given). The server caps one poll at 300 s, so longer waits poll again.
 */
export type ClientRead = Omit<ReadRequest, "principal">;

const MAX_POLL_SECONDS = 300;
/** First pause of a waiting read after a passing failure, in ms; it doubles up to RETRY_MAX_MS. */
export const RETRY_BASE_MS = 250;
/** Longest pause between two tries of a waiting read, in ms. */
export const RETRY_MAX_MS = 5_000;

/** Network failures that no retry can mend: the server's address itself is wrong. */
const PERMANENT_NETWORK = new Set(["ENOTFOUND", "EAI_FAIL", "ERR_INVALID_URL", "ERR_INVALID_ARG_VALUE"]);
/** Error codes a later try may not get: unreachable, overloaded, restarting. */
const PASSING_CODES = new Set<ErrorCode>(["unavailable", "rate_limited", "internal"]);
/** Errors thrown by call() that are permanent although their code is in PASSING_CODES. */
const permanent = new WeakSet<IpcError>();

/** True when a waiting read should try again after `e` (never for 400, 401, 403, 404 or a bad URL). */
export function isPassingFailure(e: unknown): e is IpcError {
  return e instanceof IpcError && PASSING_CODES.has(e.code) && !permanent.has(e);
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * The pause before try `attempt` (from 1) after a passing failure: full jitter over the upper half of an
 * exponential ceiling, so restarted servers are not met by every client at once; at least Retry-After.
 */
export function backoffMs(attempt: number, retryAfter: number | undefined, random: () => number): number {
  const ceiling = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.min(attempt - 1, 16));
  const delayMs = Math.round(ceiling / 2 + (random() * ceiling) / 2);
  return retryAfter === undefined ? delayMs : Math.max(delayMs, Math.min(retryAfter * 1000, 60_000));
}

/** The error of a call its AbortSignal ended. */
export function abortError(): IpcError {
  return new IpcError("unavailable", "aborted", undefined, 0);
}

/** What one call of an operation sends besides its method and path (OPERATIONS gives those). */
interface CallInput<N extends RouteName> {
  query?: QueryOf<N>;
  body?: BodyOf<N>;
  /** Who proves the request (request proof headers); absent: no proof. */
  proof?: { key: KeyObject; agent: string } | undefined;
  signal?: AbortSignal | undefined;
}

/** Creates a client for one server. */
export function createHttpClient(o: HttpClientOptions) {
  /** Calls operation `name` of the protocol table; resolves to its answer's body and headers. */
  async function request<N extends RouteName>(
    name: N,
    input: CallInput<N> = {},
  ): Promise<{ body: OutputOf<N>; headers: Headers }> {
    const op = ROUTES[name];
    input = { ...input, signal: input.signal ?? callSignal.getStore() };
    const target = targetOf(op, input.query as Record<string, unknown> | undefined);
    const budgetEnd = Date.now() + (o.retryBudgetMs ?? 0);
    const random = o.random ?? Math.random;
    for (let attempt = 1; ; attempt++) {
      try {
        return await send<OutputOf<N>>(op.method, target, input.body, input.proof, input.signal);
      } catch (e) {
        // Only answers the server gave: a 429 or 503 stored nothing, so a send may be tried again.
        if (!(e instanceof IpcError) || (e.status !== 429 && e.status !== 503) || input.signal?.aborted)
          throw e;
        const delayMs = backoffMs(attempt, e.retryAfter, random);
        if (Date.now() + delayMs > budgetEnd) throw e;
        await pause(delayMs, input.signal);
        if (input.signal?.aborted) throw abortError();
      }
    }
  }

  async function call<N extends RouteName>(name: N, input: CallInput<N> = {}): Promise<OutputOf<N>> {
    return (await request(name, input)).body;
  }

  /** Every page of a listing: follows X-IPC-Next-Cursor until the last page. */
  async function allPages<N extends "channels" | "agents">(
    name: N,
    proof?: { key: KeyObject; agent: string },
  ): Promise<OutputOf<N>> {
    const out: OutputOf<N>[number][] = [];
    let cursor: string | null = null;
    do {
      const query = { limit: "1000", ...(cursor !== null ? { cursor } : {}) };
      const r: { body: OutputOf<N>; headers: Headers } = await request(name, {
        query: query as QueryOf<N>,
        proof,
      });
      out.push(...r.body);
      cursor = r.headers.get(NEXT_CURSOR_HEADER);
    } while (cursor);
    return out as OutputOf<N>;
  }

  async function send<T>(
    method: "GET" | "POST",
    target: string,
    body: unknown,
    proof?: { key: KeyObject; agent: string },
    signal?: AbortSignal,
  ): Promise<{ body: T; headers: Headers }> {
    const text = body === undefined ? "" : JSON.stringify(body);
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["content-type"] = "application/json";
    if (o.apiKey) headers.authorization = `Bearer ${o.apiKey}`;
    if (proof) Object.assign(headers, requestProofHeaders(proof.key, proof.agent, method, target, text));
    let res: Response;
    try {
      res = await fetch(o.baseUrl + target, {
        method,
        headers,
        ...(body !== undefined ? { body: text } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (e) {
      if (signal?.aborted) throw abortError();
      const code = (e as { cause?: { code?: string } }).cause?.code ?? (e as { code?: string }).code;
      const err = new IpcError(
        "unavailable",
        `cannot reach ${o.baseUrl}: ${code ?? (e as Error).message}`,
        undefined,
        0,
      );
      if (code !== undefined && PERMANENT_NETWORK.has(code)) permanent.add(err);
      throw err;
    }
    let raw: string;
    try {
      raw = await res.text();
    } catch {
      // The connection dropped in the middle of the answer.
      if (signal?.aborted) throw abortError();
      throw new IpcError("unavailable", `${o.baseUrl} closed the connection before answering`, undefined, 0);
    }
    let parsed: unknown;
    try {
      parsed = raw === "" ? undefined : JSON.parse(raw);
    } catch {
      // A proxy's error page while the server restarts passes; anything else is not an el-ipc server.
      const err = new IpcError(
        res.status >= 500 ? "unavailable" : (CODE_OF_STATUS[res.status] ?? "invalid_argument"),
        `${o.baseUrl} answered ${res.status} with something that is not JSON`,
        undefined,
        res.status,
      );
      if (res.status < 500 && res.status !== 429) permanent.add(err);
      throw err;
    }
    if (!res.ok) {
      const err = parsed as Partial<ErrorBody> | undefined;
      const retry = Number(res.headers.get("retry-after") ?? "");
      // The server's answer to a path it has no route for: the URL is likely wrong (a path after the port).
      const noRoute =
        res.status === 404 && err?.error === NO_ROUTE_ERROR
          ? `${o.baseUrl}${target.split("?", 1)[0]} is no el-ipc endpoint (404): is ${o.baseUrl} the server's address, with no path after it?`
          : undefined;
      throw new IpcError(
        err?.code ?? CODE_OF_STATUS[res.status] ?? "unavailable",
        noRoute ?? err?.error ?? `server answered ${res.status}`,
        Number.isFinite(retry) && retry > 0 ? retry : undefined,
        res.status,
      );
    }
    return { body: parsed as T, headers: res.headers };
  }

  function signed(m: ClientMessage, key: KeyObject | undefined): SendBody {
    const body: SendBody = { channel: m.channel, sender: m.sender, content: m.content };
    if (m.key !== undefined) body.key = m.key;
    if (key) Object.assign(body, signMessageV2(key, m));
    return body;
  }

  return {
    /** POST /send, signed with `key` when given. */
    async send(m: ClientMessage, key?: KeyObject): Promise<SendResult> {
      // Older servers answer only {ok, id}: the other fields are filled in from what was sent.
      const r: Partial<SendResponse> & { id: number } = await call("send", { body: signed(m, key) });
      return {
        id: r.id,
        channel: r.channel ?? m.channel,
        signed: r.signed ?? key !== undefined,
        duplicate: !!r.duplicate,
      };
    },

    /** POST /send/batch: all stored in one transaction, or none. */
    async sendBatch(messages: ClientMessage[], key?: KeyObject): Promise<number[]> {
      const r = await call("sendBatch", { body: { messages: messages.map((m) => signed(m, key)) } });
      return r.ids;
    },

    /**
     * GET /messages; with `wait`, polls until a message arrives or `timeoutMs` passes. A wait outlives
     * server restarts and dropped connections: passing failures (see isPassingFailure) are retried with
     * jittered exponential backoff; only permanent answers end it with an error.
     */
    async read(r: ClientRead, key?: KeyObject): Promise<Delivered[]> {
      const deadline = Date.now() + (r.timeoutMs ?? Number.POSITIVE_INFINITY);
      const random = o.random ?? Math.random;
      let attempt = 0;
      for (;;) {
        const query: QueryOf<"read"> = { channel: r.channels.join(","), agent: r.agent };
        if (r.limit !== undefined) query.limit = String(r.limit);
        if (r.peek) query.peek = "true";
        if (r.wait) {
          const left = Math.ceil((deadline - Date.now()) / 1000);
          query.wait = "true";
          query.timeout = String(Math.max(0, Math.min(MAX_POLL_SECONDS, left)));
        }
        let got: Delivered[];
        try {
          got = await call("read", {
            query,
            proof: key ? { key, agent: r.agent } : undefined,
            signal: r.signal,
          });
        } catch (e) {
          if (!r.wait || r.signal?.aborted || !isPassingFailure(e)) throw e;
          attempt++;
          const delayMs = Math.min(
            backoffMs(attempt, e.retryAfter, random),
            Math.max(0, deadline - Date.now()),
          );
          o.onWaitRetry?.(e, attempt, delayMs);
          await pause(delayMs, r.signal);
          if (r.signal?.aborted) throw abortError();
          if (Date.now() >= deadline) return [];
          continue;
        }
        attempt = 0;
        if (got.length > 0 || !r.wait || Date.now() >= deadline || r.signal?.aborted) return got;
      }
    },

    /** POST /ack for each channel in `messages`, up to its highest id. */
    async ack(agent: string, messages: Pick<Delivered, "id" | "channel">[], key?: KeyObject): Promise<void> {
      const top = new Map<string, number>();
      for (const m of messages) top.set(m.channel, Math.max(top.get(m.channel) ?? 0, m.id));
      for (const [channel, id] of top) {
        await call("ack", { body: { channel, agent, id }, proof: key ? { key, agent } : undefined });
      }
    },

    /** POST /ack of one id; resolves to the watermark the server reports (the id from older servers). */
    async ackTo(channel: string, agent: string, id: number, key?: KeyObject): Promise<number> {
      const r: Partial<OutputOf<"ack">> | undefined = await call("ack", {
        body: { channel, agent, id },
        proof: key ? { key, agent } : undefined,
      });
      return typeof r?.watermark === "number" ? r.watermark : id;
    },

    /**
     * POST /seek: sets `agent`'s watermark on `channel` to `to` (an id, "start" or "end"), also back;
     * `proof` is the agent's own, or an operator's. Resolves to the watermark the server reports.
     */
    async seek(
      channel: string,
      agent: string,
      to: number | "start" | "end",
      proof?: { key: KeyObject; agent: string },
    ): Promise<number> {
      const r = await call("seek", { body: { channel, agent, to }, proof });
      return r.watermark;
    },

    /** GET /channels, every page; secure servers need `proof` (the caller's key and name). */
    channels: (proof?: { key: KeyObject; agent: string }): Promise<ChannelInfo[]> =>
      allPages("channels", proof),
    /** GET /agents, every page; secure servers need `proof`. */
    agents: (proof?: { key: KeyObject; agent: string }): Promise<AgentInfo[]> => allPages("agents", proof),
    /** GET /access: the access rules, of `agent` or of all; secure servers need an operator's `proof`. */
    accessRules: (proof?: { key: KeyObject; agent: string }, agent?: string): Promise<AccessRuleInfo[]> =>
      call("accessRules", { query: { agent }, proof }),
    /** GET /key-events: the key history of `name`; secure servers need an operator's `proof`. */
    keyEvents: (
      proof: { key: KeyObject; agent: string } | undefined,
      name: string,
    ): Promise<KeyEventInfo[]> => call("keyEvents", { query: { name }, proof }),
    /** GET /health; with channel and agent, that agent's pending count, proven with `key` when given. */
    health: (q: { channel?: string; agent?: string } = {}, key?: KeyObject): Promise<Health> =>
      call("health", {
        query: q,
        proof: key && q.agent !== undefined ? { key, agent: q.agent } : undefined,
      }),
    /** POST /tokens: a bearer token for `agent`; secure servers need an operator's `proof`. */
    issueToken: async (proof: CallerKey, agent: string, ttlSeconds?: number): Promise<IssuedToken> => {
      const body = { agent, ...(ttlSeconds !== undefined ? { ttl_seconds: ttlSeconds } : {}) };
      const { ok: _ok, ...issued } = await call("issueToken", { body, proof });
      return issued;
    },
    /** POST /tokens/revoke; secure servers need an operator's `proof`. */
    revokeToken: async (proof: CallerKey, id: string): Promise<string> =>
      (await call("revokeToken", { body: { id }, proof })).message,
    /** GET /tokens, of `agent` or of all; secure servers need an operator's `proof`. */
    tokens: (proof: CallerKey, agent?: string): Promise<TokenInfo[]> =>
      call("tokens", { query: agent === undefined ? {} : { agent }, proof }),
    /** GET /.well-known/agent-card.json. */
    agentCard: (): Promise<AgentCard> => call("agentCard"),
    /**
     * POST /ui/sessions: a one-time dashboard sign-in code; secure servers need an operator's `proof`,
     * a server with only an API key the key.
     */
    dashboardCode: async (proof?: CallerKey): Promise<{ code: string; path: string; expires_at: number }> => {
      const { ok: _ok, ...code } = await call("uiCode", { proof });
      return code;
    },
    /** POST /register with an operator-signed body (see signRegistration). */
    async register(body: RegisterBody): Promise<string> {
      return (await call("register", { body })).message;
    },
    /** POST /revoke with an operator-signed body (see signRevocation). */
    async revoke(body: RevokeBody): Promise<string> {
      return (await call("revoke", { body })).message;
    },
    /** POST /rotate with an operator-signed body (see signRotation). */
    async rotate(body: RotateBody): Promise<string> {
      return (await call("rotate", { body })).message;
    },
    /** POST /grant, /deny or /unset with an operator-signed body (see signAccessRule). */
    async setAccess(effect: "grant" | "deny" | "unset", body: AccessRuleBody): Promise<string> {
      return (await call(effect, { body })).message;
    },
    /** POST /webhooks with an operator-signed body (see signWebhookAdd). */
    async addWebhook(body: WebhookAddBody): Promise<{ id: number; message: string }> {
      const { id, message } = await call("addWebhook", { body });
      return { id, message };
    },
    /** POST /webhooks/remove or /webhooks/enable with an operator-signed body (see signWebhookChange). */
    async changeWebhook(action: "remove" | "enable", body: WebhookIdBody): Promise<string> {
      return (await call(action === "remove" ? "removeWebhook" : "enableWebhook", { body })).message;
    },
    /** GET /webhooks; secure servers need an operator's `proof`. */
    webhooks: (proof?: { key: KeyObject; agent: string }): Promise<WebhookInfo[]> =>
      call("webhooks", { proof }),
    /** GET /webhooks/deliveries: the newest attempts of webhook `id`; secure servers need an operator's `proof`. */
    webhookDeliveries: (
      proof: { key: KeyObject; agent: string } | undefined,
      id: number,
      limit: number,
    ): Promise<DeliveryInfo[]> => call("webhookDeliveries", { query: { id, limit }, proof }),
  };
}

/** A client, as returned by createHttpClient. */
export type HttpClient = ReturnType<typeof createHttpClient>;
