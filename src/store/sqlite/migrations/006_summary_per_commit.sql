-- channel_summary is brought up to date in passes instead of by a trigger per insert (the trigger cost
-- about as much as the insert itself). It counts the messages up to channel_summary_state.upto; messages
-- after it, whoever wrote them (the reference does not know the summary), are added a second after el-ipc
-- writes and before a listing (src/store/sqlite/summary.ts).
DROP TRIGGER channel_summary_insert;
CREATE TABLE channel_summary_state (
    id    INTEGER PRIMARY KEY CHECK (id = 0),
    upto  INTEGER NOT NULL
);
INSERT INTO channel_summary_state (id, upto) SELECT 0, COALESCE(MAX(id), 0) FROM messages;

-- A message the summary does not count yet leaves it alone when deleted.
DROP TRIGGER channel_summary_delete;
CREATE TRIGGER channel_summary_delete AFTER DELETE ON messages
WHEN OLD.id <= (SELECT upto FROM channel_summary_state WHERE id = 0)
BEGIN
    UPDATE channel_summary SET count = count - 1 WHERE channel = OLD.channel;
    DELETE FROM channel_summary WHERE channel = OLD.channel AND count <= 0;
    UPDATE channel_summary SET (top_id, last_at) =
        (SELECT id, created_at FROM messages WHERE channel = OLD.channel ORDER BY id DESC LIMIT 1)
        WHERE channel = OLD.channel AND top_id = OLD.id;
END;
