// The PostgreSQL schema as numbered migrations, applied once each by migrate.ts. Kept as strings in a
// module (not .sql files) because the bundle's single migrations/ folder belongs to the SQLite backend.

/** Migrations in order; the index + 1 is the version recorded in elipc_schema. */
export const MIGRATIONS: readonly string[] = [
  `
  -- Messages. Ids come from one sequence, taken while the channel's row in channels is locked, so within
  -- a channel ids commit (and become visible) in increasing order.
  CREATE SEQUENCE messages_id_seq;
  CREATE TABLE messages (
    id            bigint PRIMARY KEY,
    channel       text NOT NULL,
    sender        text NOT NULL,
    content       text NOT NULL,
    created_at    double precision NOT NULL,
    signature     text NOT NULL DEFAULT '',
    sig_version   smallint NOT NULL DEFAULT 0,
    sig_timestamp bigint,
    sig_nonce     text
  );
  CREATE INDEX messages_channel_id ON messages (channel, id);

  -- One row per channel: the lock writers to the channel take, and the listing's summary.
  CREATE TABLE channels (
    channel  text PRIMARY KEY,
    count    bigint NOT NULL DEFAULT 0,
    top_id   bigint NOT NULL DEFAULT 0,
    last_at  double precision NOT NULL DEFAULT 0
  );
  CREATE INDEX channels_recent ON channels (top_id) WHERE count > 0;

  CREATE TABLE watermarks (
    agent    text NOT NULL,
    channel  text NOT NULL,
    last_id  bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (agent, channel)
  );

  CREATE TABLE used_proofs (
    key         text PRIMARY KEY,
    expires_at  bigint
  );
  CREATE INDEX used_proofs_expiry ON used_proofs (expires_at) WHERE expires_at IS NOT NULL;

  CREATE TABLE idempotency (
    sender      text NOT NULL,
    key         text NOT NULL,
    message_id  bigint NOT NULL,
    expires_at  bigint NOT NULL,
    PRIMARY KEY (sender, key)
  );
  CREATE INDEX idempotency_expiry ON idempotency (expires_at);

  CREATE TABLE agents (
    name          text PRIMARY KEY,
    identity      text NOT NULL DEFAULT '',
    public_key    text NOT NULL,
    role          text NOT NULL DEFAULT 'agent',
    registered_by text,
    created_at    double precision NOT NULL,
    revoked_at    double precision,
    revoked_by    text
  );
  CREATE INDEX agents_created ON agents (created_at, name);

  CREATE TABLE key_events (
    id            bigserial PRIMARY KEY,
    name          text NOT NULL,
    event         text NOT NULL,
    public_key    text,
    previous_key  text,
    actor         text NOT NULL,
    at            double precision NOT NULL
  );
  CREATE INDEX key_events_name ON key_events (name, id);

  CREATE TABLE access_rules (
    agent       text NOT NULL,
    pattern     text NOT NULL,
    permission  text NOT NULL,
    effect      text NOT NULL,
    set_by      text NOT NULL,
    set_at      double precision NOT NULL,
    PRIMARY KEY (agent, pattern, permission)
  );

  CREATE TABLE access_version (
    id       int PRIMARY KEY CHECK (id = 1),
    version  bigint NOT NULL
  );
  INSERT INTO access_version (id, version) VALUES (1, 0);

  CREATE TABLE webhooks (
    id              bigserial PRIMARY KEY,
    pattern         text NOT NULL,
    url             text NOT NULL,
    secret          text NOT NULL,
    allow_private   boolean NOT NULL DEFAULT false,
    position        bigint NOT NULL,
    created_by      text NOT NULL,
    created_at      double precision NOT NULL,
    disabled_at     double precision,
    disabled_reason text
  );

  CREATE TABLE webhook_deliveries (
    id          bigserial PRIMARY KEY,
    webhook_id  bigint NOT NULL,
    message_id  bigint NOT NULL,
    attempt     int NOT NULL,
    at          double precision NOT NULL,
    status      int,
    outcome     text NOT NULL,
    error       text
  );
  CREATE INDEX webhook_deliveries_by_hook ON webhook_deliveries (webhook_id, id);

  CREATE TABLE tokens (
    id          text PRIMARY KEY,
    agent       text NOT NULL,
    secret_hash text NOT NULL,
    issued_by   text NOT NULL,
    created_at  double precision NOT NULL,
    expires_at  double precision NOT NULL,
    revoked_at  double precision,
    revoked_by  text
  );
  CREATE INDEX tokens_agent ON tokens (agent, created_at);
  `,
  `
  -- A prefix webhook's cursor on each channel it delivered from: across channels a higher id may commit
  -- before a lower one, so one position over all channels could pass over a message committed late.
  -- webhooks.position is where a channel without a row here starts (an exact pattern's only position).
  CREATE TABLE webhook_positions (
    webhook_id  bigint NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    channel     text NOT NULL,
    position    bigint NOT NULL,
    PRIMARY KEY (webhook_id, channel)
  );
  -- The server delivering a webhook holds it until claimed_until (the database's clock, Unix seconds),
  -- so several servers do not post the same messages.
  ALTER TABLE webhooks ADD COLUMN claimed_by text, ADD COLUMN claimed_until double precision;
  `,
];
