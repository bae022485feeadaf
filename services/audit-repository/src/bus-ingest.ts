/**
 * ITI-20 from the bus: the AUDIT stream the Secure Node senders publish to, consumed through
 * one durable consumer, many records in flight at once (records in flight together commit
 * together in the writer's batches). The bus acks an event only after its handler
 * resolved, i.e. after COMMIT (ADR 0006); a crash before that redelivers it, and the
 * message-id de-duplication makes the redelivery a no-op.
 */
import type { Bus, EventMeta, Subscription } from '@mesh/bus';
import type { Ingest } from './ingest.js';

export interface BusIngestOptions {
  readonly bus: Bus;
  readonly ingest: Ingest;
  readonly durable: string;
  /** Parallel subscriptions of the durable consumer. */
  readonly subscriptions: number;
  /** Records each subscription handles at once (in flight from the bus = subscriptions x this). */
  readonly concurrency: number;
  /** An event without an `xml` string: counted and logged by the caller, then acked (no retry can help). */
  readonly onInvalid: (meta: EventMeta) => void;
}

export function consumeAuditRecords(o: BusIngestOptions): Subscription[] {
  return Array.from({ length: o.subscriptions }, () =>
    o.bus.consume(
      'audit.record-submitted',
      { durable: o.durable, concurrency: o.concurrency },
      async (e, meta) => {
        const payload = e as unknown as Record<string, unknown>;
        if (typeof payload['xml'] !== 'string') {
          o.onInvalid(meta);
          return;
        }
        const messageId =
          typeof payload['messageId'] === 'string' && payload['messageId'] !== '' ? e.messageId : meta.msgId;
        await o.ingest.ingest({
          xml: e.xml,
          transport: 'bus',
          ...(messageId === undefined ? {} : { messageId }),
          ...(typeof payload['sourceId'] === 'string' ? { peer: e.sourceId } : {}),
        });
      },
    ),
  );
}
