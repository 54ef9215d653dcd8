// Shapes of the operator actions (each body carries the operator's signature over its canonical form,
// docs/PROTOCOL.md section 4) and the operator views, with the reference's JSON field names.
import { z } from "zod";
import { doc, named } from "./metadata.js";

const operatorSigned = () => ({
  operator: doc(z.string(), "the operator who signs"),
  signed_at: doc(z.int(), "Unix ms the operator signed at"),
  nonce: doc(z.string(), "16 to 64 characters of [A-Za-z0-9_-]"),
  signature: doc(z.string(), "the operator's base64 Ed25519 signature"),
});

/** The operator signature fields every operator action carries. */
export const operatorSignature = z.object(operatorSigned());
/** The operator signature fields as they travel. */
export type OperatorSignature = z.infer<typeof operatorSignature>;

/** POST /register: an operator-signed registration (the operator's private key never travels). */
export const registerBody = named(
  "RegisterBody",
  z.object({
    name: doc(z.string(), "the new agent"),
    public_key: doc(z.string(), "its SPKI PEM, trimmed"),
    identity: doc(z.string().optional(), "free one-line identifier"),
    ...operatorSigned(),
  }),
);
/** POST /register, as it travels. */
export type RegisterBody = z.infer<typeof registerBody>;

/** POST /revoke. */
export const revokeBody = named("RevokeBody", z.object({ name: z.string(), ...operatorSigned() }));
/** POST /revoke, as it travels. */
export type RevokeBody = z.infer<typeof revokeBody>;

/** POST /rotate. */
export const rotateBody = named(
  "RotateBody",
  z.object({ name: z.string(), public_key: doc(z.string(), "the new SPKI PEM"), ...operatorSigned() }),
);
/** POST /rotate, as it travels. */
export type RotateBody = z.infer<typeof rotateBody>;

/** Permissions as written in an access rule body and its signed form. */
export const permissionList = z.enum(["read", "write", "read,write"]);
/** Permissions as written in an access rule body and its signed form. */
export type PermissionList = z.infer<typeof permissionList>;

/** POST /grant and POST /deny; `permissions` exactly as signed. */
export const accessRuleBody = named(
  "AccessRuleBody",
  z.object({
    agent: z.string(),
    pattern: doc(z.string(), "a channel name, or a prefix followed by *"),
    permissions: permissionList,
    ...operatorSigned(),
  }),
);
/** POST /grant or /deny, as it travels. */
export type AccessRuleBody = z.infer<typeof accessRuleBody>;

/** The answer to every operator action. */
export const okMessage = named(
  "OkMessage",
  z.object({ ok: z.literal(true), message: doc(z.string(), "what was done, in one line") }),
);

/** GET /access query: the rules of one agent, or of all when `agent` is absent. */
export const accessQuery = z.object({
  agent: doc(z.string().optional(), "only this agent's rules; absent: every agent's"),
});

/** One channel access rule: `agent` may (allow) or may not (deny) `permission` `pattern`. */
export const accessRuleInfo = named(
  "AccessRule",
  z.object({
    agent: z.string(),
    pattern: doc(z.string(), "a channel name, or a prefix followed by *"),
    permission: z.enum(["read", "write"]),
    effect: z.enum(["allow", "deny"]),
    set_by: doc(z.string(), "the operator who set the rule"),
    set_at: doc(z.number(), "Unix seconds"),
  }),
);
/** One channel access rule. */
export type AccessRuleInfo = z.infer<typeof accessRuleInfo>;

/** The answer to GET /access. */
export const accessRuleList = z.array(accessRuleInfo);

/** GET /key-events query. */
export const keyEventsQuery = z.object({
  name: doc(z.string().min(1, "is required"), "an agent or operator, active or revoked"),
});

/** One change of an identity's key. */
export const keyEventInfo = named(
  "KeyEvent",
  z.object({
    name: z.string(),
    event: z.enum(["rotate", "revoke"]),
    public_key: doc(z.string().nullable(), "rotate: the new SPKI PEM; revoke: null"),
    previous_key: doc(z.string().nullable(), "the SPKI PEM in force before the event"),
    by: doc(z.string(), "the operator who made the change"),
    at: doc(z.number(), "Unix seconds"),
  }),
);
/** One change of an identity's key. */
export type KeyEventInfo = z.infer<typeof keyEventInfo>;

/** The answer to GET /key-events: oldest first. */
export const keyEventList = z.array(keyEventInfo);
