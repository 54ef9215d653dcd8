// Who may read and write which channel: direct inboxes, the operators-only `_security` channel, and
// operator-set grant/deny rules on channel name patterns, cached per agent until any rule changes.
import { accessRuleBytes } from "../crypto/canonical.js";
import type { AccessRule, Permission, Store } from "../store/types.js";
import { IpcError } from "./errors.js";
import type { Identity } from "./identity.js";
import { checkName } from "./limits.js";
import { SECURITY_CHANNEL, type SecurityLog } from "./security-log.js";
import type { AccessRuleInput, AccessUnsetInput, Principal } from "./types.js";

/** What an agent wants to do with a channel. */
export type Operation = Permission;

/** Access for registered agents on channels no rule matches. */
export type DefaultAccess = "allow" | "deny";

/** Options of the access policy. */
export interface AccessOptions {
  store: Store;
  identity: Identity;
  security: SecurityLog;
  /** Current Unix time in ms. */
  clock: () => number;
  /** Channels no rule matches: "allow" (default) or "deny" (IPC_DEFAULT_ACCESS=deny). */
  defaultAccess?: DefaultAccess;
}

/** Rules of this many agents are cached at most; the cache is emptied when it grows beyond. */
const MAX_CACHED_AGENTS = 10_000;

/** How well `pattern` matches `channel`: -1 none; a longer prefix ranks higher; an exact name highest. */
function matchRank(pattern: string, channel: string): number {
  if (pattern.endsWith("*")) {
    const prefix = pattern.slice(0, -1);
    return channel.startsWith(prefix) ? prefix.length : -1;
  }
  return pattern === channel ? Number.MAX_SAFE_INTEGER : -1;
}

/**
 * The effect of the most specific rule for `op` on `channel` (an exact name beats any wildcard, a
 * longer prefix beats a shorter one), or undefined when no rule matches.
 */
export function decide(
  rules: readonly AccessRule[],
  channel: string,
  op: Operation,
): AccessRule["effect"] | undefined {
  let best: AccessRule | undefined;
  let bestRank = -1;
  for (const r of rules) {
    if (r.permission !== op) continue;
    const rank = matchRank(r.pattern, channel);
    if (rank > bestRank) {
      best = r;
      bestRank = rank;
    }
  }
  return best?.effect;
}

/**
 * Checks a rule pattern: a channel name, or a (possibly empty) name prefix followed by `*`. A `*`
 * anywhere else (`rev*ew`) would be stored as a literal name that matches nothing meant: refused.
 */
export function checkPattern(pattern: unknown): string {
  if (typeof pattern !== "string" || pattern.length === 0) {
    throw new IpcError("invalid_argument", "pattern is required: a channel name, or a prefix followed by *");
  }
  if (pattern === "*") return pattern;
  const name = pattern.endsWith("*") ? pattern.slice(0, -1) : pattern;
  if (name.includes("*")) {
    throw new IpcError(
      "invalid_argument",
      `pattern '${pattern}' has a * before its end; * may only end a pattern (a prefix followed by *)`,
    );
  }
  checkName("channel", name);
  return pattern;
}

/** Checks the permissions of a rule body: read, write or both, each once; returns them in that order. */
function checkPermissions(permissions: unknown): Permission[] {
  if (!Array.isArray(permissions) || permissions.some((p) => p !== "read" && p !== "write")) {
    throw new IpcError("invalid_argument", "permissions must be read, write or both");
  }
  const out = (["read", "write"] as const).filter((p) => permissions.includes(p));
  if (out.length === 0) throw new IpcError("invalid_argument", "give read, write or both");
  return out;
}

/** Memoizes an async lookup for the length of one call. */
function once<T>(f: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => {
    p ??= f();
    return p;
  };
}

/** The access policy of one queue. */
export type Access = ReturnType<typeof createAccess>;

/** Creates the access policy. */
export function createAccess(o: AccessOptions) {
  const defaultAccess = o.defaultAccess ?? "allow";
  const cache = new Map<string, readonly AccessRule[]>();
  let cachedVersion = -1;

  async function rulesOf(agent: string): Promise<readonly AccessRule[]> {
    const version = await o.store.accessVersion();
    if (version !== cachedVersion) {
      cache.clear();
      cachedVersion = version;
    }
    let rules = cache.get(agent);
    if (!rules) {
      rules = await o.store.listAccessRules(agent);
      if (cache.size >= MAX_CACHED_AGENTS) cache.clear();
      cache.set(agent, rules);
    }
    return rules;
  }

  /**
   * Why `agent` may not `op` `channel`, or undefined when it may. `principal` is the proven caller
   * (secure mode); null means nobody is proven (open mode), where only the fixed rules apply.
   */
  async function refusal(
    principal: Principal,
    agent: string,
    channel: string,
    op: Operation,
    rules: () => Promise<readonly AccessRule[]>,
  ): Promise<string | undefined> {
    const proven = principal !== null && principal.agent === agent ? principal : null;
    if (channel === SECURITY_CHANNEL) {
      if (op === "write") return `${SECURITY_CHANNEL} is written by el-ipc only`;
      return proven?.role === "operator" ? undefined : `${SECURITY_CHANNEL} is readable by operators only`;
    }
    const inbox = channel.startsWith("@");
    if (inbox && op === "read") {
      const owner = channel.slice(1);
      return owner === agent ? undefined : `${channel} is ${owner}'s inbox; only ${owner} reads it`;
    }
    if (!proven || proven.role === "operator") return undefined;
    // Inboxes take writes from every registered agent unless an operator denied it explicitly.
    const ruled = decide(await rules(), channel, op);
    if ((ruled ?? (inbox ? "allow" : defaultAccess)) === "allow") return undefined;
    const how = ruled ? "denied by an operator" : "IPC_DEFAULT_ACCESS=deny and no operator granted it";
    return `${agent} may not ${op} ${channel} (${how})`;
  }

  /** Secure mode: a message to `@name` needs `name` to be an active agent, or it would never be read. */
  async function checkInboxOwner(sender: string, inbox: string): Promise<void> {
    const owner = inbox.slice(1);
    const rec = await o.store.getAgent(owner);
    const ctx = { action: "write", agent: sender, channel: inbox };
    if (!rec) {
      throw o.security.refuse(
        "access_denied",
        "not_found",
        `${inbox} is nobody's inbox: no agent '${owner}' is registered`,
        ctx,
      );
    }
    if (rec.revokedAt !== null) {
      throw o.security.refuse(
        "access_denied",
        "forbidden",
        `${inbox} takes no messages: agent '${owner}' has been revoked`,
        ctx,
      );
    }
  }

  return {
    /**
     * Refuses (forbidden, reported) unless `agent` may `op` every one of `channels`; see `refusal` for
     * `principal`. The agent's rules are looked up once per call.
     */
    async authorize(
      principal: Principal,
      agent: string,
      channels: string | readonly string[],
      op: Operation,
    ): Promise<void> {
      const rules = once(() => rulesOf(agent));
      for (const channel of typeof channels === "string" ? [channels] : channels) {
        if (op === "write" && principal !== null && channel.startsWith("@")) {
          await checkInboxOwner(agent, channel);
        }
        const why = await refusal(principal, agent, channel, op, rules);
        if (why !== undefined) {
          throw o.security.refuse("access_denied", "forbidden", why, { action: op, agent, channel });
        }
      }
    },

    /** Which of `channels` `agent` may `op` (nothing is reported). */
    async allowed(
      principal: Principal,
      agent: string,
      channels: readonly string[],
      op: Operation,
    ): Promise<boolean[]> {
      const rules = once(() => rulesOf(agent));
      const out: boolean[] = [];
      for (const c of channels) out.push((await refusal(principal, agent, c, op, rules)) === undefined);
      return out;
    },

    /** The default for channels no rule matches. */
    defaultAccess,

    /** Grants or denies an agent read and/or write on a channel pattern, under an operator's signature. */
    async setRule(r: AccessRuleInput): Promise<string> {
      if (r.effect !== "grant" && r.effect !== "deny") {
        throw new IpcError("invalid_argument", "effect must be grant or deny");
      }
      const agent = checkName("agent", r.agent);
      const pattern = checkPattern(r.pattern);
      const permissions = checkPermissions(r.permissions);
      const { operator, guard } = await o.identity.verifyOperator(r.effect, agent, r, (f) =>
        accessRuleBytes({
          effect: r.effect,
          operator: r.operator,
          agent,
          pattern,
          permissions: permissions.join(","),
          timestamp: f.signedAt,
          nonce: f.nonce,
        }),
      );
      const target = await o.store.getAgent(agent);
      if (!target) throw new IpcError("unknown_agent", `unknown agent '${agent}': not registered`);
      if (target.role === "operator") {
        throw new IpcError(
          "invalid_argument",
          `'${agent}' is an operator; operators may read and write every channel`,
        );
      }
      const ctx = { action: r.effect, operator: operator.name, agent, channel: pattern };
      await o.identity.consume(guard, r.effect, ctx);
      const setAt = o.clock() / 1000;
      await o.store.putAccessRules(
        permissions.map((permission) => ({
          agent,
          pattern,
          permission,
          effect: r.effect === "grant" ? "allow" : "deny",
          setBy: operator.name,
          setAt,
        })),
      );
      const message = `Operator '${operator.name}' ${r.effect === "grant" ? "granted" : "denied"} ${agent} ${permissions.join(" and ")} on '${pattern}'`;
      o.security.report({ ...ctx, type: "admin", message });
      return message;
    },

    /**
     * Removes an agent's grant or deny rules on exactly `pattern` for the permissions given, under an
     * operator's signature; channels the pattern matched fall back to the next rule or the default.
     * Refused (not_found) when no such rule is set.
     */
    async unsetRule(r: AccessUnsetInput): Promise<string> {
      const agent = checkName("agent", r.agent);
      const pattern = checkPattern(r.pattern);
      const permissions = checkPermissions(r.permissions);
      const { operator, guard } = await o.identity.verifyOperator("unset", agent, r, (f) =>
        accessRuleBytes({
          effect: "unset",
          operator: r.operator,
          agent,
          pattern,
          permissions: permissions.join(","),
          timestamp: f.signedAt,
          nonce: f.nonce,
        }),
      );
      const set = (await o.store.listAccessRules(agent)).filter(
        (rule) => rule.pattern === pattern && permissions.includes(rule.permission),
      );
      if (set.length === 0) {
        throw new IpcError(
          "not_found",
          `${agent} has no ${permissions.join(" or ")} rule on '${pattern}' to remove (el-ipc access ${agent} lists them)`,
        );
      }
      const ctx = { action: "unset", operator: operator.name, agent, channel: pattern };
      await o.identity.consume(guard, "unset", ctx);
      const removed = await o.store.removeAccessRules(agent, pattern, permissions);
      const what = removed.map((rule) => `${rule.effect} ${rule.permission}`).join(", ");
      const message = `Operator '${operator.name}' removed ${agent}'s rule${removed.length === 1 ? "" : "s"} on '${pattern}' (${what})`;
      o.security.report({ ...ctx, type: "admin", message });
      return message;
    },

    /** The rules of one agent, or of all agents. */
    rules(agent?: string): Promise<AccessRule[]> {
      return o.store.listAccessRules(agent);
    },
  };
}
