-- MPI schema (ADR 0012): enterprise identities carrying the national identifier, source
-- identities (one per assigning authority + local id) with their demographics, the link of
-- each source identity to an enterprise identity, an append-only history, the identity
-- vigilance worklist, the event outbox and PDQ continuation state. Nothing is deleted:
-- merged identities keep their rows with status 'merged' and a pointer to the survivor.

CREATE SEQUENCE national_id_seq START 100000001;

CREATE TABLE enterprise_identity (
  id bigserial PRIMARY KEY,
  national_id text NOT NULL UNIQUE,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'merged')),
  merged_into bigint REFERENCES enterprise_identity (id),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE TABLE source_identity (
  id bigserial PRIMARY KEY,
  authority text NOT NULL,
  local_id text NOT NULL,
  enterprise_id bigint NOT NULL REFERENCES enterprise_identity (id),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'merged')),
  merged_into bigint REFERENCES source_identity (id),
  family_key text NOT NULL DEFAULT '',
  given_key text NOT NULL DEFAULT '',
  family_phonetic text NOT NULL DEFAULT '',
  given_phonetic text NOT NULL DEFAULT '',
  birth_date text,
  sex text,
  postal_code text,
  demographics jsonb NOT NULL,
  complete boolean NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (authority, local_id)
);

CREATE INDEX source_identity_enterprise ON source_identity (enterprise_id);
-- PDQ and candidate search: normalised family key (exact and prefix), phonetic keys, birth date.
CREATE INDEX source_identity_family ON source_identity (family_key text_pattern_ops, birth_date);
CREATE INDEX source_identity_given ON source_identity (given_key text_pattern_ops);
CREATE INDEX source_identity_phonetic ON source_identity (family_phonetic, given_phonetic);
CREATE INDEX source_identity_birth ON source_identity (birth_date, family_phonetic);

-- Append-only history: created, updated, linked, unlinked, merged, decisions.
CREATE TABLE identity_history (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  kind text NOT NULL,
  enterprise_id bigint REFERENCES enterprise_identity (id),
  source_id bigint REFERENCES source_identity (id),
  other_enterprise_id bigint REFERENCES enterprise_identity (id),
  transaction text,
  actor text,
  detail jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX identity_history_enterprise ON identity_history (enterprise_id, at);
CREATE INDEX identity_history_source ON identity_history (source_id, at);

-- Identity vigilance worklist: potential duplicates and collisions.
CREATE TABLE review_item (
  id bigserial PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('potential-duplicate', 'collision')),
  source_id bigint NOT NULL REFERENCES source_identity (id),
  candidate_enterprise_id bigint REFERENCES enterprise_identity (id),
  authority text NOT NULL,
  score numeric,
  detail jsonb NOT NULL DEFAULT '{}',
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'linked', 'unlinked', 'merged', 'dismissed')),
  created_at timestamptz NOT NULL,
  decided_at timestamptz,
  decided_by text,
  decision_note text
);
CREATE INDEX review_item_open ON review_item (status, created_at);
CREATE INDEX review_item_authority ON review_item (authority, kind);

-- Transactional outbox: events committed with the change, published after commit.
CREATE TABLE outbox (
  id bigserial PRIMARY KEY,
  subject text NOT NULL,
  event_id uuid NOT NULL UNIQUE,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL
);

-- ITI-21 continuation (ITI TF-2 3.21.4.1.3.3): the remaining result of a query, per pointer.
CREATE TABLE pdq_continuation (
  pointer text PRIMARY KEY,
  query_tag text NOT NULL,
  enterprise_ids bigint[] NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX pdq_continuation_tag ON pdq_continuation (query_tag);
