// Bearer tokens in the SQLite store (migration 007_tokens.sql): rows keyed by the token's public id,
// holding only the SHA-256 of its secret.
import type Database from "better-sqlite3";
import { type TokenRow, toToken } from "../shared/rows.js";
import type { TokenStore } from "../types.js";

/** The token methods over `db`; `fail` maps SQLite errors (busy, full) to IpcErrors. */
export function createTokenStore(db: Database.Database, fail: (e: unknown) => never): TokenStore {
  const stmt = {
    add: db.prepare(
      "INSERT INTO tokens (id, agent, secret_hash, issued_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
    ),
    get: db.prepare("SELECT * FROM tokens WHERE id = ?"),
    revoke: db.prepare(
      "UPDATE tokens SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL",
    ),
    all: db.prepare("SELECT * FROM tokens ORDER BY created_at DESC, id"),
    ofAgent: db.prepare("SELECT * FROM tokens WHERE agent = ? ORDER BY created_at DESC, id"),
  };
  const guard = async <T>(fn: () => T): Promise<T> => {
    try {
      return fn();
    } catch (e) {
      return fail(e);
    }
  };
  return {
    addToken: (t) =>
      guard(() => {
        stmt.add.run(t.id, t.agent, t.secretHash, t.issuedBy, t.createdAt, t.expiresAt);
      }),
    getToken: (id) =>
      guard(() => {
        const row = stmt.get.get(id) as TokenRow | undefined;
        return row ? toToken(row) : undefined;
      }),
    revokeToken: (id, by, at) => guard(() => stmt.revoke.run(at, by, id).changes > 0),
    listTokens: (agent) =>
      guard(() =>
        ((agent === undefined ? stmt.all.all() : stmt.ofAgent.all(agent)) as TokenRow[]).map(toToken),
      ),
  };
}
