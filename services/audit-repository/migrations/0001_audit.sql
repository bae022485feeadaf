-- ATNA Audit Record Repository storage (ITI TF-2 3.20; ADR 0013).
--
-- * `event` holds every stored audit message: the XML exactly as received (the evidence),
--   the columns searches filter on (derived from that XML at ingest), and its link in a
--   hash chain. It is partitioned by `received_at` (the repository's own clock, so every
--   insert lands in a partition created ahead of time, whatever the sender's EventDateTime
--   says); the service creates monthly partitions ahead (`event_pYYYYMM`) and retention drops
--   whole partitions.
-- * `event_key` lists the multi-valued search keys of each event (kind P patient id in
--   canonical CX form, U user id or name, S EventTypeCode), partitioned the same way, so "who
--   accessed patient X" is one index range scan in event-time order.
-- * `chain_head` is the last link of each hash chain. Appending to a chain locks its row, so
--   replicas and concurrent batches serialize per chain and the chain stays linear.
-- * `message_id` de-duplicates records by the sender's message id (the bus message id; the
--   Secure Node re-sends with the same id). Not partitioned: uniqueness across partitions.
-- * `chain_anchor` remembers, per chain, the last link removed by retention, so verification
--   of what remains still starts from a known hash.

CREATE TABLE chain_head (
  chain smallint PRIMARY KEY,
  seq bigint NOT NULL,
  hash bytea NOT NULL,
  received_at timestamptz NOT NULL
);

CREATE TABLE chain_anchor (
  chain smallint PRIMARY KEY,
  seq bigint NOT NULL,
  hash bytea NOT NULL,
  dropped_through timestamptz NOT NULL
);

CREATE TABLE event (
  chain smallint NOT NULL,
  seq bigint NOT NULL,
  received_at timestamptz NOT NULL,
  event_time timestamptz NOT NULL,
  message_id text,
  transport text NOT NULL CHECK (transport IN ('bus', 'tls', 'udp')),
  peer text,
  source_id text NOT NULL,
  event_code text NOT NULL,
  action text,
  outcome smallint NOT NULL,
  subtype text,
  form text NOT NULL CHECK (form IN ('dicom', 'rfc3881')),
  xml text NOT NULL,
  prev_hash bytea NOT NULL,
  hash bytea NOT NULL,
  PRIMARY KEY (chain, seq, received_at)
) PARTITION BY RANGE (received_at);

CREATE INDEX event_time_idx ON event (event_time DESC, chain, seq);
CREATE INDEX event_source_idx ON event (source_id, event_time DESC);
CREATE INDEX event_code_idx ON event (event_code, event_time DESC);
CREATE INDEX event_outcome_idx ON event (outcome, event_time DESC);

CREATE TABLE event_key (
  kind text NOT NULL CHECK (kind IN ('P', 'U', 'S')),
  value text NOT NULL,
  event_time timestamptz NOT NULL,
  received_at timestamptz NOT NULL,
  chain smallint NOT NULL,
  seq bigint NOT NULL
) PARTITION BY RANGE (received_at);

CREATE INDEX event_key_idx ON event_key (kind, value, event_time DESC, chain, seq);

CREATE TABLE message_id (
  message_id text PRIMARY KEY,
  chain smallint NOT NULL,
  seq bigint NOT NULL,
  received_at timestamptz NOT NULL
);

CREATE INDEX message_id_received_idx ON message_id (received_at);
