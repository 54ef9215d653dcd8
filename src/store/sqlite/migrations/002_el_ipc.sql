-- el-ipc additions: signature metadata, a per-channel index, one-use proofs, idempotency keys, revocation.
ALTER TABLE messages ADD COLUMN sig_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN sig_timestamp INTEGER;
ALTER TABLE messages ADD COLUMN sig_nonce TEXT;
UPDATE messages SET sig_version = 1 WHERE signature IS NOT NULL AND signature <> '';
CREATE INDEX IF NOT EXISTS messages_channel_id ON messages (channel, id);

-- Nonces and reference-format signatures already accepted. Reference signatures carry no time, so
-- they are kept forever (expires_at NULL); nonces are forgotten once outside the time window.
CREATE TABLE used_proofs (
    key         TEXT PRIMARY KEY,
    expires_at  INTEGER
) WITHOUT ROWID;
CREATE INDEX used_proofs_expiry ON used_proofs (expires_at) WHERE expires_at IS NOT NULL;
INSERT OR IGNORE INTO used_proofs (key, expires_at)
    SELECT 's:' || signature, NULL FROM messages WHERE signature IS NOT NULL AND signature <> '';

CREATE TABLE idempotency (
    sender      TEXT NOT NULL,
    key         TEXT NOT NULL,
    message_id  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    PRIMARY KEY (sender, key)
) WITHOUT ROWID;

ALTER TABLE agents ADD COLUMN revoked_at REAL;
ALTER TABLE agents ADD COLUMN revoked_by TEXT;
