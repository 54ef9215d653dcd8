// Identities, key history, access rules and bearer tokens in the PostgreSQL store. Every revocation,
// rotation and rule change bumps the access version and notifies the other servers in its transaction.
import type { Sql, TransactionSql } from "postgres";
import {
  type AgentRow,
  type KeyEventRow,
  type RuleRow,
  type TokenRow,
  toAgent,
  toKeyEvent,
  toRule,
  toToken,
} from "../shared/rows.js";
import type { AccessRule, Store, TokenStore } from "../types.js";

/** The Store methods this file implements. */
export type PgSecurityMethods = Pick<
  Store,
  | "getAgent"
  | "listAgents"
  | "listAgentsPage"
  | "addAgent"
  | "hasOperator"
  | "revokeAgent"
  | "rotateKey"
  | "listKeyEvents"
  | "putAccessRules"
  | "removeAccessRules"
  | "listAccessRules"
  | "accessVersion"
>;

/** What the security methods need from the store. */
export interface PgSecurityOptions {
  sql: Sql;
  /** Runs a query, turning driver errors into the store's IpcError. */
  q: <T>(f: () => Promise<T>) => Promise<T>;
  /** Sends a change to the other servers inside `tx` (delivered on commit). */
  notify: (tx: TransactionSql, change: { a?: number; g?: string[] }) => Promise<void>;
}

/** Creates the identity and access methods. */
export function createPgSecurity({ sql, q, notify }: PgSecurityOptions): PgSecurityMethods {
  async function bump(tx: TransactionSql): Promise<void> {
    const [row] = await tx<{ version: number }[]>`
      UPDATE access_version SET version = version + 1 WHERE id = 1 RETURNING version`;
    await notify(tx, { a: row?.version ?? 0 });
  }

  // Changes the active key of `name` (rotate) or revokes it, with its event, in one transaction.
  const keyChange = (name: string, by: string, at: number, publicKey: string | null) =>
    q(
      () =>
        sql.begin(async (tx) => {
          const [cur] = await tx<{ public_key: string }[]>`
          SELECT public_key FROM agents WHERE name = ${name} AND revoked_at IS NULL FOR UPDATE`;
          if (!cur) return false;
          if (publicKey === null)
            await tx`UPDATE agents SET revoked_at = ${at}, revoked_by = ${by} WHERE name = ${name}`;
          else await tx`UPDATE agents SET public_key = ${publicKey} WHERE name = ${name}`;
          await tx`INSERT INTO key_events (name, event, public_key, previous_key, actor, at)
                 VALUES (${name}, ${publicKey === null ? "revoke" : "rotate"}, ${publicKey}, ${cur.public_key}, ${by}, ${at})`;
          await bump(tx);
          return true;
        }) as Promise<boolean>,
    );

  return {
    getAgent: (name) =>
      q(async () => {
        const [r] = await sql<AgentRow[]>`SELECT * FROM agents WHERE name = ${name}`;
        return r ? toAgent(r) : undefined;
      }),
    listAgents: () =>
      q(async () => (await sql<AgentRow[]>`SELECT * FROM agents ORDER BY created_at, name`).map(toAgent)),
    listAgentsPage: (page) =>
      q(async () => {
        const after = page.after ?? { createdAt: -Number.MAX_VALUE, name: "" };
        const rows = await sql<AgentRow[]>`
          SELECT * FROM agents WHERE (created_at, name) > (${after.createdAt}::float8, ${after.name}::text)
          ORDER BY created_at, name LIMIT ${page.limit}`;
        return rows.map(toAgent);
      }),
    addAgent: (a) =>
      q(
        () =>
          sql.begin(async (tx) => {
            const rows = await tx`
              INSERT INTO agents (name, identity, public_key, role, registered_by, created_at, revoked_at, revoked_by)
              VALUES (${a.name}, ${a.identity}, ${a.publicKey}, ${a.role}, ${a.registeredBy}, ${a.createdAt},
                      ${a.revokedAt}, ${a.revokedBy})
              ON CONFLICT (name) DO NOTHING RETURNING 1`;
            if (rows.length === 0) return false;
            await notify(tx, { g: [a.name] });
            return true;
          }) as Promise<boolean>,
      ),
    hasOperator: () =>
      q(async () => (await sql`SELECT 1 FROM agents WHERE role = 'operator' LIMIT 1`).length > 0),
    revokeAgent: (name, by, at) => keyChange(name, by, at, null),
    rotateKey: (name, publicKey, by, at) => keyChange(name, by, at, publicKey),
    listKeyEvents: (name) =>
      q(async () =>
        (await sql<KeyEventRow[]>`SELECT * FROM key_events WHERE name = ${name} ORDER BY id`).map(toKeyEvent),
      ),
    putAccessRules: async (rules) => {
      if (rules.length === 0) return;
      await q(() =>
        sql.begin(async (tx) => {
          for (const r of rules) {
            await tx`INSERT INTO access_rules (agent, pattern, permission, effect, set_by, set_at)
                     VALUES (${r.agent}, ${r.pattern}, ${r.permission}, ${r.effect}, ${r.setBy}, ${r.setAt})
                     ON CONFLICT (agent, pattern, permission)
                     DO UPDATE SET effect = excluded.effect, set_by = excluded.set_by, set_at = excluded.set_at`;
          }
          await bump(tx);
        }),
      );
    },
    removeAccessRules: (agent, pattern, permissions) =>
      q(
        () =>
          sql.begin(async (tx) => {
            const rows = await tx<RuleRow[]>`
              DELETE FROM access_rules WHERE agent = ${agent} AND pattern = ${pattern}
              AND permission = ANY(${permissions}::text[]) RETURNING *`;
            const order = new Map(permissions.map((p, i) => [p, i]));
            const removed = rows
              .map(toRule)
              .sort((x, y) => (order.get(x.permission) ?? 0) - (order.get(y.permission) ?? 0));
            if (removed.length > 0) await bump(tx);
            return removed;
          }) as Promise<AccessRule[]>,
      ),
    listAccessRules: (agent) =>
      q(async () => {
        const rows =
          agent === undefined
            ? await sql<
                RuleRow[]
              >`SELECT * FROM access_rules ORDER BY agent COLLATE "C", pattern COLLATE "C", permission`
            : await sql<
                RuleRow[]
              >`SELECT * FROM access_rules WHERE agent = ${agent} ORDER BY pattern COLLATE "C", permission`;
        return rows.map(toRule);
      }),
    accessVersion: () =>
      q(
        async () =>
          (await sql<{ version: number }[]>`SELECT version FROM access_version WHERE id = 1`)[0]?.version ??
          0,
      ),
  };
}

/** Bearer tokens in PostgreSQL: rows keyed by the token's public id, holding only the secret's SHA-256. */
export function createPgTokens(sql: Sql, q: <T>(f: () => Promise<T>) => Promise<T>): TokenStore {
  return {
    addToken: (t) =>
      q(async () => {
        await sql`INSERT INTO tokens (id, agent, secret_hash, issued_by, created_at, expires_at)
                  VALUES (${t.id}, ${t.agent}, ${t.secretHash}, ${t.issuedBy}, ${t.createdAt}, ${t.expiresAt})`;
      }),
    getToken: (id) =>
      q(async () => {
        const [r] = await sql<TokenRow[]>`SELECT * FROM tokens WHERE id = ${id}`;
        return r ? toToken(r) : undefined;
      }),
    revokeToken: (id, by, at) =>
      q(
        async () =>
          (
            await sql`UPDATE tokens SET revoked_at = ${at}, revoked_by = ${by} WHERE id = ${id} AND revoked_at IS NULL RETURNING 1`
          ).length > 0,
      ),
    listTokens: (agent) =>
      q(async () => {
        const rows =
          agent === undefined
            ? await sql<TokenRow[]>`SELECT * FROM tokens ORDER BY created_at DESC, id COLLATE "C"`
            : await sql<
                TokenRow[]
              >`SELECT * FROM tokens WHERE agent = ${agent} ORDER BY created_at DESC, id COLLATE "C"`;
        return rows.map(toToken);
      }),
  };
}
