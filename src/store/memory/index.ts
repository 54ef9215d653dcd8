// The memory backend of the Store interface: everything in this process, gone on close. It keeps the same
// contract as the other backends (test/store/contract.ts), makes core tests fast and proves the interface
// holds no SQL. It has no subscribe/watch: no other process can write to it.
import { IpcError } from "../../core/errors.js";
import type {
  AccessRule,
  AgentRecord,
  DeliveryRecord,
  KeyEvent,
  MessageRecord,
  Store,
  TokenRecord,
  TokenStore,
  WebhookRecord,
  WebhookStore,
} from "../types.js";
import { createMemoryMessages } from "./messages.js";

const copy = <T extends object>(x: T): T => ({ ...x });

/** Creates an empty memory store. */
export function createMemoryStore(): Store {
  let closed = false;
  const isClosed = (): boolean => closed;
  const messages = createMemoryMessages(isClosed);
  const { scan, ...messageMethods } = messages;
  const agents = new Map<string, AgentRecord>();
  const events: KeyEvent[] = [];
  const rules = new Map<string, AccessRule>();
  let version = 0;
  const ruleKey = (r: Pick<AccessRule, "agent" | "pattern" | "permission">): string =>
    `${r.agent}\u0000${r.pattern}\u0000${r.permission}`;
  const byRuleOrder = (a: AccessRule, b: AccessRule): number =>
    a.agent < b.agent
      ? -1
      : a.agent > b.agent
        ? 1
        : ruleKey(a) < ruleKey(b)
          ? -1
          : ruleKey(a) > ruleKey(b)
            ? 1
            : 0;
  const writable = (): void => {
    if (closed) throw new IpcError("unavailable", "store is closed");
  };
  const sortedAgents = (): AgentRecord[] =>
    [...agents.values()].sort((a, b) =>
      a.createdAt !== b.createdAt
        ? a.createdAt - b.createdAt
        : a.name < b.name
          ? -1
          : a.name > b.name
            ? 1
            : 0,
    );

  const store: Store = {
    ...messageMethods,
    async getAgent(name) {
      const a = agents.get(name);
      return a ? copy(a) : undefined;
    },
    async listAgents() {
      return sortedAgents().map(copy);
    },
    async listAgentsPage(page) {
      const after = page.after;
      return sortedAgents()
        .filter(
          (a) =>
            !after ||
            a.createdAt > after.createdAt ||
            (a.createdAt === after.createdAt && a.name > after.name),
        )
        .slice(0, page.limit)
        .map(copy);
    },
    async addAgent(a) {
      writable();
      if (agents.has(a.name)) return false;
      agents.set(a.name, copy(a));
      return true;
    },
    async hasOperator() {
      for (const a of agents.values()) if (a.role === "operator") return true;
      return false;
    },
    async revokeAgent(name, by, at) {
      writable();
      const a = agents.get(name);
      if (!a || a.revokedAt !== null) return false;
      agents.set(name, { ...a, revokedAt: at, revokedBy: by });
      events.push({ name, event: "revoke", publicKey: null, previousKey: a.publicKey, by, at });
      version++;
      return true;
    },
    async rotateKey(name, publicKey, by, at) {
      writable();
      const a = agents.get(name);
      if (!a || a.revokedAt !== null) return false;
      agents.set(name, { ...a, publicKey });
      events.push({ name, event: "rotate", publicKey, previousKey: a.publicKey, by, at });
      version++;
      return true;
    },
    async listKeyEvents(name) {
      return events.filter((e) => e.name === name).map(copy);
    },
    async putAccessRules(list) {
      writable();
      if (list.length === 0) return;
      for (const r of list) rules.set(ruleKey(r), copy(r));
      version++;
    },
    async removeAccessRules(agent, pattern, permissions) {
      writable();
      const removed: AccessRule[] = [];
      for (const permission of permissions) {
        const k = ruleKey({ agent, pattern, permission });
        const r = rules.get(k);
        if (r) {
          removed.push(r);
          rules.delete(k);
        }
      }
      if (removed.length > 0) version++;
      return removed;
    },
    async listAccessRules(agent) {
      return [...rules.values()]
        .filter((r) => agent === undefined || r.agent === agent)
        .sort(byRuleOrder)
        .map(copy);
    },
    async accessVersion() {
      return version;
    },
    tokens: createMemoryTokens(writable),
    webhooks: createMemoryWebhooks(writable, scan, () => messageMethods.lastId()),
    async close() {
      closed = true;
    },
  };
  return store;
}

function createMemoryTokens(writable: () => void): TokenStore {
  const tokens = new Map<string, TokenRecord>();
  return {
    async addToken(t) {
      writable();
      if (tokens.has(t.id)) throw new IpcError("conflict", `token ${t.id} exists`);
      tokens.set(t.id, { ...t, revokedAt: null, revokedBy: null });
    },
    async getToken(id) {
      const t = tokens.get(id);
      return t ? copy(t) : undefined;
    },
    async revokeToken(id, by, at) {
      writable();
      const t = tokens.get(id);
      if (!t || t.revokedAt !== null) return false;
      tokens.set(id, { ...t, revokedAt: at, revokedBy: by });
      return true;
    },
    async listTokens(agent) {
      return [...tokens.values()]
        .filter((t) => agent === undefined || t.agent === agent)
        .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .map(copy);
    },
  };
}

function createMemoryWebhooks(
  writable: () => void,
  scan: (match: (channel: string) => boolean, after: number, limit: number) => MessageRecord[],
  lastId: () => Promise<number>,
): WebhookStore {
  const hooks = new Map<number, WebhookRecord>();
  const log = new Map<number, DeliveryRecord[]>();
  let nextId = 1;
  return {
    async addWebhook(w) {
      writable();
      const id = nextId++;
      hooks.set(id, { ...w, id, position: await lastId(), disabledAt: null, disabledReason: null });
      return id;
    },
    async listWebhooks() {
      return [...hooks.values()].map(copy);
    },
    async removeWebhook(id) {
      writable();
      log.delete(id);
      return hooks.delete(id);
    },
    async setWebhookDisabled(id, disabled) {
      writable();
      const w = hooks.get(id);
      if (!w) return false;
      hooks.set(id, { ...w, disabledAt: disabled?.at ?? null, disabledReason: disabled?.reason ?? null });
      return true;
    },
    // One position for all channels: ids are taken and stored in one step, in increasing order.
    async advanceWebhook(id, _channel, position) {
      writable();
      const w = hooks.get(id);
      if (w && w.position < position) hooks.set(id, { ...w, position });
    },
    async webhookMessages({ pattern, position }, limit) {
      const prefix = pattern.endsWith("*") ? pattern.slice(0, -1) : undefined;
      const match = (c: string): boolean =>
        !c.startsWith("@") && (prefix !== undefined ? c.startsWith(prefix) : c === pattern);
      return scan(match, position, limit);
    },
    async logDelivery(d, keep) {
      writable();
      const list = log.get(d.webhookId) ?? [];
      list.push(copy(d));
      log.set(d.webhookId, list.slice(-keep));
    },
    async listDeliveries(webhookId, limit) {
      return (log.get(webhookId) ?? []).slice(-limit).reverse().map(copy);
    },
  };
}
