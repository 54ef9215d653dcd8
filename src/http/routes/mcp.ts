// /mcp: MCP over Streamable HTTP, stateless (POST only, so any instance behind a load balancer answers).
// The face authenticates (a bearer token from `el-ipc token`, or a request proof), validates Origin and
// Host against DNS rebinding, and hands the request to the MCP SDK, loaded on the first request.
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Caller } from "../../core/caller.js";
import { IpcError } from "../../core/errors.js";
import type { Queue } from "../../core/queue.js";
import type { McpFetch } from "../../mcp/http-handler.js";
import { mcpQuery } from "../../protocol/index.js";
import { tokenCallerOf } from "../auth.js";
import { rawBodyOf, validate } from "../input.js";
import type { LongPolls } from "../long-polls.js";
import { hostnameOf, LOOPBACK_NAMES } from "../loopback.js";

/** What /mcp needs. */
export interface McpRouteContext {
  queue: Queue;
  /** Open MCP requests count as waiting reads of their agent (a tool may wait). */
  polls: LongPolls;
  /** The address the server binds: on loopback, Host must be a loopback name. */
  host: string;
  /** Browser origins allowed besides loopback ones (IPC_MCP_ORIGINS). */
  origins: readonly string[];
  /** The public URL (serve --ngrok's tunnel, else IPC_AGENT_URL): its host is accepted as Host on loopback. */
  publicUrl?: () => string | undefined;
  /** Shown by whoami as where the messages are. */
  where: string;
  /** Hears failures inside the MCP SDK. */
  onError: (err: unknown) => void;
}

const LOOPBACK_BIND = new Set(["127.0.0.1", "localhost", "::1"]);

/** The lower-case hostname of a URL; undefined for none or a malformed one. */
function hostOfUrl(url: string | undefined): string | undefined {
  try {
    return url ? new URL(url).hostname.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Refuses a request a web page on another site could have made (MCP spec: servers must validate
 * Origin): an Origin that is neither loopback nor listed; on a loopback server, a Host that is not a
 * loopback name (a rebound DNS name).
 */
function checkOrigin(request: FastifyRequest, ctx: McpRouteContext): void {
  const origin = request.headers.origin;
  if (origin !== undefined) {
    let hostname = "";
    try {
      hostname = new URL(origin).hostname;
    } catch {
      // an unparsable origin is refused below
    }
    if (!LOOPBACK_NAMES.has(hostname) && !ctx.origins.includes(origin.replace(/\/+$/, ""))) {
      throw new IpcError("forbidden", `origin ${origin} may not call /mcp (allow it with IPC_MCP_ORIGINS)`);
    }
  }
  const host = hostnameOf(request.headers.host ?? "");
  const publicHost = hostOfUrl(ctx.publicUrl?.());
  if (LOOPBACK_BIND.has(ctx.host) && !LOOPBACK_NAMES.has(host) && host !== publicHost) {
    throw new IpcError(
      "forbidden",
      "this server listens on loopback only: Host must be localhost or 127.0.0.1",
    );
  }
}

/** Who calls and as which agent; refuses what secure mode does not allow. */
async function agentOf(
  request: FastifyRequest,
  reply: FastifyReply,
  ctx: McpRouteContext,
): Promise<{ caller: Caller; agent: string }> {
  const named = validate(mcpQuery, request.query, "query").agent;
  const { caller } = await tokenCallerOf(request, ctx.queue);
  if (caller.kind === "agent" || caller.kind === "operator") {
    if (named !== undefined && named !== caller.agent) {
      throw new IpcError("forbidden", `authenticated as ${caller.agent}, not ${named}`);
    }
    return { caller, agent: caller.agent };
  }
  if (await ctx.queue.isSecure()) {
    void reply.header("www-authenticate", 'Bearer realm="el-ipc"');
    throw new IpcError(
      "unauthorized",
      "secure mode is on: /mcp needs a bearer token (an operator issues one with el-ipc token <agent>) or a request proof",
    );
  }
  if (named === undefined) {
    throw new IpcError("invalid_argument", "name the agent this MCP client acts as: /mcp?agent=<name>");
  }
  return { caller, agent: named };
}

/** Registers /mcp. */
export function registerMcpRoute(app: FastifyInstance, ctx: McpRouteContext): void {
  let mcp: Promise<McpFetch> | undefined;
  const load = () => {
    mcp ??= import("../../mcp/http-handler.js").then((m) => m.createMcpFetch(ctx.onError));
    return mcp;
  };
  app.route({
    method: ["GET", "POST", "DELETE"],
    url: "/mcp",
    // GET and DELETE only answer 405 (no sessions); the protocol table describes the POST.
    config: { operation: "mcp" },
    exposeHeadRoute: false,
    async handler(request, reply) {
      checkOrigin(request, ctx);
      if (request.method !== "POST") {
        void reply.code(405).header("allow", "POST");
        return {
          error: "/mcp is stateless: POST a JSON-RPC message (no sessions, no GET stream)",
          code: "invalid_argument",
        };
      }
      const { caller, agent } = await agentOf(request, reply, ctx);
      const { createQueueSession } = await import("../../mcp/queue-session.js");
      const session = createQueueSession({
        queue: ctx.queue,
        caller,
        agent,
        where: ctx.where,
      });
      const controller = ctx.polls.open(agent);
      const finish = () => {
        controller.abort();
        ctx.polls.done(controller);
      };
      reply.raw.once("close", finish);
      const headers = new Headers();
      for (const [k, v] of Object.entries(request.headers)) {
        if (typeof v === "string") headers.set(k, v);
      }
      const web = new Request(`http://localhost${request.url}`, {
        method: "POST",
        headers,
        body: rawBodyOf(request),
        signal: controller.signal,
      });
      const res = await (await load())(web, session);
      void reply.code(res.status);
      res.headers.forEach((value, name) => {
        void reply.header(name, value);
      });
      if (!res.body) return reply.send();
      return reply.send(Readable.fromWeb(res.body as WebReadableStream));
    },
  });
}
