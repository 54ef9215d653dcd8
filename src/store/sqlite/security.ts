// The security part of the SQLite store: revocation, key rotation with its history, and channel
// access rules, with a version counter bumped by every revocation, rotation and rule change, which other
// processes watch (migration 003_security.sql).
import type Database from "better-sqlite3";
import { type KeyEventRow, type RuleRow, toKeyEvent, toRule } from "../shared/rows.js";
import type { AccessRule, KeyEvent, Permission, Store } from "../types.js";

/** What the security methods need from the store that owns the connection. */
export interface SecurityStoreOptions {
  db: Database.Database;
  /** Maps a SQLite error to an IpcError (busy, full) and throws it. */
  fail: (e: unknown) => never;
}

/** The Store methods this file implements. */
export type SecurityMethods = Pick<
  Store,
  | "revokeAgent"
  | "rotateKey"
  | "listKeyEvents"
  | "putAccessRules"
  | "removeAccessRules"
  | "listAccessRules"
  | "accessVersion"
>;

/** Creates the security methods over an open, migrated database. */
export function createSecurityMethods({ db, fail }: SecurityStoreOptions): SecurityMethods {
  const stmt = {
    activeKey: db.prepare("SELECT public_key FROM agents WHERE name = ? AND revoked_at IS NULL").pluck(),
    revoke: db.prepare(
      "UPDATE agents SET revoked_at = ?, revoked_by = ? WHERE name = ? AND revoked_at IS NULL",
    ),
    rotate: db.prepare("UPDATE agents SET public_key = ? WHERE name = ? AND revoked_at IS NULL"),
    addEvent: db.prepare(
      "INSERT INTO key_events (name, event, public_key, previous_key, actor, at) VALUES (?, ?, ?, ?, ?, ?)",
    ),
    events: db.prepare("SELECT * FROM key_events WHERE name = ? ORDER BY id"),
    putRule: db.prepare(
      "INSERT INTO access_rules (agent, pattern, permission, effect, set_by, set_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (agent, pattern, permission) DO UPDATE SET effect = excluded.effect, set_by = excluded.set_by, set_at = excluded.set_at",
    ),
    takeRule: db.prepare(
      "DELETE FROM access_rules WHERE agent = ? AND pattern = ? AND permission = ? RETURNING *",
    ),
    bump: db.prepare("UPDATE access_version SET version = version + 1 WHERE id = 1"),
    version: db.prepare("SELECT version FROM access_version WHERE id = 1").pluck(),
    rulesOf: db.prepare("SELECT * FROM access_rules WHERE agent = ? ORDER BY pattern, permission"),
    allRules: db.prepare("SELECT * FROM access_rules ORDER BY agent, pattern, permission"),
  };

  const revoke = db.transaction((name: string, by: string, at: number): boolean => {
    const key = stmt.activeKey.get(name) as string | undefined;
    if (key === undefined || stmt.revoke.run(at, by, name).changes !== 1) return false;
    stmt.addEvent.run(name, "revoke", null, key, by, at);
    stmt.bump.run();
    return true;
  });
  const rotate = db.transaction((name: string, publicKey: string, by: string, at: number): boolean => {
    const key = stmt.activeKey.get(name) as string | undefined;
    if (key === undefined || stmt.rotate.run(publicKey, name).changes !== 1) return false;
    stmt.addEvent.run(name, "rotate", publicKey, key, by, at);
    stmt.bump.run();
    return true;
  });
  const putRules = db.transaction((rules: AccessRule[]): void => {
    for (const r of rules) stmt.putRule.run(r.agent, r.pattern, r.permission, r.effect, r.setBy, r.setAt);
    stmt.bump.run();
  });
  const removeRules = db.transaction((agent: string, pattern: string, permissions: Permission[]) => {
    const removed: AccessRule[] = [];
    for (const p of permissions) {
      const row = stmt.takeRule.get(agent, pattern, p) as RuleRow | undefined;
      if (row) removed.push(toRule(row));
    }
    if (removed.length > 0) stmt.bump.run();
    return removed;
  });

  return {
    async revokeAgent(name, by, at) {
      try {
        return revoke.immediate(name, by, at);
      } catch (e) {
        return fail(e);
      }
    },
    async rotateKey(name, publicKey, by, at) {
      try {
        return rotate.immediate(name, publicKey, by, at);
      } catch (e) {
        return fail(e);
      }
    },
    async listKeyEvents(name): Promise<KeyEvent[]> {
      return (stmt.events.all(name) as KeyEventRow[]).map(toKeyEvent);
    },
    async putAccessRules(rules) {
      if (rules.length === 0) return;
      try {
        putRules.immediate(rules);
      } catch (e) {
        fail(e);
      }
    },
    async removeAccessRules(agent, pattern, permissions) {
      try {
        return removeRules.immediate(agent, pattern, permissions);
      } catch (e) {
        return fail(e);
      }
    },
    async listAccessRules(agent) {
      const rows = (agent === undefined ? stmt.allRules.all() : stmt.rulesOf.all(agent)) as RuleRow[];
      return rows.map(toRule);
    },
    async accessVersion() {
      return (stmt.version.get() as number | undefined) ?? 0;
    },
  };
}
