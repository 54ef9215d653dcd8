// Who may act as whom: in secure mode a reader must have proven it is the agent it reads as (and that
// agent must be active and allowed on the channels); a listing needs a proven, active caller, and the
// operator views (access rules, key history) a proven, active operator.
import type { Access } from "./access.js";
import { type Caller, principalOf } from "./caller.js";
import { IpcError } from "./errors.js";
import type { Identity } from "./identity.js";
import { checkName } from "./limits.js";
import type { SecurityLog } from "./security-log.js";
import type { Principal } from "./types.js";

/** What the caller checks need. */
export interface CallerCheckOptions {
  identity: Identity;
  access: Access;
  security: SecurityLog;
  /** Refuses a bearer token (by id) that was revoked or has expired since it proved a caller. */
  checkToken: (id: string) => Promise<void>;
}

/** Creates the caller checks of one queue. */
export function createCallerChecks({ identity, access, security, checkToken }: CallerCheckOptions) {
  /** In secure mode the caller must have proven it is `agent`. */
  async function checkActingAs(agent: string, principal: Principal, action = "read"): Promise<void> {
    if (!(await identity.isSecure())) return;
    if (!principal) {
      throw security.refuse(
        "unauthenticated",
        "unauthorized",
        `secure mode is on: prove you are ${agent} with its key`,
        { action, agent },
      );
    }
    if (principal.agent !== agent) {
      throw security.refuse("forbidden", "forbidden", `authenticated as ${principal.agent}, not ${agent}`, {
        action,
        agent: principal.agent,
      });
    }
    const rec = await identity.activeAgent(agent, { action });
    // A wait proven with a key that is no longer the agent's ends as a revoked one does.
    if (principal.key !== undefined && principal.key !== rec.publicKey) {
      throw security.refuse(
        "rotated_key",
        "forbidden",
        `the key of '${agent}' was rotated; this request was proven with the old key`,
        { action, agent },
      );
    }
    // A wait proven by a bearer token ends once the token is revoked (woken by the revoke) or expired.
    if (principal.token !== undefined) await checkToken(principal.token);
  }

  /**
   * In secure mode a listing needs a proven, active caller; open mode and local callers need none.
   * Returns the proven identity whose view applies, null for a view of everything.
   */
  async function checkCaller(caller: Caller, action: string): Promise<Principal> {
    if (caller.kind === "local" || !(await identity.isSecure())) return null;
    if (caller.kind === "anonymous") {
      throw security.refuse(
        "unauthenticated",
        "unauthorized",
        `secure mode is on: ${action} needs a registered identity (a request proof; el-ipc: --key <file> --as <agent>)`,
        { action },
      );
    }
    await identity.activeAgent(caller.agent, { action });
    return principalOf(caller);
  }

  /**
   * In secure mode an operator view needs a proven, active operator; open mode and local callers
   * need none. `what` names the view in the refusal ("listing access rules").
   */
  async function checkOperator(caller: Caller, action: string, what: string): Promise<void> {
    if (caller.kind === "local" || !(await identity.isSecure())) return;
    if (caller.kind === "anonymous") {
      throw security.refuse(
        "unauthenticated",
        "unauthorized",
        `secure mode is on: ${what} needs an operator's request proof (el-ipc: --key <file> --as <operator>)`,
        { action },
      );
    }
    const rec = await identity.activeAgent(caller.agent, { action });
    if (caller.kind !== "operator" || rec.role !== "operator") {
      throw security.refuse(
        "forbidden",
        "forbidden",
        `${what} is for operators only; '${caller.agent}' is not an operator`,
        { action, agent: caller.agent },
      );
    }
  }

  /**
   * Checks that `caller` may read `channels` as `agent`; returns the checked agent name. Acting as an
   * agent needs its proof in secure mode, from a local caller too.
   */
  async function checkReader(channels: string[], agentName: string, caller: Caller): Promise<string> {
    const principal = principalOf(caller);
    const agent = checkName("agent", agentName);
    if (channels.length === 0) throw new IpcError("invalid_argument", "channel is required");
    for (const c of channels) checkName("channel", c);
    await checkActingAs(agent, principal);
    await access.authorize(principal, agent, channels, "read");
    return agent;
  }

  return { checkCaller, checkOperator, checkReader };
}
