/**
 * Transactional outbox for a service's bus events: an event is written in the same database
 * transaction as the change it reports, published right after the commit, and deleted once
 * JetStream has stored it. Rows left behind (bus down, process killed between commit and
 * publish) are re-published by a periodic sweep; the event id is the JetStream msgId, so a
 * re-publish inside the stream's duplicate window is stored once, and consumers de-duplicate
 * on eventId beyond it.
 *
 * The table lives in the service's own schema; its migration must create it as:
 *
 *   CREATE TABLE outbox (id bigserial PRIMARY KEY, subject text NOT NULL,
 *     event_id uuid NOT NULL UNIQUE, payload jsonb NOT NULL, created_at timestamptz NOT NULL);
 */
import type { Bus, EventOf, EventSubject } from '@mesh/bus';
import type { Db, Queryable } from '@mesh/db';
import type { Clock, ServiceLogger } from './service.js';

/** An event staged in a transaction, to publish once that transaction has committed. */
export interface StagedEvent {
  readonly subject: EventSubject;
  readonly eventId: string;
  readonly payload: unknown;
}

/**
 * The outbox row of an event, for a service that writes it within a statement of its own (one
 * round trip for the change and its event); the caller publishes `event` after the commit, as
 * with {@link Outbox.stage}.
 */
export interface OutboxRow {
  readonly event: StagedEvent;
  readonly table: 'outbox';
  readonly columns: readonly string[];
  readonly values: readonly unknown[];
  /** PostgreSQL type of each column's parameter. */
  readonly cast: readonly string[];
}

export interface Outbox {
  /** Writes the event in `tx` (the change's transaction); returns what to pass to {@link Outbox.publish} after commit. */
  stage<S extends EventSubject>(tx: Queryable, subject: S, payload: EventOf<S>): Promise<StagedEvent>;
  /** The event's row, for the caller to insert in the change's transaction (see {@link OutboxRow}). */
  prepare<S extends EventSubject>(subject: S, payload: EventOf<S>): OutboxRow;
  /** Publishes committed events in order and deletes their rows; failures are left to the sweep. */
  publish(events: readonly StagedEvent[]): Promise<void>;
  /** Publishes rows older than `minAgeMs` (all with 0): at start-up and by the periodic sweep. */
  flush(minAgeMs?: number): Promise<void>;
  /** Starts the periodic sweep (rows older than 10 s, every `intervalMs`). */
  start(intervalMs?: number): void;
  close(): Promise<void>;
}

export interface OutboxOptions {
  readonly db: Db;
  readonly bus: Bus;
  readonly logger: ServiceLogger;
  readonly clock: Clock;
  /**
   * How long published rows wait to be deleted together (default 100 ms): under load one DELETE
   * then covers the events of many commits instead of a few. A row waiting is not re-published:
   * the sweep takes rows older than 10 s. `close` deletes at once.
   */
  readonly deleteDelayMs?: number;
}

export function createOutbox(o: OutboxOptions): Outbox {
  const deleteDelayMs = o.deleteDelayMs ?? 100;
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> | undefined;
  const published: string[] = [];
  let deleting: Promise<void> | undefined;
  /** Ends the current batch's wait early (close). */
  let deleteNow: (() => void) | undefined;

  async function deletePublished(): Promise<void> {
    // Let concurrent publishers add their ids to this batch.
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, deleteDelayMs);
      deleteNow = () => {
        clearTimeout(t);
        resolve();
      };
    });
    deleteNow = undefined;
    while (published.length > 0) {
      const ids = published.splice(0, 1000);
      await o.db
        .query('DELETE FROM outbox WHERE event_id = ANY($1::uuid[])', [ids])
        .catch((err: unknown) =>
          o.logger.warn({ err }, 'published outbox rows not deleted; the sweep re-publishes them'),
        );
    }
  }

  async function flushOnce(minAgeMs: number): Promise<void> {
    for (;;) {
      const r = await o.db.query<{ id: string; subject: EventSubject; event_id: string; payload: unknown }>(
        'SELECT id, subject, event_id, payload FROM outbox WHERE created_at <= $1 ORDER BY id LIMIT 100',
        [new Date(o.clock().getTime() - minAgeMs)],
      );
      if (r.rows.length === 0) return;
      for (const row of r.rows) {
        await o.bus.publish(row.subject, row.payload as never, { msgId: row.event_id });
        await o.db.query('DELETE FROM outbox WHERE id = $1', [row.id]);
      }
    }
  }

  const outbox: Outbox = {
    prepare(subject, payload) {
      const eventId = (payload as { eventId: string }).eventId;
      return {
        event: { subject, eventId, payload },
        table: 'outbox',
        columns: ['subject', 'event_id', 'payload', 'created_at'],
        values: [subject, eventId, JSON.stringify(payload), o.clock()],
        cast: ['text', 'uuid', 'jsonb', 'timestamptz'],
      };
    },

    async stage(tx, subject, payload) {
      const row = outbox.prepare(subject, payload);
      await tx.query(
        `INSERT INTO outbox (${row.columns.join(', ')}) VALUES (${row.cast.map((c, i) => `$${i + 1}::${c}`).join(', ')})`,
        row.values,
      );
      return row.event;
    },

    async publish(events) {
      try {
        for (const e of events) {
          await o.bus.publish(e.subject, e.payload as never, { msgId: e.eventId });
          published.push(e.eventId);
        }
      } catch (err) {
        o.logger.warn({ err }, 'events not yet published; the outbox sweep retries');
      }
      // Published rows are deleted in batches (one statement for many events under load).
      deleting ??= deletePublished().finally(() => {
        deleting = undefined;
      });
      await deleting;
    },

    flush(minAgeMs = 0) {
      flushing ??= flushOnce(minAgeMs)
        .catch((err: unknown) => o.logger.warn({ err }, 'outbox sweep failed; retried at the next one'))
        .finally(() => {
          flushing = undefined;
        });
      return flushing;
    },

    start(intervalMs = 5_000) {
      void outbox.flush();
      timer = setInterval(() => void outbox.flush(10_000), intervalMs);
      timer.unref();
    },

    async close() {
      if (timer) clearInterval(timer);
      await flushing;
      deleteNow?.();
      await deleting;
    },
  };
  return outbox;
}
