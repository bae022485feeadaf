/**
 * ITI-20 from the bus: the AUDIT stream the Secure Node senders publish to. Two subjects,
 * each through its own durable consumer: `audit.record-submitted` (one record per message:
 * older senders, and a newer sender's lone records) and `audit.records-submitted` (a batch
 * of records in one message, ADR 0006 amendment). Many messages are in flight at once, so
 * their records commit together in the writer's batches. The bus acks a message only after
 * its handler resolved, i.e. after every record in it is committed (ADR 0006); a crash
 * before that redelivers it, and the per-record message-id de-duplication makes the
 * redelivery a no-op. A batch with one unusable record stores the others.
 */
import type { AuditRecordSubmitted, Bus, EventMeta, Subscription } from '@mesh/bus';
import type { Ingest } from './ingest.js';
import type { IngestInput } from './record.js';

export interface BusIngestOptions {
  readonly bus: Bus;
  readonly ingest: Ingest;
  /** Durable consumer of `audit.record-submitted`; batches use `<durable>-batches`. */
  readonly durable: string;
  /** Parallel subscriptions of each durable consumer. */
  readonly subscriptions: number;
  /** Single-record messages each subscription handles at once (in flight = subscriptions x this). */
  readonly concurrency: number;
  /** Batch messages each subscription handles at once; default 4. */
  readonly batchConcurrency?: number;
  /**
   * An event (or a record inside a batch, `index` set) without an `xml` string: counted and
   * logged by the caller without its content, then acked (no retry can help).
   */
  readonly onInvalid: (meta: EventMeta, index?: number) => void;
}

/** The durable consumer name of the batch subject for a service's durable name. */
export const batchDurable = (durable: string): string => `${durable}-batches`;

/**
 * What one bus record hands to ingest, or undefined when it carries no XML. `fallbackId` is
 * the de-duplication key of a record that names none (a redelivery carries the same one).
 */
function toInput(value: unknown, fallbackId: string | undefined): IngestInput | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as Partial<Record<keyof AuditRecordSubmitted, unknown>>;
  if (typeof r.xml !== 'string') return undefined;
  const messageId = typeof r.messageId === 'string' && r.messageId !== '' ? r.messageId : fallbackId;
  return {
    xml: r.xml,
    transport: 'bus',
    ...(messageId === undefined ? {} : { messageId }),
    ...(typeof r.sourceId === 'string' ? { peer: r.sourceId } : {}),
  };
}

export function consumeAuditRecords(o: BusIngestOptions): Subscription[] {
  const singles = Array.from({ length: o.subscriptions }, () =>
    o.bus.consume(
      'audit.record-submitted',
      { durable: o.durable, concurrency: o.concurrency },
      async (e, meta) => {
        const input = toInput(e, meta.msgId);
        if (input === undefined) {
          o.onInvalid(meta);
          return;
        }
        await o.ingest.ingest(input);
      },
    ),
  );
  const batches = Array.from({ length: o.subscriptions }, () =>
    o.bus.consume(
      'audit.records-submitted',
      { durable: batchDurable(o.durable), concurrency: o.batchConcurrency ?? 4 },
      async (e, meta) => {
        const records: unknown = (e as { records?: unknown }).records;
        if (!Array.isArray(records)) {
          o.onInvalid(meta);
          return;
        }
        const inputs: IngestInput[] = [];
        records.forEach((r: unknown, i) => {
          const input = toInput(r, meta.msgId === undefined ? undefined : `${meta.msgId}/${i}`);
          if (input === undefined) o.onInvalid(meta, i);
          else inputs.push(input);
        });
        // Acked (by resolving) only once every record is committed, duplicate or rejected.
        await o.ingest.ingestMany(inputs);
      },
    ),
  );
  return [...singles, ...batches];
}
