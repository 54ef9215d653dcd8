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
  `
  -- One group commit in one statement (one round trip instead of eight): locks the channels' rows in one
  -- order, consumes each call's replay proofs (a call with a used one is refused whole, its new proofs
  -- given back), takes ids for the rest while the locks are held, stores them, counts them into the
  -- summary and notifies the other servers. Answers one id per message, 0 for a refused call's.
  CREATE FUNCTION elipc_append(
    p_call int[], p_channel text[], p_sender text[], p_content text[], p_created float8[],
    p_signature text[], p_sig_version smallint[], p_sig_timestamp bigint[], p_sig_nonce text[],
    p_guard_key text[], p_guard_expires bigint[], p_notify_channel text, p_self text, p_parts jsonb)
  RETURNS bigint[] LANGUAGE plpgsql AS $fn$
  DECLARE
    n int := cardinality(p_call);
    calls int := 0;
    ok boolean[];
    mine text[] := '{}';
    ids bigint[];
    res bigint[] := '{}';
    taken int;
    k int := 0;
    newest bigint;
    part jsonb;
  BEGIN
    SELECT max(c) INTO calls FROM unnest(p_call) AS c;
    ok := array_fill(true, ARRAY[calls]);
    INSERT INTO channels (channel) SELECT DISTINCT c FROM unnest(p_channel) AS c ORDER BY c
      ON CONFLICT (channel) DO NOTHING;
    PERFORM 1 FROM channels WHERE channel = ANY(p_channel) ORDER BY channel FOR UPDATE;
    -- Calls in order; a call's messages are consecutive.
    FOR i IN 1..n LOOP
      IF p_guard_key[i] IS NOT NULL AND ok[p_call[i]] THEN
        INSERT INTO used_proofs (key, expires_at) VALUES (p_guard_key[i], p_guard_expires[i])
          ON CONFLICT DO NOTHING;
        IF FOUND THEN mine := mine || p_guard_key[i]; ELSE ok[p_call[i]] := false; END IF;
      END IF;
      IF i = n OR p_call[i + 1] IS DISTINCT FROM p_call[i] THEN
        IF NOT ok[p_call[i]] AND cardinality(mine) > 0 THEN
          DELETE FROM used_proofs WHERE key = ANY(mine);
        END IF;
        mine := '{}';
      END IF;
    END LOOP;
    SELECT count(*) INTO taken FROM unnest(p_call) AS c WHERE ok[c];
    IF taken = 0 THEN
      RETURN array_fill(0::bigint, ARRAY[n]);
    END IF;
    SELECT array_agg(x ORDER BY x) INTO ids
      FROM (SELECT nextval('messages_id_seq') AS x FROM generate_series(1, taken)) AS s;
    FOR i IN 1..n LOOP
      IF ok[p_call[i]] THEN
        k := k + 1;
        res := res || ids[k];
      ELSE
        res := res || 0::bigint;
      END IF;
    END LOOP;
    INSERT INTO messages (id, channel, sender, content, created_at, signature, sig_version, sig_timestamp, sig_nonce)
      SELECT * FROM unnest(res, p_channel, p_sender, p_content, p_created, p_signature, p_sig_version,
                           p_sig_timestamp, p_sig_nonce)
        AS u(id, channel, sender, content, created, signature, sig_version, sig_timestamp, sig_nonce)
      WHERE u.id > 0;
    UPDATE channels c SET count = c.count + d.n,
        last_at = CASE WHEN d.top > c.top_id THEN d.last ELSE c.last_at END,
        top_id = GREATEST(c.top_id, d.top)
      FROM (SELECT u.channel, count(*) AS n, max(u.id) AS top, (array_agg(u.created ORDER BY u.id DESC))[1] AS last
            FROM unnest(res, p_channel, p_created) AS u(id, channel, created) WHERE u.id > 0
            GROUP BY u.channel) AS d
      WHERE c.channel = d.channel;
    newest := ids[taken];
    FOR part IN SELECT jsonb_array_elements(p_parts) LOOP
      PERFORM pg_notify(p_notify_channel, jsonb_build_object('s', p_self, 'm', part, 't', newest)::text);
    END LOOP;
    RETURN res;
  END
  $fn$;
  `,
];
