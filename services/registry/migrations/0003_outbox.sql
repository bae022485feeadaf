-- Transactional outbox (libs/runtime outbox.ts): the xds.document-registered / -removed events
-- are written in the transaction of the change they report and published after its commit;
-- rows left behind (bus down, crash between commit and publish) are re-published by a sweep.
CREATE TABLE outbox (
  id bigserial PRIMARY KEY,
  subject text NOT NULL,
  event_id uuid NOT NULL UNIQUE,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL
);
