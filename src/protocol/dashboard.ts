// Shapes of the operator dashboard (/ui): its sign-in codes and sessions, and the read-only views its
// page reads (docs/PROTOCOL.md, dashboard). Messages and channels keep the shapes of the rest of the protocol.
import { z } from "zod";
import { agentInfo, channelInfo } from "./directory.js";
import { deliveredMessage } from "./messages.js";
import { doc, named } from "./metadata.js";

/** The answer to POST /ui/sessions: a one-time sign-in code, shown this once. */
export const dashboardCode = named(
  "DashboardCode",
  z.object({
    ok: z.literal(true),
    code: doc(z.string(), "the one-time code (22 base64url characters)"),
    path: doc(z.string(), "where to open it: /ui/sign-in?code=<code>"),
    expires_at: doc(z.number(), "Unix seconds; the code is refused after it, and after its first use"),
  }),
);

/** GET /ui/sign-in query. */
export const signInQuery = z.object({ code: doc(z.string().max(200).optional(), "the one-time code") });

/** POST /ui/sign-in: the form the sign-in page posts (application/x-www-form-urlencoded). */
export const signInBody = named(
  "SignInBody",
  z.object({ code: doc(z.string().max(200), "the one-time code from el-ipc dashboard") }),
);

/** A page of the dashboard (HTML, or its script or style sheet). */
export const dashboardAsset = doc(z.string(), "the document");

/** GET /ui/api/session: who the page acts for. */
export const dashboardSession = named(
  "DashboardSession",
  z.object({
    mode: doc(z.enum(["open", "signed-in"]), "open: an open-mode server on loopback, no sign-in"),
    operator: doc(z.string().nullable(), "the operator signed in; null in open mode"),
    secure_mode: z.boolean(),
    csrf: doc(z.string(), "send it as X-CSRF-Token with every POST"),
    expires_at: doc(z.number().nullable(), "Unix seconds the session ends; null in open mode"),
  }),
);

/** One agent of the dashboard's directory. */
export const dashboardAgent = named(
  "DashboardAgent",
  agentInfo.extend({
    last_sent: doc(
      z.number().nullable(),
      "Unix seconds of its newest message among the newest scanned; null: none",
    ),
  }),
);

/** One agent's unread count on one channel. */
export const unreadCount = named(
  "UnreadCount",
  z.object({
    agent: z.string(),
    channel: z.string(),
    read_to: doc(z.int(), "the agent's watermark"),
    unread: doc(z.int(), "messages after it"),
  }),
);

/** The answer to GET /ui/api/overview. */
export const dashboardOverview = named(
  "DashboardOverview",
  z.object({
    channels: doc(z.array(channelInfo), "the most recently active channels, newest first"),
    agents: doc(z.array(dashboardAgent), "the registered identities, oldest first"),
    unread: doc(z.array(unreadCount), "every watermark (agent and channel) with its unread count"),
    truncated: doc(z.boolean(), "some list was cut at its limit"),
    secure_mode: z.boolean(),
  }),
);

/** GET /ui/api/messages query. */
export const channelTailQuery = z.object({
  channel: doc(z.string(), "the channel"),
  limit: doc(z.coerce.number().int().optional(), "how many of the newest, 1 to 200, default 50"),
});

/** The answer to GET /ui/api/messages: the newest messages of a channel, oldest first. */
export const channelTail = z.array(deliveredMessage);

/** GET /ui/api/live query. */
export const liveQuery = z.object({
  channel: doc(z.string(), "the channel"),
  after: doc(
    z.coerce.number().int().min(0).optional(),
    "stream the messages after this id; default: from now",
  ),
});
