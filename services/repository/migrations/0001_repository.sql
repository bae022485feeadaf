-- XDS.b Document Repository storage (ITI TF-2 3.41, 3.43, 3.86).
--
-- * `documents` is the index: one row per DocumentEntry.uniqueId stored here. A row is
--   'pending' from the moment its ITI-41 has accepted the bytes until the registry answered
--   the ITI-42; it becomes 'committed' only on the registry's Success, in one UPDATE for the
--   whole submission (all-or-nothing). ITI-43 and ITI-86 see committed rows only.
-- * `attempt_id` names the ITI-41 that owns a pending row: only that attempt commits or
--   deletes it. A retry of the same document (same uniqueId, hash and size) takes a pending row
--   over; a committed row is reused as is (the bytes are identical).
-- * The sweeper deletes pending rows older than a bound (and their blobs): what a process
--   killed mid-submission left behind.
-- * The bytes live in a blob store (blob_id): files under DATA_DIR or `blob_chunks` below.
CREATE TABLE documents (
  unique_id text PRIMARY KEY,
  status text NOT NULL CHECK (status IN ('pending', 'committed')),
  attempt_id uuid NOT NULL,
  blob_id text NOT NULL UNIQUE,
  size bigint NOT NULL CHECK (size >= 0),
  sha1 text NOT NULL CHECK (sha1 ~ '^[0-9a-f]{40}$'),
  mime_type text NOT NULL,
  patient_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  committed_at timestamptz
);
CREATE INDEX documents_pending_idx ON documents (created_at) WHERE status = 'pending';
CREATE INDEX documents_attempt_idx ON documents (attempt_id);

-- PostgreSQL blob store (REPOSITORY_BLOB_STORE=pg): a blob is its chunks in order. Chunks are
-- written and read one at a time, so no statement ever carries a whole document.
CREATE TABLE blob_chunks (
  blob_id text NOT NULL,
  seq integer NOT NULL CHECK (seq >= 0),
  data bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (blob_id, seq)
);
