-- Outbound webhooks: each has a position (a watermark over the channels its pattern matches) and a
-- bounded log of delivery attempts.
CREATE TABLE webhooks (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    pattern         TEXT NOT NULL,
    url             TEXT NOT NULL,
    secret          TEXT NOT NULL,
    allow_private   INTEGER NOT NULL DEFAULT 0,
    position        INTEGER NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      REAL NOT NULL,
    disabled_at     REAL,
    disabled_reason TEXT
);

CREATE TABLE webhook_deliveries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id  INTEGER NOT NULL,
    message_id  INTEGER NOT NULL,
    attempt     INTEGER NOT NULL,
    at          REAL NOT NULL,
    status      INTEGER,
    outcome     TEXT NOT NULL,
    error       TEXT
);
CREATE INDEX webhook_deliveries_by_hook ON webhook_deliveries (webhook_id, id);
