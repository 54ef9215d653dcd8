// Method and path of every operation the clients call, without zod: the SDK's remote client must not load
// the validation library. Checked against the protocol's table by type (a path or method that differs
// from OPERATIONS does not compile) and by test/sdk/routes.test.ts.
import type { OPERATIONS } from "../protocol/operations.js";

type Ops = typeof OPERATIONS;

/** Where one operation is: what the protocol table says, nothing else. */
type RouteOf<N extends keyof Ops> = { readonly method: Ops[N]["method"]; readonly path: Ops[N]["path"] };

/** The operations the clients call, by name, as OPERATIONS has them. */
export const ROUTES = {
  send: { method: "POST", path: "/send" },
  sendBatch: { method: "POST", path: "/send/batch" },
  read: { method: "GET", path: "/messages" },
  ack: { method: "POST", path: "/ack" },
  seek: { method: "POST", path: "/seek" },
  stream: { method: "GET", path: "/stream" },
  channels: { method: "GET", path: "/channels" },
  agents: { method: "GET", path: "/agents" },
  health: { method: "GET", path: "/health" },
  agentCard: { method: "GET", path: "/.well-known/agent-card.json" },
  register: { method: "POST", path: "/register" },
  revoke: { method: "POST", path: "/revoke" },
  rotate: { method: "POST", path: "/rotate" },
  grant: { method: "POST", path: "/grant" },
  deny: { method: "POST", path: "/deny" },
  unset: { method: "POST", path: "/unset" },
  accessRules: { method: "GET", path: "/access" },
  keyEvents: { method: "GET", path: "/key-events" },
  addWebhook: { method: "POST", path: "/webhooks" },
  removeWebhook: { method: "POST", path: "/webhooks/remove" },
  enableWebhook: { method: "POST", path: "/webhooks/enable" },
  webhooks: { method: "GET", path: "/webhooks" },
  webhookDeliveries: { method: "GET", path: "/webhooks/deliveries" },
  issueToken: { method: "POST", path: "/tokens" },
  revokeToken: { method: "POST", path: "/tokens/revoke" },
  tokens: { method: "GET", path: "/tokens" },
  uiCode: { method: "POST", path: "/ui/sessions" },
} as const satisfies { readonly [N in keyof Ops]?: RouteOf<N> };

/** The operations a client calls. */
export type RouteName = keyof typeof ROUTES;
