// The operator dashboard at /ui: its page and assets, the sign-in (a one-time code from el-ipc dashboard
// exchanged for a session cookie) and the read-only views and send its script calls. Who may see it is
// decided by the gate (ui-access.ts) and, for every view, by the core (an active operator in secure mode).
import type { FastifyInstance, FastifyReply } from "fastify";
import { IpcError } from "../../core/errors.js";
import type { Queue } from "../../core/queue.js";
import type { AnswerBudget } from "../../core/types.js";
import { sendFromWire } from "../../core/wire.js";
import { OPERATIONS } from "../../protocol/index.js";
import { type UiFile, uiFile } from "../../ui/assets.js";
import { callerOf } from "../auth.js";
import { answerEventStream } from "../event-stream.js";
import type { LongPolls } from "../long-polls.js";
import { addOperation } from "../operation-route.js";
import { parseSendBody } from "../send-body.js";
import { checkSameOrigin, createUiGate, sessionCookie, setUiHeaders } from "../ui-access.js";
import { STREAM_KEEP_ALIVE_MS } from "./stream.js";

/** What the dashboard routes need. */
export interface UiRouteContext {
  queue: Queue;
  /** Open live views, ended together on shutdown (and counted per operator with the waiting reads). */
  polls: LongPolls;
  /** The address the server binds. */
  host: string;
  /** IPC_API_KEY ("" when unset). */
  apiKey: string;
  /** Ms between keep-alive comments of a live view. Default STREAM_KEEP_ALIVE_MS. */
  keepAliveMs?: number;
  /** The budget of unsent answers one client address draws from. Default none. */
  answers?: (address: string) => AnswerBudget;
}

/** The agent name a live view reads as in open mode (it moves no watermark). */
const OPEN_VIEWER = "dashboard";
/** The longest form body of the sign-in, in bytes. */
const SIGN_IN_BODY_BYTES = 1024;

function document(reply: FastifyReply, name: UiFile, status = 200, text = uiFile(name)): string {
  const op =
    name === "script" ? OPERATIONS.uiScript : name === "style" ? OPERATIONS.uiStyle : OPERATIONS.uiPage;
  void reply.code(status).type(`${op.contentType}; charset=utf-8`);
  return text;
}

/** The sign-in page, with the code (only base64url characters get in) in its form. */
function signInPage(reply: FastifyReply, code: string | undefined, status = 200, note = ""): string {
  const ok = code !== undefined && /^[A-Za-z0-9_-]{1,200}$/.test(code);
  const text = uiFile("signIn")
    .replace("{{code}}", ok ? code : "")
    .replace("{{note}}", ok ? note : "This link holds no sign-in code. Run el-ipc dashboard for a new one.");
  return document(reply, "signIn", status, text);
}

/** Registers the dashboard's routes in their own scope (headers and the form parser apply to them only). */
export function registerUiRoutes(app: FastifyInstance, ctx: UiRouteContext): void {
  const { queue, polls } = ctx;
  const gate = createUiGate({ queue, host: ctx.host, apiKey: ctx.apiKey });
  const keepAliveMs = ctx.keepAliveMs ?? STREAM_KEEP_ALIVE_MS;

  void app.register(async (ui) => {
    ui.addHook("onRequest", (_request, reply, done) => {
      setUiHeaders(reply);
      done();
    });
    ui.addContentTypeParser(
      "application/x-www-form-urlencoded",
      { parseAs: "string", bodyLimit: SIGN_IN_BODY_BYTES },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );

    addOperation(ui, "uiPage", async ({ request, reply }) => {
      try {
        await gate.access(request);
      } catch (e) {
        if (e instanceof IpcError && e.code === "unauthorized") {
          return signInPage(reply, undefined, 401, "");
        }
        throw e;
      }
      return document(reply, "page");
    });
    addOperation(ui, "uiScript", async ({ reply }) => document(reply, "script"));
    addOperation(ui, "uiStyle", async ({ reply }) => document(reply, "style"));

    addOperation(ui, "uiCode", async ({ request }) => {
      if (!(await gate.needsSignIn())) {
        throw new IpcError(
          "invalid_argument",
          "this server is in open mode without an API key: the dashboard needs no sign-in on loopback (open /ui)",
        );
      }
      const { code, expires_at } = await queue.issueDashboardCode(await callerOf(request, queue));
      return { ok: true, code, path: `/ui/sign-in?code=${code}`, expires_at };
    });

    addOperation(ui, "uiSignInPage", async ({ query, reply }) => signInPage(reply, query.code));

    addOperation(ui, "uiSignIn", async ({ body, request, reply }) => {
      checkSameOrigin(request);
      let token: string;
      let expiresAt: number;
      try {
        const r = await queue.exchangeDashboardCode(body.code);
        token = r.token;
        expiresAt = r.session.expiresAt;
      } catch (e) {
        if (e instanceof IpcError && e.code === "unauthorized") {
          return signInPage(reply, body.code, 401, e.message);
        }
        throw e;
      }
      const maxAge = Math.max(1, Math.floor((expiresAt - Date.now()) / 1000));
      void reply.header("set-cookie", sessionCookie(request, token, maxAge)).redirect("/ui", 303);
      return "";
    });

    addOperation(ui, "uiSignOut", async ({ request, reply }) => {
      const a = await gate.accessForPost(request);
      if (a.token !== undefined) queue.endDashboardSession(a.token);
      void reply.header("set-cookie", sessionCookie(request, "", 0));
      return { ok: true, message: "signed out" };
    });

    addOperation(ui, "uiSession", async ({ request }) => {
      const a = await gate.access(request);
      return {
        mode: a.token !== undefined ? "signed-in" : "open",
        operator: a.operator,
        secure_mode: await queue.isSecure(),
        csrf: a.csrf,
        expires_at: a.expiresAt === null ? null : Math.floor(a.expiresAt / 1000),
      };
    });

    addOperation(ui, "uiOverview", async ({ request }) =>
      queue.dashboardOverview((await gate.access(request)).caller),
    );

    addOperation(ui, "uiMessages", async ({ query, request }) =>
      queue.channelTail((await gate.access(request)).caller, query.channel, query.limit),
    );

    addOperation(
      ui,
      "uiLive",
      async ({ query, request, reply }) => {
        const a = await gate.access(request);
        const viewer = a.caller.kind === "operator" ? a.caller.agent : OPEN_VIEWER;
        const after = query.after ?? (await queue.channelTail(a.caller, query.channel, 1))[0]?.id ?? 0;
        return answerEventStream(request, reply, {
          polls,
          key: `ui:${viewer}`,
          keepAliveMs,
          open: (signal) =>
            queue.stream(a.caller, {
              channels: [query.channel],
              agent: viewer,
              after,
              signal,
              ...(ctx.answers ? { budget: ctx.answers(request.ip) } : {}),
            }),
        });
      },
      { exposeHeadRoute: false },
    );

    addOperation(
      ui,
      "uiSend",
      async ({ body, request }) => {
        await gate.accessForPost(request);
        const r = await queue.send(sendFromWire(body));
        return { ok: true, id: r.id, channel: r.channel, signed: r.signed, duplicate: r.duplicate };
      },
      { parseBody: parseSendBody },
    );
  });
}
