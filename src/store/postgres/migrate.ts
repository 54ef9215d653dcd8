// Applies the PostgreSQL migrations once each, under a transaction-scoped advisory lock, so servers
// starting together against a new database migrate it exactly once.
import type { Sql } from "postgres";
import { MIGRATIONS } from "./schema.js";

/** The advisory lock key migrations take (any fixed 64-bit number; "el-ipc" in ASCII). */
export const MIGRATE_LOCK = 0x656c2d697063;

/** Brings the schema up to date; resolves to the version it is at. */
export async function migrate(sql: Sql): Promise<number> {
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${MIGRATE_LOCK})`;
    await tx.unsafe(
      "CREATE TABLE IF NOT EXISTS elipc_schema (id int PRIMARY KEY CHECK (id = 1), version int NOT NULL)",
    );
    const [row] = await tx<{ version: number }[]>`SELECT version FROM elipc_schema WHERE id = 1`;
    const current = row?.version ?? 0;
    for (let i = current; i < MIGRATIONS.length; i++) await tx.unsafe(MIGRATIONS[i] as string);
    if (current < MIGRATIONS.length) {
      await tx`INSERT INTO elipc_schema (id, version) VALUES (1, ${MIGRATIONS.length})
               ON CONFLICT (id) DO UPDATE SET version = excluded.version`;
    }
    return Math.max(current, MIGRATIONS.length);
  }) as Promise<number>;
}
