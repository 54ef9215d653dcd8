-- Paged listings (GET /channels, GET /agents) answered from indexes: a per-channel summary kept by
-- triggers on every insert and delete (so writers that do not know it, like the reference, keep it right).
CREATE TABLE channel_summary (
    channel  TEXT PRIMARY KEY,
    count    INTEGER NOT NULL,
    top_id   INTEGER NOT NULL,
    last_at  REAL NOT NULL
) WITHOUT ROWID;
CREATE UNIQUE INDEX channel_summary_recent ON channel_summary (top_id);
INSERT INTO channel_summary (channel, count, top_id, last_at)
    SELECT c.channel, c.n, c.top, m.created_at
    FROM (SELECT channel, COUNT(*) AS n, MAX(id) AS top FROM messages GROUP BY channel) c
    JOIN messages m ON m.id = c.top;

CREATE TRIGGER channel_summary_insert AFTER INSERT ON messages BEGIN
    INSERT INTO channel_summary (channel, count, top_id, last_at)
        VALUES (NEW.channel, 1, NEW.id, NEW.created_at)
        ON CONFLICT (channel) DO UPDATE SET
            count = count + 1,
            top_id = MAX(top_id, excluded.top_id),
            last_at = CASE WHEN excluded.top_id > top_id THEN excluded.last_at ELSE last_at END;
END;

CREATE TRIGGER channel_summary_delete AFTER DELETE ON messages BEGIN
    UPDATE channel_summary SET count = count - 1 WHERE channel = OLD.channel;
    DELETE FROM channel_summary WHERE channel = OLD.channel AND count <= 0;
    UPDATE channel_summary SET (top_id, last_at) =
        (SELECT id, created_at FROM messages WHERE channel = OLD.channel ORDER BY id DESC LIMIT 1)
        WHERE channel = OLD.channel AND top_id = OLD.id;
END;

CREATE INDEX IF NOT EXISTS agents_created ON agents (created_at, name);
