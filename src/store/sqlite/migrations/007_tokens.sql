-- Bearer tokens issued by an operator for one agent (MCP over HTTP, A2A): the secret is never stored,
-- only its SHA-256; the id is the public part by which a token is found and revoked.
CREATE TABLE tokens (
    id          TEXT PRIMARY KEY,
    agent       TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    issued_by   TEXT NOT NULL,
    created_at  REAL NOT NULL,
    expires_at  REAL NOT NULL,
    revoked_at  REAL,
    revoked_by  TEXT
) WITHOUT ROWID;
CREATE INDEX tokens_agent ON tokens (agent, created_at);
