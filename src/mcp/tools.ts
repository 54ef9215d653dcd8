// The el-ipc MCP tools, named verb_noun: each a description, zod input and output schemas and a handler
// over an AgentSession. Refusals come back as tool errors (isError) with the code and a one-line reason.
import type { CallToolResult, McpServer, ServerContext } from "@modelcontextprotocol/server";
import type { z } from "zod";
import { toIpcError } from "../core/errors.js";
import { DEFAULT_MAX_CHARS, DEFAULT_PAGE, shapePage } from "./results.js";
import * as s from "./schemas.js";
import type { AgentSession } from "./session.js";

/** How often wait_for_messages reports progress while it waits, in ms. */
export const PROGRESS_EVERY_MS = 10_000;
/** Most channels or agents a listing shows. */
export const MAX_LISTED = 200;

type Structured = Record<string, unknown>;

interface ToolSpec<I extends z.ZodObject, O extends z.ZodObject> {
  description: string;
  input: I;
  output: O;
  readOnly: boolean;
  run: (args: z.infer<I>, ctx: ServerContext) => Promise<z.infer<O>>;
}

/** Options of the tools. */
export interface ToolOptions {
  /** Hears unexpected failures (they reach the agent as `internal`). Default: none. */
  onError?: (err: unknown) => void;
}

/** Registers every tool on `server`, acting through `session`. */
export function registerTools(server: McpServer, session: AgentSession, options: ToolOptions = {}): void {
  const add = <I extends z.ZodObject, O extends z.ZodObject>(name: string, spec: ToolSpec<I, O>) => {
    // A concrete ZodObject resolves the SDK's conditional callback type; the spec's own types hold inside.
    server.registerTool<z.ZodObject, z.ZodObject>(
      name,
      {
        description: spec.description,
        inputSchema: spec.input,
        outputSchema: spec.output,
        annotations: { readOnlyHint: spec.readOnly, openWorldHint: false },
      },
      async (args, ctx: ServerContext): Promise<CallToolResult> => {
        try {
          const out = (await spec.run(args as z.infer<I>, ctx)) as Structured;
          return { content: [{ type: "text" as const, text: JSON.stringify(out) }], structuredContent: out };
        } catch (e) {
          const err = toIpcError(e);
          if (err.code === "internal") options.onError?.(e);
          return { isError: true, content: [{ type: "text" as const, text: `${err.code}: ${err.message}` }] };
        }
      },
    );
  };

  add("send_message", {
    description:
      "Send a message to a channel (or to @agent, that agent's inbox). It is signed with your key.",
    input: s.sendInput,
    output: s.sendOutput,
    readOnly: false,
    run: (a) => session.send(a.channel, a.content, a.idempotency_key),
  });

  const readPage = async (
    a: {
      channels: string[];
      peek?: boolean | undefined;
      limit?: number | undefined;
      max_chars?: number | undefined;
    },
    wait?: { timeoutMs: number; signal: AbortSignal },
  ) => {
    const limit = a.limit ?? DEFAULT_PAGE;
    const found = await session.peek({
      channels: a.channels,
      limit,
      ...(wait ? { wait: true, timeoutMs: wait.timeoutMs, signal: wait.signal } : {}),
    });
    const page = shapePage(found, limit, a.max_chars ?? DEFAULT_MAX_CHARS);
    if (!a.peek && page.whole.length > 0) await session.ack(page.whole);
    return { messages: page.messages, more: page.more };
  };

  add("read_messages", {
    description:
      "Read your unread messages on one or more channels, oldest first, one page. Unless peek, they are marked read.",
    input: s.readInput,
    output: s.pageOutput,
    readOnly: false,
    run: (a) => readPage(a),
  });

  add("wait_for_messages", {
    description:
      "Wait until a message arrives on one of the channels (or the timeout passes), then return the unread page like read_messages.",
    input: s.waitInput,
    output: s.waitOutput,
    readOnly: false,
    async run(a, ctx) {
      const total = (a.timeout_seconds ?? s.DEFAULT_WAIT_SECONDS) * 1000;
      const start = Date.now();
      const token = ctx.mcpReq._meta?.progressToken;
      for (;;) {
        const left = total - (Date.now() - start);
        const page = await readPage(a, {
          timeoutMs: Math.max(0, Math.min(left, PROGRESS_EVERY_MS)),
          signal: ctx.mcpReq.signal,
        });
        if (page.messages.length > 0 || page.more) return { ...page, timed_out: false };
        const waited = Date.now() - start;
        if (waited >= total || ctx.mcpReq.signal.aborted) return { ...page, timed_out: true };
        if (token !== undefined) {
          await ctx.mcpReq.notify({
            method: "notifications/progress",
            params: {
              progressToken: token,
              progress: Math.floor(waited / 1000),
              total: total / 1000,
              message: `waiting for messages on ${a.channels.join(", ")}`,
            },
          });
        }
      }
    },
  });

  add("ack_messages", {
    description:
      "Mark messages of a channel read up to and including id (after read_messages or wait_for_messages with peek).",
    input: s.ackInput,
    output: s.ackOutput,
    readOnly: false,
    run: async (a) => ({ channel: a.channel, watermark: await session.ackTo(a.channel, a.id) }),
  });

  add("seek_channel", {
    description:
      'Move your read position on a channel, also back: to a message id, "start" (read all again) or "end" (skip what is unread).',
    input: s.seekInput,
    output: s.seekOutput,
    readOnly: false,
    run: async (a) => ({ channel: a.channel, watermark: await session.seek(a.channel, a.to) }),
  });

  add("list_channels", {
    description: "List the channels with their message counts (most recent first).",
    input: s.emptyInput,
    output: s.channelsOutput,
    readOnly: true,
    async run() {
      const all = await session.channels();
      const recent = [...all].sort((x, y) => y.last_message - x.last_message).slice(0, MAX_LISTED);
      return { channels: recent, total: all.length };
    },
  });

  add("list_agents", {
    description: "List the registered agents and operators.",
    input: s.emptyInput,
    output: s.agentsOutput,
    readOnly: true,
    async run() {
      const all = await session.agents();
      const agents = all.slice(0, MAX_LISTED).map((x) => ({
        name: x.name,
        role: x.role,
        identity: x.identity,
        revoked: x.revoked_at !== undefined,
      }));
      return { agents, total: all.length };
    },
  });

  add("whoami", {
    description:
      "Who you are on el-ipc: your agent name, your inbox, where the messages are, and the security mode.",
    input: s.emptyInput,
    output: s.whoamiOutput,
    readOnly: true,
    async run() {
      const id = session.identity();
      return {
        agent: id.agent,
        inbox: `@${id.agent}`,
        where: id.where,
        secure_mode: await session.secureMode(),
        signing: id.signing,
        ...(id.keyFingerprint ? { key_fingerprint: id.keyFingerprint } : {}),
      };
    },
  });
}
