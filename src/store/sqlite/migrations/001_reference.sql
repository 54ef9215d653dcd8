-- The schema of the reference implementation, kept as it is so its databases open unchanged.
CREATE TABLE IF NOT EXISTS messages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    channel     TEXT NOT NULL,
    sender      TEXT NOT NULL,
    content     TEXT NOT NULL,
    created_at  REAL NOT NULL,
    read_by     TEXT DEFAULT '',
    signature   TEXT DEFAULT ''
);
CREATE TABLE IF NOT EXISTS watermarks (
    agent       TEXT NOT NULL,
    channel     TEXT NOT NULL,
    last_id     INTEGER DEFAULT 0,
    PRIMARY KEY (agent, channel)
);
CREATE TABLE IF NOT EXISTS agents (
    name          TEXT PRIMARY KEY,
    identity      TEXT NOT NULL DEFAULT '',
    public_key    TEXT NOT NULL,
    role          TEXT NOT NULL DEFAULT 'agent',
    registered_by TEXT,
    created_at    REAL NOT NULL
);
