// The channel list and the agent directory, page by page: each page is read from an index (no full scan
// or sort per page) and ends with an opaque cursor to the next one.
import type { AgentRecord, Store } from "../store/types.js";
import type { Access } from "./access.js";
import type { Caller } from "./caller.js";
import { IpcError } from "./errors.js";
import type { AgentInfo, ChannelInfo, Principal } from "./types.js";

/** Entries of a listing page when the caller does not say. */
export const LIST_DEFAULT_LIMIT = 100;
/** Most entries of one listing page. */
export const LIST_MAX_LIMIT = 1000;

/** Which page of a listing to return. */
export interface PageRequest {
  /** Most entries, 1 to LIST_MAX_LIMIT. Default LIST_DEFAULT_LIMIT. */
  limit?: number;
  /** The `next` of the previous page; omitted: the first page. */
  cursor?: string;
}

/** One page of a listing. */
export interface Page<T> {
  items: T[];
  /** Cursor of the next page; absent on the last one. */
  next?: string;
}

/** What the listings need. */
export interface ListingOptions {
  store: Store;
  access: Access;
  /** Refuses a caller secure mode does not accept for `action`; null for none needed. */
  checkCaller: (caller: Caller, action: string) => Promise<Principal>;
}

const encode = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString("base64url");

function decode(kind: string, cursor: string): unknown {
  try {
    const v = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown[];
    if (Array.isArray(v) && v[0] === kind) return v;
  } catch {
    // Refused below, whatever is wrong with it.
  }
  throw new IpcError(
    "invalid_argument",
    "cursor is not one this server gave (pass the X-IPC-Next-Cursor it sent)",
  );
}

function limitOf(page: PageRequest): number {
  const limit = page.limit ?? LIST_DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > LIST_MAX_LIMIT) {
    throw new IpcError("invalid_argument", `limit must be a whole number from 1 to ${LIST_MAX_LIMIT}`);
  }
  return limit;
}

/** A directory line of a stored identity (never its key). */
export function agentInfoOf(a: AgentRecord): AgentInfo {
  return {
    name: a.name,
    identity: a.identity,
    role: a.role,
    registered_by: a.registeredBy,
    created_at: a.createdAt,
    ...(a.revokedAt !== null ? { revoked_at: a.revokedAt, revoked_by: a.revokedBy } : {}),
  };
}

/** Creates the listings of one queue (spread into the queue object). */
export function createListings({ store, access, checkCaller }: ListingOptions) {
  async function channelPage(caller: Caller, page: PageRequest = {}): Promise<Page<ChannelInfo>> {
    const p = await checkCaller(caller, "channels");
    const limit = limitOf(page);
    let before: number | undefined;
    if (page.cursor !== undefined) {
      const top = (decode("c", page.cursor) as unknown[])[1];
      if (!Number.isSafeInteger(top)) decode("", page.cursor);
      before = top as number;
    }
    const rows = await store.listChannels({ ...(before !== undefined ? { after: before } : {}), limit });
    const last = rows[rows.length - 1];
    // A secure caller sees only channels it may read: a page may be shorter than `limit`, never longer.
    const visible = p
      ? await access.allowed(
          p,
          p.agent,
          rows.map((c) => c.channel),
          "read",
        )
      : undefined;
    const items = rows
      .filter((_, i) => !visible || visible[i])
      .map((c) => ({ channel: c.channel, count: c.count, last_message: c.lastMessage }));
    return rows.length === limit && last ? { items, next: encode(["c", last.top]) } : { items };
  }

  async function agentPage(caller: Caller, page: PageRequest = {}): Promise<Page<AgentInfo>> {
    await checkCaller(caller, "agents");
    const limit = limitOf(page);
    let after: { createdAt: number; name: string } | undefined;
    if (page.cursor !== undefined) {
      const [, createdAt, name] = decode("a", page.cursor) as unknown[];
      if (typeof createdAt !== "number" || typeof name !== "string") decode("", page.cursor);
      after = { createdAt: createdAt as number, name: name as string };
    }
    const rows = await store.listAgentsPage({ ...(after ? { after } : {}), limit });
    const last = rows[rows.length - 1];
    const items = rows.map(agentInfoOf);
    return rows.length === limit && last
      ? { items, next: encode(["a", last.createdAt, last.name]) }
      : { items };
  }

  /** Every page of a listing, one after another. */
  async function all<T>(get: (page: PageRequest) => Promise<Page<T>>): Promise<T[]> {
    const out: T[] = [];
    let cursor: string | undefined;
    do {
      const page = await get({ limit: LIST_MAX_LIMIT, ...(cursor !== undefined ? { cursor } : {}) });
      out.push(...page.items);
      cursor = page.next;
    } while (cursor !== undefined);
    return out;
  }

  return {
    /**
     * One page of channels with message counts, newest activity first. In secure mode a proven caller
     * sees only the channels it may read, anonymous none; a local caller sees everything.
     */
    channelPage,
    /** One page of the agent directory (names, roles, identities; never keys), oldest first. */
    agentPage,
    /** Every channel (all pages of channelPage). */
    channels: (caller: Caller): Promise<ChannelInfo[]> => all((page) => channelPage(caller, page)),
    /** The whole agent directory (all pages of agentPage). */
    agents: (caller: Caller): Promise<AgentInfo[]> => all((page) => agentPage(caller, page)),
  };
}
