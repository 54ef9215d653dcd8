// `el-ipc migrate`: copies one store into another (SQLite to PostgreSQL, or back for a backup), ids kept so
// watermarks stay valid. Messages go in pages after the highest id the target already holds, so an
// interrupted copy resumes; the end compares counts and a SHA-256 over both stores' contents. A target that
// holds anything but an earlier copy of this source is refused before anything is written to it.
import { createHash, type Hash } from "node:crypto";
import { existsSync } from "node:fs";
import { IpcError } from "../core/errors.js";
import { openStore, type StoreConfig, storeLabel } from "./open.js";
import type { PortableState, PortableStore, Store } from "./types.js";

/** Messages copied per transaction. */
export const MIGRATE_PAGE = 1_000;

/** What a migration copied, and the checksum both stores agree on. */
export interface MigrateResult {
  messages: number;
  /** Messages the target held already (a resumed copy). */
  resumedAfter: number;
  agents: number;
  keyEvents: number;
  accessRules: number;
  watermarks: number;
  tokens: number;
  idempotencyKeys: number;
  webhooks: number;
  /** Hex SHA-256 over every message and the rest of the state, the same on both sides. */
  checksum: string;
}

/** Options of migrateStore. */
export interface MigrateOptions {
  /** Told the messages copied so far and how many there are. */
  onProgress?: (done: number, total: number) => void;
}

function portableOf(store: Store, label: string): PortableStore {
  if (!store.portable)
    throw new IpcError("invalid_argument", `${label} cannot be copied (its store has no export)`);
  return store.portable;
}

/** Hashes a store's messages with ids up to `upto` into `h`, in id order; resolves to how many there are. */
async function hashMessages(h: Hash, p: PortableStore, upto = Number.POSITIVE_INFINITY): Promise<number> {
  let n = 0;
  for (let after = 0; ; ) {
    const page = await p.exportMessages(after, MIGRATE_PAGE);
    const inRange = page.filter((m) => m.id <= upto);
    for (const m of inRange) h.update(`${JSON.stringify(m)}\n`);
    n += inRange.length;
    if (inRange.length === 0 || inRange.length < page.length) return n;
    after = inRange.at(-1)?.id ?? after;
  }
}

/** SHA-256 over a store's messages in id order and its state; resolves to the digest and the message count. */
async function digest(p: PortableStore, state: PortableState): Promise<{ sum: string; messages: number }> {
  const h = createHash("sha256");
  const messages = await hashMessages(h, p);
  // A prefix webhook's per-channel cursors exist on PostgreSQL only; its safe position is compared.
  h.update(JSON.stringify({ ...state, webhooks: state.webhooks.map(({ positions: _, ...w }) => w) }));
  return { sum: h.digest("hex"), messages };
}

/** SHA-256 over a store's messages with ids up to `upto`, and how many there are. */
async function messagesDigest(p: PortableStore, upto: number): Promise<{ sum: string; messages: number }> {
  const h = createHash("sha256");
  const messages = await hashMessages(h, p, upto);
  return { sum: h.digest("hex"), messages };
}

/**
 * Refuses, before anything is written, a target that holds anything but the first messages of this source
 * (a copy that stopped, or one made before): its own messages, or agents, rules, tokens and the like
 * without messages, which importing the source's state would replace. Resolves to how many of the source's
 * messages the target holds already.
 */
async function checkTarget(
  src: PortableStore,
  dst: PortableStore,
  held: number,
  label: string,
): Promise<number> {
  const refuse = (what: string) =>
    new IpcError(
      "conflict",
      `${label} already holds ${what}; migrate copies into an empty database or resumes its own copy (nothing was written)`,
    );
  if (held === 0) {
    const s = await dst.exportState();
    const parts = (
      [
        ["agents", s.agents.length],
        ["key events", s.keyEvents.length],
        ["access rules", s.accessRules.length],
        ["watermarks", s.watermarks.length],
        ["tokens", s.tokens.length],
        ["used proofs", s.usedProofs.length],
        ["idempotency keys", s.idempotency.length],
        ["webhooks", s.webhooks.length],
      ] as const
    ).filter(([, n]) => n > 0);
    if (parts.length > 0) throw refuse(parts.map(([k, n]) => `${n} ${k}`).join(", "));
    return 0;
  }
  const [a, b] = await Promise.all([messagesDigest(src, held), messagesDigest(dst, held)]);
  if (a.messages !== b.messages || a.sum !== b.sum)
    throw refuse(`${b.messages} messages (up to id ${held}) that are not the source's first ones`);
  return a.messages;
}

/** Copies `from` into `to` (resuming a copy that stopped), then verifies both by counts and checksum. */
export async function migrateStore(
  from: StoreConfig,
  to: StoreConfig,
  o: MigrateOptions = {},
): Promise<MigrateResult> {
  if (storeLabel(from) === storeLabel(to))
    throw new IpcError("invalid_argument", "--from and --to name the same database");
  // Opening a SQLite path creates it: a mistyped --from would copy an empty database and pass.
  if (from.kind === "sqlite" && !existsSync(from.path))
    throw new IpcError("not_found", `no database at ${from.path} (--from must name an existing one)`);
  const source = await openStore(from);
  let target: Store | undefined;
  try {
    target = await openStore(to);
    const src = portableOf(source, storeLabel(from));
    const dst = portableOf(target, storeLabel(to));
    const total = await countMessages(src);
    const resumedAfter = await target.lastId();
    let done = await checkTarget(src, dst, resumedAfter, `the target ${storeLabel(to)}`);
    o.onProgress?.(done, total);
    for (let after = resumedAfter; ; ) {
      const page = await src.exportMessages(after, MIGRATE_PAGE);
      if (page.length === 0) break;
      await dst.importMessages(page);
      done += page.length;
      after = page.at(-1)?.id ?? after;
      o.onProgress?.(done, total);
      // A turn of the event loop per page: SQLite's calls never leave it, and a Ctrl-C handler (the CLI's,
      // which says how far the copy got) would otherwise wait for the whole copy.
      await new Promise((turn) => setImmediate(turn));
    }
    const state = await src.exportState();
    await dst.importState(state);
    const [a, b] = await Promise.all([digest(src, state), digest(dst, await dst.exportState())]);
    if (a.messages !== b.messages || a.sum !== b.sum) {
      throw new IpcError(
        "conflict",
        `the copy differs from the source (${b.messages} messages, checksum ${b.sum.slice(0, 12)}…, against ${a.messages}, ${a.sum.slice(0, 12)}…): the target held other data; copy into an empty database`,
      );
    }
    return {
      messages: a.messages,
      resumedAfter,
      agents: state.agents.length,
      keyEvents: state.keyEvents.length,
      accessRules: state.accessRules.length,
      watermarks: state.watermarks.length,
      tokens: state.tokens.length,
      idempotencyKeys: state.idempotency.length,
      webhooks: state.webhooks.length,
      checksum: a.sum,
    };
  } finally {
    await target?.close();
    await source.close();
  }
}

// A store's messages, counted a page at a time through the portable export.
async function countMessages(p: PortableStore): Promise<number> {
  let n = 0;
  for (let from = 0; ; ) {
    const page = await p.exportMessages(from, MIGRATE_PAGE * 10);
    n += page.length;
    if (page.length === 0) return n;
    from = page.at(-1)?.id ?? from;
  }
}
