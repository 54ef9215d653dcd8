// Operator views of the security state: the channel access rules and each identity's key history. In
// secure mode only a proven, active operator sees them; the checks are in callers.ts.
import type { Store } from "../store/types.js";
import type { Caller } from "./caller.js";
import { IpcError } from "./errors.js";
import { checkName } from "./limits.js";
import type { AccessRuleInfo, KeyEventInfo } from "./types.js";

/** What the operator views need. */
export interface AdminViewOptions {
  store: Store;
  /** Refuses (and reports) a caller that is not a proven, active operator in secure mode. */
  checkOperator: (caller: Caller, action: string, what: string) => Promise<void>;
}

/** Creates the operator views of one queue (spread into the queue object). */
export function createAdminViews({ store, checkOperator }: AdminViewOptions) {
  /** Refuses names nobody registered, so a typo is not mistaken for "no rules" or "no history". */
  async function registered(name: string): Promise<void> {
    if (!(await store.getAgent(name))) {
      throw new IpcError("unknown_agent", `unknown agent '${name}': not registered`);
    }
  }

  return {
    /**
     * The channel access rules, of one agent or of all, ordered by agent, pattern and permission.
     * In secure mode `caller` must be a proven, active operator or the local process.
     */
    async accessRules(caller: Caller, agent?: string): Promise<AccessRuleInfo[]> {
      if (agent !== undefined) checkName("agent", agent);
      await checkOperator(caller, "access", "listing access rules");
      if (agent !== undefined) await registered(agent);
      return (await store.listAccessRules(agent)).map((r) => ({
        agent: r.agent,
        pattern: r.pattern,
        permission: r.permission,
        effect: r.effect,
        set_by: r.setBy,
        set_at: r.setAt,
      }));
    },

    /**
     * The key rotations and the revocation of one identity (revoked ones included), oldest first.
     * `caller` as for `accessRules`; an unregistered name is unknown_agent.
     */
    async keyEvents(caller: Caller, name: string): Promise<KeyEventInfo[]> {
      checkName("agent", name);
      await checkOperator(caller, "key-events", "listing key events");
      await registered(name);
      return (await store.listKeyEvents(name)).map((e) => ({
        name: e.name,
        event: e.event,
        public_key: e.publicKey,
        previous_key: e.previousKey,
        by: e.by,
        at: e.at,
      }));
    },
  };
}
