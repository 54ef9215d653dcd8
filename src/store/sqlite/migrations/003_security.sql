-- el-ipc security: key rotation and revocation history, per-agent channel access rules.

-- Every rotation and revocation, with who did it and when (Unix seconds). Never updated or deleted.
CREATE TABLE key_events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL,
    event         TEXT NOT NULL,          -- 'rotate' or 'revoke'
    public_key    TEXT,                   -- rotate: the new key
    previous_key  TEXT,                   -- the key in force before the event
    actor         TEXT NOT NULL,          -- the operator who did it
    at            REAL NOT NULL
);
CREATE INDEX key_events_name ON key_events (name, id);

-- Operator-set channel access: one row per agent, pattern and permission; the latest grant or deny wins.
CREATE TABLE access_rules (
    agent       TEXT NOT NULL,
    pattern     TEXT NOT NULL,            -- a channel name, or a prefix followed by '*'
    permission  TEXT NOT NULL,            -- 'read' or 'write'
    effect      TEXT NOT NULL,            -- 'allow' or 'deny'
    set_by      TEXT NOT NULL,
    set_at      REAL NOT NULL,
    PRIMARY KEY (agent, pattern, permission)
) WITHOUT ROWID;

-- Bumped with every change of access_rules, so processes caching rules notice changes made by others.
CREATE TABLE access_version (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    version  INTEGER NOT NULL
);
INSERT INTO access_version (id, version) VALUES (1, 0);
